package server

import "testing"

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
