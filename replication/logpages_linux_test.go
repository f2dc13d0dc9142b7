package replication

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// mappedRSS sums the Rss of this process's mappings of path, from
// /proc/self/smaps, in bytes.
func mappedRSS(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	var total int64
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = len(f) >= 6 && strings.Join(f[5:], " ") == path
			continue
		}
		if in && f[0] == "Rss:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			total += kb << 10
		}
	}
	return total
}

// TestPageOutFileDropsMappedPages: the pages of a file mapped and read by
// this process leave its resident memory after pageOutFile, and the
// mapping still reads the same bytes.
func TestPageOutFileDropsMappedPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	const size = 8 << 20
	want := bytes.Repeat([]byte("offsync!"), size/8)
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	var sum int
	for i := 0; i < size; i += 4096 {
		sum += int(m[i])
	}
	if sum != size/4096*'o' { // and the reads are not optimized away
		t.Fatalf("read %d through the mapping", sum)
	}
	before := mappedRSS(t, path)
	if before < size/2 {
		t.Skipf("the mapping holds %d bytes resident after reading it all: cannot tell", before)
	}
	n, err := pageOutFile(path)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("this kernel has no MADV_PAGEOUT: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	if n != size {
		t.Fatalf("paged out %d bytes of mappings, want %d", n, size)
	}
	if after := mappedRSS(t, path); after > before/4 {
		t.Fatalf("the mapping holds %d bytes resident after the page-out, %d before", after, before)
	}
	if !bytes.Equal(m, want) {
		t.Fatal("the mapping reads other bytes after the page-out")
	}
}

// TestRestartPagesOutTheReplayedLog: a node restarted on a log of a few
// MB replays it through raft.db's memory map; with LogPageOut the pages
// leave the process's resident memory once the replay is applied, and
// without it they stay.
func TestRestartPagesOutTheReplayedLog(t *testing.T) {
	dir := t.TempDir()
	n := openNode(t, dir)
	setup(t, n)
	name := strings.Repeat("n", 1000)
	for c := 0; c < 40; c++ {
		recs := make([]codec.Record, 100)
		for i := range recs {
			recs[i] = codec.Record{Entity: "account", ID: rowID(c*100 + i), OwnerID: owner, Attrs: map[string]any{"name": name}}
		}
		propose(t, n, &engine.Command{Kind: engine.KindIngest, Now: 1, Records: recs})
	}
	eng := n.Engine()
	n.Close()
	eng.Close()
	path := filepath.Join(dir, "raft", logStoreFile)
	for _, pageOut := range []bool{false, true} {
		n := openNodeWith(t, dir, func(c *Config) { c.LogPageOut = pageOut })
		deadline := time.Now().Add(10 * time.Second)
		for n.raft.AppliedIndex() < n.Engine().Applied() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(3 * logPageOutPoll) // the page-out's turn
		rss := mappedRSS(t, path)
		t.Logf("LogPageOut %v: raft.db holds %d KiB resident", pageOut, rss>>10)
		switch {
		case !pageOut && rss < 2<<20:
			t.Skipf("the replay left only %d KiB of raft.db resident: cannot tell", rss>>10)
		case pageOut && rss > 1<<20:
			t.Fatalf("after the replay raft.db holds %d KiB resident", rss>>10)
		}
		eng := n.Engine()
		n.Close()
		eng.Close()
	}
}
