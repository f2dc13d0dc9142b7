package engine

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestStagedWritesLastWriterWins: whatever the number of commands (asked
// in turn, or merged past stagedScanMax), a lookup finds the value of the
// last command that wrote the key, a delete as a nil value, and nothing
// for a key no command wrote; a seeded model checks it.
func TestStagedWritesLastWriterWins(t *testing.T) {
	seed := rand.Int63()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	for round := 0; round < 50; round++ {
		var w stagedWrites
		model := map[string][]byte{}
		for c := rng.Intn(3 * stagedScanMax); c >= 0; c-- {
			st := &cmdState{writes: map[string][]byte{}}
			for n := rng.Intn(6); n >= 0; n-- {
				k := []byte(fmt.Sprintf("k%d", rng.Intn(12)))
				if rng.Intn(4) == 0 {
					st.del(k)
					model[string(k)] = nil
				} else {
					v := []byte(fmt.Sprintf("v%d", rng.Int()))
					st.set(k, v)
					model[string(k)] = v
				}
			}
			w.add(st)
			for i := 0; i < 14; i++ {
				k := fmt.Sprintf("k%d", i)
				v, ok := w.lookup([]byte(k))
				mv, mok := model[k]
				if ok != mok || string(v) != string(mv) || (ok && (v == nil) != (mv == nil)) {
					t.Fatalf("seed %d: after %d commands %s = %q, %v; want %q, %v", seed, len(w.cmds), k, v, ok, mv, mok)
				}
			}
		}
	}
}
