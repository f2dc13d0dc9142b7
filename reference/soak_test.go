package reference

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestSoak runs the randomized convergence scenarios (TestConvergenceRandomized
// and TestNoLeakUnderPrivilegeChurn, each seeded anew and logging its
// seed) in turn until OFFSYNC_SOAK has passed, and prints how many ran and
// how many found a divergence or a leak (those must be zero). Without
// OFFSYNC_SOAK it skips. cmd/offsync's TestSoak soaks the crash and
// failover tests under the same variable.
func TestSoak(t *testing.T) {
	s := os.Getenv("OFFSYNC_SOAK")
	if s == "" {
		t.Skip("soak skipped: set OFFSYNC_SOAK to a duration to run it, e.g. OFFSYNC_SOAK=1h go test ./... -run TestSoak -timeout 2h")
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("OFFSYNC_SOAK: %q is not a positive duration", s)
	}
	rounds := 40 // as runRandomSync counts them
	if r, err := strconv.Atoi(os.Getenv("OFFSYNC_CONVERGENCE_ROUNDS")); err == nil {
		rounds = r
	}
	end := time.Now().Add(d)
	var runs, steps, pushed, failed int
	for i := 0; time.Now().Before(end); i++ {
		churn, offset, name, days := 1, int64(0), "convergence", false
		switch i % 3 {
		case 1:
			churn, offset, name = 4, 1<<20, "privilege-churn"
		case 2:
			offset, name, days = 2<<20, "across-days", true
		}
		if !t.Run(fmt.Sprintf("%s-%d", name, i), func(t *testing.T) { runRandomSync(t, offset, churn, days) }) {
			failed++
		}
		runs++
		steps += rounds * 40
		pushed += stats.pushed
	}
	t.Logf("soak of %s: %d randomized sync runs (about %d steps: writes, access changes, republishes, prunes, pulls checked against the reference view), %d pushed mutations applied; %d runs found a divergence or a leak",
		d, runs, steps, pushed, failed)
	if failed != 0 {
		t.Errorf("%d of %d runs failed", failed, runs)
	}
}
