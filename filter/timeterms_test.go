package filter

import (
	"slices"
	"testing"
)

func TestTimeTerms(t *testing.T) {
	kinds := map[string]Kind{"due": KindDateTime, "start": KindDateTime, "name": KindString}
	attr := func(n string) (Kind, bool) { k, ok := kinds[n]; return k, ok }
	for src, want := range map[string][]TimeTerm{
		"name = 'x'":                        nil,
		"due <= today(+7)":                  {{"due", 7}},
		"not (due > today()) or name = 'a'": {{"due", 0}},
		"name = 'a' and (start >= today(-3) or due < today(2))": {{"start", -3}, {"due", 2}},
		"due in (today(), today(1), '2026-01-01')":              {{"due", 0}, {"due", 1}},
	} {
		e, err := Parse(src, attr)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := e.TimeTerms(); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", src, got, want)
		}
	}
	if (*Expr)(nil).TimeTerms() != nil {
		t.Error("nil filter")
	}
	const day = 86_400_000
	if got := TodayMillis(3*day+5, -1); got != 2*day {
		t.Errorf("TodayMillis = %d", got)
	}
}
