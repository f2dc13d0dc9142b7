//go:build !unix

package replication

import "errors"

// freeBytes is not available here: the disk guard lets every write
// through.
func freeBytes(dir string) (uint64, error) {
	return 0, errors.New("read free space: not supported on this platform")
}
