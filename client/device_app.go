package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/dgraph-io/badger/v4"
)

// AppHeader is the request header that names the app a device syncs for
// (by name or id). The server also reads the `app` query parameter, for
// clients that cannot set headers.
const AppHeader = "X-Offsync-App"

// keyApp records the app a store syncs for, as DeviceConfig.App named it
// at the store's first sync ("" for the token's app, or the default).
var keyApp = []byte("m/app")

// openApp settles the app the device syncs for: the store's, when it has
// synced before, else the config's. A store that synced for one app
// refuses another: its rows, queued changes and cursor are that app's. A
// store that synced before apps existed (a cursor but no recorded app)
// synced for its token's app, or the default one.
func (d *Device) openApp() error {
	want := strings.TrimSpace(d.cfg.App)
	if strings.IndexFunc(want, unicode.IsControl) >= 0 {
		return fmt.Errorf("open device: App %q: must not contain control characters: %w", d.cfg.App, ErrConfig)
	}
	var stored string
	var bound bool
	err := d.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keyApp)
		if errors.Is(err, badger.ErrKeyNotFound) {
			_, err = txn.Get(keyCursor)
			if errors.Is(err, badger.ErrKeyNotFound) {
				return nil
			}
			bound = err == nil
			return err
		}
		if err != nil {
			return err
		}
		bound = true
		return item.Value(func(v []byte) error { stored = string(v); return nil })
	})
	if err != nil {
		return fmt.Errorf("read device app: %w", err)
	}
	switch {
	case !bound:
		d.app = want
	case want == "" || strings.EqualFold(want, stored):
		d.app, d.appBound = stored, true
	default:
		return fmt.Errorf("open device: store %s synced for %s, not for app %q (its rows, queued changes and cursor are that app's; sync app %q into another store): %w",
			d.cfg.Store, describeApp(stored), want, want, ErrOtherApp)
	}
	return nil
}

// describeApp names a recorded app for messages.
func describeApp(app string) string {
	if app == "" {
		return "the token's app, or the default app (it named none)"
	}
	return fmt.Sprintf("app %q", app)
}

// recordApp records the app, in a store that has not synced yet, in txn:
// apply calls it in the transaction that writes an answer's cursor, so a
// store never holds a cursor without its app, and the app is recorded
// only once the server has accepted it (a pull answered) without a
// transaction of its own. apply calls appRecorded once that transaction
// has committed.
func (d *Device) recordApp(txn *badger.Txn) error {
	if d.appBound {
		return nil
	}
	if err := txn.Set(keyApp, []byte(d.app)); err != nil {
		return fmt.Errorf("record device app: %w", err)
	}
	return nil
}

// appRecorded notes that the store has recorded its app.
func (d *Device) appRecorded() { d.appBound = true }

// App returns the app the device syncs for, as it was named ("" for the
// token's app, or the default app).
func (d *Device) App() string { return d.app }

// setAppHeader names the device's app on a request, when it has one.
func (d *Device) setAppHeader(req *http.Request) {
	if d.app != "" {
		req.Header.Set(AppHeader, d.app)
	}
}
