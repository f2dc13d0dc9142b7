//go:build !linux

package replication

import "errors"

// pageOutFile is Linux only: elsewhere the pages stay until the kernel
// needs them.
func pageOutFile(path string) (int64, error) {
	return 0, errors.New("page out: not supported on this platform")
}
