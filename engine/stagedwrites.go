package engine

// stagedWrites are the writes of a pipelined batch's commands that
// succeeded, as the batch's later commands, and the batch after it, read
// them (pipeline.go): the last command to write a key has its value.
//
// A batch of a few commands (the FSM applies parts of at most 500 records,
// two commands of 250) is read by asking each command's own writes, latest
// first, so nothing is copied; merging every write into one map had been a
// tenth of the apply goroutine's time. A batch of more commands is merged
// into one map once it passes stagedScanMax, so a batch of many small
// ingests still reads a key with one lookup.
type stagedWrites struct {
	cmds   []*cmdState
	merged map[string][]byte // nil until len(cmds) > stagedScanMax
}

// stagedScanMax is how many commands a lookup asks in turn before the
// batch's writes are merged.
const stagedScanMax = 4

// add stages a successful command's writes after the others.
func (w *stagedWrites) add(st *cmdState) {
	w.cmds = append(w.cmds, st)
	if w.merged == nil {
		if len(w.cmds) <= stagedScanMax {
			return
		}
		n := 0
		for _, c := range w.cmds {
			n += len(c.order)
		}
		w.merged = make(map[string][]byte, 2*n)
		for _, c := range w.cmds[:len(w.cmds)-1] {
			w.merge(c)
		}
	}
	w.merge(st)
}

func (w *stagedWrites) merge(st *cmdState) {
	for _, k := range st.order {
		w.merged[k] = st.writes[k]
	}
}

// lookup returns the staged value of key (nil: deleted) and whether a
// command of the batch wrote it.
func (w *stagedWrites) lookup(key []byte) ([]byte, bool) {
	if w.merged != nil {
		v, ok := w.merged[string(key)]
		return v, ok
	}
	for i := len(w.cmds) - 1; i >= 0; i-- {
		if v, ok := w.cmds[i].writes[string(key)]; ok {
			return v, true
		}
	}
	return nil, false
}
