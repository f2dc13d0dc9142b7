//go:build linux

package bench

import (
	"fmt"
	"syscall"
)

// raiseOpenFiles raises this process's open-file limit (RLIMIT_NOFILE) to
// at least n, up to the hard limit, and returns the limit it now has.
// Setting it explicitly also makes child processes (a started server)
// inherit it: Go restores the original limit in children otherwise.
func raiseOpenFiles(n int) (int, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("read open-file limit: %w", err)
	}
	want := max(rl.Cur, min(uint64(n), rl.Max))
	rl.Cur = want
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return int(rl.Cur), fmt.Errorf("raise open-file limit: %w", err)
	}
	if want < uint64(n) {
		return int(want), fmt.Errorf("raise open-file limit: the hard limit is %d, below %d", rl.Max, n)
	}
	return int(want), nil
}
