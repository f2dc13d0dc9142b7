package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// madvPageout is MADV_PAGEOUT (Linux 5.4 and later): reclaim the range's
// pages now.
const madvPageout = 21

// residentFileBytes returns this process's file-backed resident memory:
// the third field of /proc/self/statm (RssFile and RssShmem), in pages.
func residentFileBytes() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, fmt.Errorf("read resident memory: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0, fmt.Errorf("read resident memory: %q", b)
	}
	pages, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read resident memory: %w", err)
	}
	return pages * int64(os.Getpagesize()), nil
}

// pageOutTables asks the kernel to reclaim this process's pages of every
// mapping of a table file (*.sst) in dir, and returns the bytes those
// mappings span.
func pageOutTables(dir string) (int64, error) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("page out tables: %w", err)
	}
	var total int64
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) != 6 || !strings.HasSuffix(f[5], ".sst") || filepath.Dir(f[5]) != dir {
			continue // a deleted file's path ends in " (deleted)": its mapping goes soon
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), madvPageout); errno != 0 {
			return total, fmt.Errorf("page out tables: %w", errno)
		}
		total += int64(end - start)
	}
	return total, nil
}
