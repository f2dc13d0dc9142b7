package bench

import (
	"os"
	"runtime"
	"testing"
)

// TestProcRSSSplitAddsUp: this process's anonymous and file-backed
// resident memory add up to its RSS (less shared memory, and what moved
// between the two reads), and peakSplit keeps the split of the largest
// sample only.
func TestProcRSSSplitAddsUp(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/pid/status is Linux's")
	}
	pid := os.Getpid()
	cur, _, err := procRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	anon, file, err := procRSSSplit(pid)
	if err != nil {
		t.Fatal(err)
	}
	if anon == 0 || file == 0 || anon+file > cur+cur/4 || anon+file < cur-cur/4 {
		t.Fatalf("RSS %d, split into %d anonymous and %d file-backed", cur, anon, file)
	}
	p := &peakSplit{pid: pid}
	p.sample(100)
	first := p.anon
	p.sample(50) // smaller: not read
	if p.at != 100 || p.anon != first || first == 0 {
		t.Fatalf("after samples of 100 and 50: %+v", p)
	}
	if _, _, err := procRSSSplit(1 << 30); err == nil {
		t.Fatal("a process that does not exist has a split")
	}
}
