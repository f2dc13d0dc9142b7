package codec

import (
	"strings"
	"testing"
)

// TestPagesHeader: the header lists the ids in order; its first id is
// read back, and nothing that is not a page id is.
func TestPagesHeader(t *testing.T) {
	pages := []PageRef{{ID: "0123456789abcdef0123456789abcdef"}, {ID: "fedcba9876543210fedcba9876543210"}}
	h := PagesHeaderValue(pages)
	if h != "0123456789abcdef0123456789abcdef,fedcba9876543210fedcba9876543210" {
		t.Fatalf("header %q", h)
	}
	if id, ok := FirstPageOf(h); !ok || id != pages[0].ID {
		t.Fatalf("first page %q %v", id, ok)
	}
	for _, bad := range []string{"", "0123456789ABCDEF0123456789abcdef", "../../v1/admin/users/xxxxxxxxxxxx", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0"} {
		if id, ok := FirstPageOf(bad); ok {
			t.Errorf("%q read as page %q", bad, id)
		}
	}
}

// FuzzFirstPageOf: whatever the header, a page id read from it is 32
// lowercase hex digits that start it.
func FuzzFirstPageOf(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef,fedcba9876543210fedcba9876543210")
	f.Add("../x")
	f.Fuzz(func(t *testing.T, h string) {
		id, ok := FirstPageOf(h)
		if !ok {
			return
		}
		if len(id) != 32 || !strings.HasPrefix(h, id) || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("%q read as page %q", h, id)
		}
	})
}
