package engine

// Size returns the bytes Badger holds on disk: its LSM tree (keys and small
// values) and its value log (large values). Badger refreshes the figures
// about once a minute.
func (e *Engine) Size() (lsm, vlog int64) {
	if e.closed.Load() {
		return 0, 0
	}
	return e.db.Size()
}
