package server

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/offsync/offsync/engine"
)

// AppHeader names the app a device syncs for, by name or id (the `app`
// query parameter does the same for clients that cannot set headers,
// such as a browser's EventSource). A token issued for one app needs
// neither; a token that names no app and a request that names none sync
// for the default app.
const AppHeader = "X-Offsync-App"

// CodeForbidden means the request is authenticated but not allowed.
const CodeForbidden = "forbidden"

// deviceApp resolves the app a device's request syncs for, writing the
// error answer when it cannot: 403 when the token is for another app,
// 404 when no app has the name asked for.
func (s *Server) deviceApp(w http.ResponseWriter, r *http.Request, tok engine.DeviceToken) (string, bool) {
	asked := strings.TrimSpace(r.Header.Get(AppHeader))
	if asked == "" {
		asked = strings.TrimSpace(r.URL.Query().Get("app"))
	}
	var app string
	if asked != "" {
		a, err := s.apps.resolve(s.r, asked)
		if err != nil {
			s.writeErr(w, r, err)
			return "", false
		}
		app = a.ID
	}
	switch {
	case tok.App != "" && app != "" && app != tok.App:
		writeError(w, http.StatusForbidden, CodeForbidden, fmt.Sprintf("this device token syncs for app %s only", tok.App))
		return "", false
	case tok.App != "":
		return tok.App, true
	case app != "":
		return app, true
	}
	return engine.DefaultAppID, true
}

// appNames resolves app names to apps, from a copy of the app list kept
// until the next admin change (apps change rarely; devices name theirs
// on every request).
type appNames struct {
	mu      sync.Mutex
	version uint64 // OrgVersion the list was read at
	apps    []engine.App
}

// resolve finds the app whose id is ref, or whose name is ref ignoring
// case.
func (n *appNames) resolve(r Reader, ref string) (engine.App, error) {
	apps, err := n.list(r)
	if err != nil {
		return engine.App{}, err
	}
	id, isID := engine.CanonicalGUID(ref)
	for _, a := range apps {
		if (isID && a.ID == id) || (!isID && strings.EqualFold(a.Name, ref)) {
			return a, nil
		}
	}
	return engine.App{}, fmt.Errorf("resolve app %q: %w", ref, &engine.Error{Err: engine.ErrNotFound, Msg: fmt.Sprintf("no app is named %q", ref)})
}

// list returns the apps as of the last admin change.
func (n *appNames) list(r Reader) ([]engine.App, error) {
	v := r.OrgVersion()
	n.mu.Lock()
	if n.apps != nil && n.version == v {
		defer n.mu.Unlock()
		return n.apps, nil
	}
	n.mu.Unlock()
	apps, err := r.Apps()
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.apps, n.version = apps, v
	n.mu.Unlock()
	return apps, nil
}
