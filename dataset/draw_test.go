package dataset

import (
	"regexp"
	"slices"
	"testing"
)

func TestSkewIsZipfLike(t *testing.T) {
	r := newKeyer(1).stream(kindOf("test"), 0)
	z := newSkew(200, 1.1, 3)
	counts := make([]int, 200)
	for range 100_000 {
		counts[z.pick(&r)]++
	}
	if counts[0] < 10*counts[100] {
		t.Errorf("rank 0 drawn %d times, rank 100 %d: want a heavy head", counts[0], counts[100])
	}
	if counts[199] == 0 {
		t.Errorf("the tail is never drawn")
	}
	for k := 1; k < 50; k++ { // monotone within noise at the head
		if counts[k] > counts[k-1]*12/10+50 {
			t.Errorf("rank %d (%d) far above rank %d (%d)", k, counts[k], k-1, counts[k-1])
		}
	}
}

func TestScatterIsBijection(t *testing.T) {
	for _, n := range []int{1, 2, 3, 20, 600, 1000, 1024, 200_000} {
		p := newScatter(n, 12345)
		seen := make([]bool, n)
		for i := range n {
			x := p.at(i)
			if x < 0 || x >= n || seen[x] {
				t.Fatalf("n=%d: at(%d) = %d repeats or is out of range", n, i, x)
			}
			seen[x] = true
		}
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRowID(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range []string{"account", "contact", "systemuser"} {
		for i := range 5000 {
			id := RowID(7, e, i)
			if !guidRE.MatchString(id) {
				t.Fatalf("RowID(7, %s, %d) = %q: not a lowercase v4 GUID", e, i, id)
			}
			if seen[id] {
				t.Fatalf("RowID(7, %s, %d) = %q repeats", e, i, id)
			}
			seen[id] = true
		}
	}
	if RowID(7, "account", 3) != RowID(7, "account", 3) || RowID(7, "account", 3) == RowID(8, "account", 3) {
		t.Error("RowID is not a function of (seed, entity, index)")
	}
}

func TestTextHelpers(t *testing.T) {
	if got := slug("Müller & Sons, São Paulo"); got != "mullersonssaopaulo" {
		t.Errorf("slug = %q", got)
	}
	if got := clip("Zürich", 2); got != "Z" {
		t.Errorf("clip = %q, want a cut before the multi-byte rune", got)
	}
	for c, want := range map[int64]string{0: "0.00", 5: "0.05", 1234567: "12345.67", 100: "1.00"} {
		if got := cents(c); got != want {
			t.Errorf("cents(%d) = %q, want %q", c, got, want)
		}
	}
	r := newKeyer(1).stream(kindOf("test"), 1)
	w := []float64{0, 1, 0}
	for range 100 {
		if i := r.weighted(w); i != 1 {
			t.Fatalf("weighted picked %d with zero weight", i)
		}
	}
	if !slices.Equal(newBUTree(20).parent[:5], []int{-1, 0, 0, 0, 0}) {
		t.Errorf("tree of 20 = %v", newBUTree(20).parent)
	}
}

func TestOppName(t *testing.T) {
	close := DefaultNow.AddDate(0, 4, 0) // May 2026
	got := oppName("Q{quarter} {year} {qty} {product} - {account} {other}", "Laptops", "25", "Contoso Ltd", close)
	if want := "Q2 2026 25 Laptops - Contoso Ltd {other}"; got != want {
		t.Errorf("oppName = %q, want %q", got, want)
	}
}
