package clustertest

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// The linearizability check: clients write and read a few rows (each a
// register) while a nemesis stops the leader, cuts it off, partitions
// followers, heals and restarts. Writes go through the leader. Reads take a read index from the
// leader, then read on any node once it has applied that index, the way a
// device reads its own writes on another node. Porcupine checks that the
// history of acknowledged operations is linearizable. A write whose
// outcome is unknown (timed out, or leadership lost) may have happened at
// any time after it was called.

// regInput is one operation on a register.
type regInput struct {
	write bool
	key   int
	value string // the value written
}

// unknownReturn is the return time of operations whose outcome is unknown.
const unknownReturn = int64(1) << 62

var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(regInput).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byKey {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(regInput)
		if in.write {
			return true, in.value
		}
		return output.(string) == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(regInput)
		if in.write {
			return fmt.Sprintf("put(%d, %q)", in.key, in.value)
		}
		return fmt.Sprintf("get(%d) -> %q", in.key, output)
	},
}

// linearizableRuns is how many histories one test run checks:
// OFFSYNC_LINEARIZABLE_RUNS, or 10.
func linearizableRuns() int {
	if n, err := strconv.Atoi(os.Getenv("OFFSYNC_LINEARIZABLE_RUNS")); err == nil && n > 0 {
		return n
	}
	return 10
}

// TestLinearizableUnderPartitions records histories under leader kills
// (in-process: the node is shut down, then restarted from its directory)
// and partitions, and checks each with porcupine.
func TestLinearizableUnderPartitions(t *testing.T) {
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("OFFSYNC_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (OFFSYNC_SEED replays it)", seed)
	rng := rand.New(rand.NewSource(seed))
	c := New(t, 3, nil)
	setup(c)
	total := 0
	for run := 0; run < linearizableRuns(); run++ {
		history := recordHistory(t, c, rng.Int63(), run, 1500*time.Millisecond)
		total += len(history)
		res, info := porcupine.CheckOperationsVerbose(registerModel, history, time.Minute)
		if res != porcupine.Ok {
			path := filepath.Join(os.TempDir(), fmt.Sprintf("offsync-linearizable-%d-%d.html", seed, run))
			_ = porcupine.VisualizePath(registerModel, info, path)
			t.Fatalf("run %d: history of %d operations is %s (visualization: %s)", run, len(history), res, path)
		}
		c.Heal()
	}
	t.Logf("%d runs, %d operations, all linearizable", linearizableRuns(), total)
}

// recordHistory runs clients and a nemesis for d and returns the history.
func recordHistory(t *testing.T, c *Cluster, seed int64, run int, d time.Duration) []porcupine.Operation {
	t.Helper()
	start := time.Now()
	now := func() int64 { return time.Since(start).Nanoseconds() }
	var mu sync.Mutex
	var history []porcupine.Operation
	record := func(op porcupine.Operation) {
		mu.Lock()
		history = append(history, op)
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for client := 0; client < 4; client++ {
		wg.Add(1)
		go func(client int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed + int64(client)))
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				in := regInput{key: 1000*run + rng.Intn(3)}
				if rng.Intn(2) == 0 {
					in.write, in.value = true, fmt.Sprintf("r%d-c%d-%d", run, client, seq)
				}
				call := now()
				out, outcome := operate(c, rng, in)
				if outcome == 0 {
					continue // failed for sure: not in the history
				}
				ret := unknownReturn
				if outcome > 0 {
					ret = now()
				}
				record(porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
			}
		}(client)
	}
	nemesis(c, rand.New(rand.NewSource(seed)), d)
	close(stop)
	wg.Wait()
	return history
}

// nemesis stops the leader, cuts links, heals and restarts nodes until d
// has passed. At most one node is down at a time, so a quorum can form.
func nemesis(c *Cluster, rng *rand.Rand, d time.Duration) {
	end := time.Now().Add(d)
	down := -1
	for time.Now().Before(end) {
		time.Sleep(time.Duration(100+rng.Intn(300)) * time.Millisecond)
		switch rng.Intn(4) {
		case 0: // kill the leader
			if l := leaderIndex(c); l >= 0 && down < 0 {
				c.Stop(l)
				down = l
			}
		case 1: // cut the leader off
			if l := leaderIndex(c); l >= 0 {
				c.Disconnect(l)
			}
		case 2:
			c.Disconnect(rng.Intn(c.Len()))
		default:
			c.Heal()
			if down >= 0 {
				c.Restart(down)
				down = -1
			}
		}
	}
	c.Heal()
	if down >= 0 {
		c.Restart(down)
	}
}

// leaderIndex is the index of a node that believes it leads, or -1.
func leaderIndex(c *Cluster) int {
	for i := 0; i < c.Len(); i++ {
		if n := c.Node(i); n != nil && n.IsLeader() {
			return i
		}
	}
	return -1
}

// operate runs one operation. ret is 1 when it completed, 0 when it
// certainly did not take effect, and -1 when its outcome is unknown.
func operate(c *Cluster, rng *rand.Rand, in regInput) (out string, ret int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l := leaderIndex(c)
	if l < 0 {
		time.Sleep(10 * time.Millisecond)
		return "", 0
	}
	if in.write {
		ret = -1 // timed out, stopped, or leadership lost after the entry was appended: it may commit later
		_ = c.Use(l, func(leader *replication.Node) error {
			res, err := leader.Propose(ctx, ingest(in.key, in.value))
			switch {
			case err == nil && res.Err == nil:
				ret = 1
			case err == nil:
				ret = 0 // rejected: wrote nothing
			}
			return nil
		})
		return "", ret
	}
	var idx uint64
	if err := c.Use(l, func(leader *replication.Node) (err error) {
		idx, err = leader.ReadIndex(ctx)
		return err
	}); err != nil {
		return "", 0 // a read that fails has no effect
	}
	err := c.Use(rng.Intn(c.Len()), func(reader *replication.Node) error {
		if err := reader.WaitApplied(ctx, idx); err != nil {
			return err
		}
		row, err := reader.Engine().Get("account", rowID(in.key))
		switch {
		case errors.Is(err, engine.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		out = row.Attrs["name"].(string)
		return nil
	})
	if err != nil {
		return "", 0
	}
	return out, 1
}
