package server

import (
	"net/http"
	"runtime/debug"
	"strings"
)

// The build's identity. `make build` sets both with
// -ldflags "-X github.com/offsync/offsync/server.Version=... -X ...Commit=...";
// without, Build reads the commit from the binary's build information.
var (
	// Version is the release version, "dev" for a development build.
	Version = "dev"
	// Commit is the VCS revision the binary was built from, when set at
	// link time.
	Commit = ""
)

// BuildInfo is what GET /version answers.
type BuildInfo struct {
	Version string `json:"version"`
	// Commit is the revision (12 hex digits when read from the build
	// information), or "unknown".
	Commit string `json:"commit"`
}

// Build returns the build's version and commit: Commit when set, else the
// VCS revision Go stamped (go build in a checkout), else the revision in
// the module's pseudo-version (go install ...@commit), else "unknown".
func Build() BuildInfo {
	b := BuildInfo{Version: Version, Commit: Commit}
	if b.Commit != "" {
		return b
	}
	b.Commit = "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			b.Commit = s.Value[:12]
			return b
		}
	}
	if rev := pseudoRevision(bi.Main.Version); rev != "" {
		b.Commit = rev
	}
	return b
}

// pseudoRevision returns the commit of a module pseudo-version
// (v0.0.0-20261130030000-abcdef123456), or "".
func pseudoRevision(v string) string {
	v, _, _ = strings.Cut(v, "+") // +incompatible, +dirty
	i := strings.LastIndexByte(v, '-')
	if i < 0 || len(v)-i-1 != 12 || strings.Trim(v[i+1:], "0123456789abcdef") != "" {
		return ""
	}
	return v[i+1:]
}

// version handles GET /version (no token): the build's version and
// commit.
func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Build())
}
