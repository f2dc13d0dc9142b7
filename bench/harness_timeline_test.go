package bench

import (
	"testing"
	"time"
)

func TestTimelineSlicesTheWindow(t *testing.T) {
	var a, b pullTally
	a.note(1*time.Second, 10*time.Millisecond, true)
	a.note(2*time.Second, 30*time.Millisecond, false)
	b.note(6*time.Second, 20*time.Millisecond, true)
	b.note(10500*time.Millisecond, 5*time.Millisecond, false) // as the window closed
	var all pullTally
	all.mergeSlices(&a)
	all.mergeSlices(&b)
	got := all.timeline(10600 * time.Millisecond)
	if len(got) != 2 {
		t.Fatalf("timeline %+v: want the two whole slices only", got)
	}
	if got[0].Start != 0 || got[0].PullsPerSec != 0.4 || got[0].DeltaShare != 0.5 || got[0].P50Ms != 30 {
		t.Fatalf("first slice %+v", got[0])
	}
	if got[1].Start != 5 || got[1].PullsPerSec != 0.2 || got[1].DeltaShare != 1 || got[1].P50Ms != 20 {
		t.Fatalf("second slice %+v", got[1])
	}
}
