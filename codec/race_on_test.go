//go:build race

package codec

// raceEnabled says the race detector is on: then a sync.Pool drops a
// quarter of what is put in it, at random.
const raceEnabled = true
