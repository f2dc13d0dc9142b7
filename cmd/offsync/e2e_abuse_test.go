package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	// abuseRSSLimit is what the server may hold at its peak (VmHWM).
	abuseRSSLimit = 1 << 30
	// abuseWorkers send hostile requests at once: under the server's
	// pull slots (two per core), so that no pull waits for one.
	abuseWorkers = 4
	// abuseBurst devices send abuseBurstEach bombs each, all at once.
	abuseBurst, abuseBurstEach = 512, 2
	// A trickled body: this many bytes, one per trickleEvery.
	trickleBytes = 20
	trickleEvery = 50 * time.Millisecond
	// bombBytes is what each compression bomb decodes to: past every
	// route's decoded cap.
	bombBytes = 128 << 20
)

// TestAbuseServeDemoRSS attacks the built binary, `offsync serve --demo`,
// as a hostile Field Sales device (and a careless administrator on the
// ingest route) would. From several goroutines at once, rounds of every
// kind of hostile request of issue 12: compression bombs, length claims
// of 4 G, count bombs, deep nesting, oversized, truncated and lying
// bodies, trickled bodies, garbage, forged and other users' cursors,
// wrong, revoked and other users' tokens, ids outside the view, one event
// stream too many; then a burst of push bombs from hundreds of
// connections at once. Every refusal must be the expected 4xx with a
// JSON {code, message}, never a 5xx; no answer to the device names a row
// outside its view; the rows attacked are unchanged; nothing is logged at
// ERROR; and the server's peak RSS (VmHWM) stays under 1 GiB (past it,
// the server is killed at once).
//
// OFFSYNC_ABUSE_ROUNDS sets the rounds (10), OFFSYNC_ABUSE_WORKERS the
// goroutines (4), OFFSYNC_ABUSE_KINDS a regular expression of the kinds
// to send; OFFSYNC_ABUSE_SLOW=1 also trickles bodies past the server's
// 60 s read timeout (400).
func TestAbuseServeDemoRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's memory from /proc")
	}
	rounds := envRounds(t, "OFFSYNC_ABUSE_ROUNDS", 10)
	bin := buildBinary(t)
	// The server's slots (pulls, decompressions) are two per core: two
	// cores make its memory bound the same on every machine.
	t.Setenv("GOMAXPROCS", "2")
	p := startServe(t, bin, t.TempDir(), freeAddr(t), freeAddr(t), "--demo")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", tail(p.logs.String(), 8000))
		}
	})
	pid := p.cmd.Process.Pid
	ab := newAbuser(t, p.base)
	before := ab.snapshotRows(t)
	var fresh atomic.Int64
	kinds := append(append(append(append(bodyKinds(), countKinds()...), tokenKinds()...), cursorKinds()...), outsideKinds(&fresh)...)
	kinds = selectKinds(t, append(kinds, streamKinds()...))
	workers := envRounds(t, "OFFSYNC_ABUSE_WORKERS", abuseWorkers)
	streams := ab.holdStreams(t)
	if rss, hwm, err := procMem(pid); err == nil {
		t.Logf("server RSS before the attacks: %d MiB (peak so far %d MiB)", rss>>20, hwm>>20)
	}

	// The server's memory, sampled while it is attacked; past the limit
	// it is killed at once (the machine's memory is shared).
	stop := make(chan struct{})
	var peak atomic.Int64
	var killed atomic.Bool
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			if rss, _, err := procMem(pid); err == nil {
				peak.Store(max(peak.Load(), rss))
				if rss > abuseRSSLimit {
					killed.Store(true)
					_ = syscall.Kill(pid, syscall.SIGKILL)
					return
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	slow := ab.slowClients(t)

	total := int64(rounds * len(kinds))
	counts := make([]atomic.Int64, len(kinds))
	var next atomic.Int64
	var mu sync.Mutex
	var problems []string
	report := func(err error, kind string) {
		if err != nil {
			mu.Lock()
			problems = append(problems, kind+": "+err.Error())
			mu.Unlock()
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				n := next.Add(1) - 1
				if n >= total {
					return
				}
				k := int(n) % len(kinds)
				report(kinds[k].do(ab, int(n)/len(kinds)), kinds[k].name)
				counts[k].Add(1)
			}
		})
	}
	wg.Wait()
	tookKinds := time.Since(start)
	// Then a burst: many devices at once, each with a bomb.
	burst := burstKind()
	burstCounts := make([]atomic.Int64, 1)
	for w := range abuseBurst {
		wg.Go(func() {
			for i := range abuseBurstEach {
				report(burst.do(ab, w+i), burst.name)
				burstCounts[0].Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	slowProblems := slow()
	rss, hwm, err := procMem(pid)
	close(stop)
	sampler.Wait()
	streams()
	switch {
	case killed.Load():
		t.Fatalf("the server's RSS passed %d MiB (%d MiB sampled): killed", abuseRSSLimit>>20, peak.Load()>>20)
	case err != nil:
		t.Fatalf("the server is gone (peak RSS sampled %d MiB): %v", peak.Load()>>20, err)
	}
	for k := range kinds {
		t.Logf("%5d  %s", counts[k].Load(), kinds[k].name)
	}
	t.Logf("%5d  %s (%d goroutines)", burstCounts[0].Load(), burst.name, abuseBurst)
	t.Logf("%d requests of %d kinds from %d goroutines in %s, then %d from %d at once in %s; server RSS peak %d MiB (VmHWM; sampled peak %d MiB, now %d MiB)",
		total, len(kinds), workers, tookKinds.Round(time.Millisecond), burstCounts[0].Load(), abuseBurst, (took - tookKinds).Round(time.Millisecond), hwm>>20, peak.Load()>>20, rss>>20)
	problems = append(problems, slowProblems...)
	if len(problems) > 0 {
		t.Errorf("%d of %d hostile requests were answered wrongly; the first:\n%s", len(problems), total+burstCounts[0].Load(), strings.Join(problems[:min(len(problems), 20)], "\n"))
	}
	if hwm > abuseRSSLimit {
		t.Errorf("the server's RSS peaked at %d MiB, over %d MiB", hwm>>20, abuseRSSLimit>>20)
	}
	if after := ab.snapshotRows(t); after != before {
		t.Errorf("the rows attacked changed:\n%s\n->\n%s", before, after)
	}
	for n := range fresh.Load() {
		id := fmt.Sprintf("0ddba11d-0000-4000-8000-%012d", n+1)
		for _, ent := range []string{"account", "contact"} {
			if code, b, err := adminReq("GET", p.base+"/v1/records/"+ent+"/"+id, nil); err != nil || code != 404 {
				t.Fatalf("a refused create left %s %s: %d %s %v", ent, id, code, b, err)
			}
		}
	}
	if a, err := ab.send("POST", "/v1/sync/pull", ab.token, map[string]string{"Content-Type": mJSON}, []byte(`{}`)); err != nil || a.status != 200 {
		t.Errorf("after the attacks, the caller's pull: %v %v", a, err)
	}
	if logs := p.logs.String(); strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "panic") {
		t.Errorf("the server logged errors (a 500 or a panic is)")
	}
}

// selectKinds keeps the kinds whose names match OFFSYNC_ABUSE_KINDS (a
// regular expression), or all.
func selectKinds(t *testing.T, kinds []abuseKind) []abuseKind {
	re, err := regexp.Compile(os.Getenv("OFFSYNC_ABUSE_KINDS"))
	if err != nil {
		t.Fatalf("OFFSYNC_ABUSE_KINDS: %v", err)
	}
	kinds = slices.DeleteFunc(kinds, func(k abuseKind) bool { return !re.MatchString(k.name) })
	if len(kinds) == 0 {
		t.Fatal("OFFSYNC_ABUSE_KINDS matches no kind")
	}
	return kinds
}

// procMem returns the VmRSS and VmHWM of process pid, in bytes.
func procMem(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %q: %w", name, v, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("/proc/%d/status: no VmRSS or VmHWM (a zombie?)", pid)
	}
	return rss, hwm, sc.Err()
}
