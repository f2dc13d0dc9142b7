package server

import (
	"strings"
	"testing"
)

func TestPseudoRevision(t *testing.T) {
	for v, want := range map[string]string{
		"v0.0.0-20261130030000-abcdef123456":         "abcdef123456",
		"v1.2.4-0.20261130030000-abcdef123456+dirty": "abcdef123456",
		"v1.2.3":           "",
		"v1.2.3-rc1":       "",
		"(devel)":          "",
		"v0.0.0-2026-XYZ!": "",
	} {
		if got := pseudoRevision(v); got != want {
			t.Errorf("pseudoRevision(%q) = %q, want %q", v, got, want)
		}
	}
}

// FuzzPseudoRevision: the revision read from any version string is empty
// or 12 lowercase hex digits found in it.
func FuzzPseudoRevision(f *testing.F) {
	for _, s := range []string{"v0.0.0-20261130030000-abcdef123456", "v1.2.3", "(devel)", "-abcdef123456+dirty"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		rev := pseudoRevision(v)
		if rev == "" {
			return
		}
		if len(rev) != 12 || strings.Trim(rev, "0123456789abcdef") != "" || !strings.Contains(v, rev) {
			t.Fatalf("pseudoRevision(%q) = %q", v, rev)
		}
	})
}
