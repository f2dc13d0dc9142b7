//go:build !linux

package engine

import "errors"

// errNoPageOut: only Linux says how much of a process's memory is
// file-backed, and can reclaim a mapping's pages.
var errNoPageOut = errors.New("table page-out: Linux only")

func residentFileBytes() (int64, error) { return 0, errNoPageOut }

func pageOutTables(string) (int64, error) { return 0, errNoPageOut }
