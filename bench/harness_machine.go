package bench

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Machine says where a run was measured.
type Machine struct {
	Cores     int     `json:"cores"`
	CPU       string  `json:"cpu,omitempty"`
	MemoryMiB float64 `json:"memoryMiB,omitempty"`
	OS        string  `json:"os"`
	Arch      string  `json:"arch"`
	GoVersion string  `json:"goVersion"`
	// Commit is the git commit the binary was built from ("unknown" when
	// neither the build info nor git says); Modified says the tree had
	// uncommitted changes.
	Commit   string `json:"commit"`
	Modified bool   `json:"modified,omitempty"`
}

// ReadMachine describes this machine and build: cores, CPU model and
// memory (from /proc where there is one), Go version, and the commit from
// the binary's build info, else from `git rev-parse HEAD` in the working
// directory.
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, GoVersion: runtime.Version(), Commit: "unknown"}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb, err := strconv.ParseFloat(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 64); err == nil {
		m.MemoryMiB = kb / 1024
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				m.Commit = s.Value
			case "vcs.modified":
				m.Modified = s.Value == "true"
			}
		}
	}
	if m.Commit == "unknown" {
		m.Commit, m.Modified = gitCommit()
	}
	return m
}

// gitCommit asks git for HEAD and whether the tree is dirty, in the
// working directory, else in the executable's.
func gitCommit() (string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dirs := []string{""}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, dir := range dirs {
		cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			continue
		}
		st := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
		st.Dir = dir
		dirty, err := st.Output()
		return strings.TrimSpace(string(out)), err == nil && len(dirty) > 0
	}
	return "unknown", false
}

// procField returns the value of the first "key: value" line of a /proc
// file, or "".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
