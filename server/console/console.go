package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Prefix is the URL path the console is served under.
const Prefix = "/console/"

// ErrNoFile is returned by Open for a path that is not one of the
// console's files.
var ErrNoFile = errors.New("no such console file")

// ContentSecurityPolicy is sent with every console file: only this
// origin's scripts, styles, images and API; no inline script, no plugins,
// no framing, no form posts.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentTypes maps the extensions the console uses to their types; a file
// with another extension is not served.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// handler serves the embedded files from memory.
type handler struct {
	files map[string]file // by path below static/, "index.html" for the root
}

// Handler returns the console's http.Handler, to be mounted at Prefix. It
// answers GET and HEAD; a path that is not a console file is 404.
func Handler() http.Handler {
	h, err := load(static)
	if err != nil {
		// The files are compiled in, so this is a build defect (the
		// package's tests catch it): say so rather than panic.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			plain(w, http.StatusInternalServerError, "console files unusable: "+err.Error())
		})
	}
	return h
}

// load reads every file under static/ of fsys.
func load(fsys fs.FS) (*handler, error) {
	h := &handler{files: map[string]file{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("load %s: unknown content type", p)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("load %s: %w", p, err)
		}
		sum := sha256.Sum256(b)
		h.files[strings.TrimPrefix(p, "static/")] = file{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := h.files["index.html"]; !ok {
		return nil, fmt.Errorf("load: static/index.html: %w", ErrNoFile)
	}
	return h, nil
}

func (h *handler) lookup(name string) (file, bool) {
	if name == "" {
		name = "index.html"
	}
	f, ok := h.files[name]
	return f, ok
}

// ServeHTTP serves one file with its security and cache headers.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	f, found := h.lookup(name)
	if !ok || !found {
		plain(w, http.StatusNotFound, "not found")
		return
	}
	// no-cache: the browser keeps the file but asks each time; the ETag
	// makes asking cheap and a new binary's files are seen at once.
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", f.etag)
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("Content-Length", fmt.Sprint(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(f.body)
	}
}

// etagMatch says whether an If-None-Match header names etag (or is "*").
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
}
