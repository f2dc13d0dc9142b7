package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/offsync/offsync/client"
)

// openStore opens the existing local store of a device command that does
// not sync (query, create, edit, delete): a mistyped --store is an error,
// not a new empty store.
func openStore(store string) (*client.Device, error) {
	// Every Badger directory has a MANIFEST from its first open on.
	if _, err := os.Stat(filepath.Join(store, "MANIFEST")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("--store %s: no device store there (device sync --store %s makes one): %w", store, store, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("open device store: %w", err)
	}
	return client.OpenDevice(client.DeviceConfig{Store: store})
}

// checkEntity fails when the store holds rows, but none of entity (a
// mistyped name, most likely), naming the entities it does hold. The
// store keeps rows, not the schema: an empty store (a user whose view is
// empty) can not tell, and passes.
func checkEntity(d *client.Device, entity string) error {
	counts, err := d.Counts()
	if err != nil {
		return err
	}
	if counts[entity] > 0 || len(counts) == 0 {
		return nil
	}
	return fmt.Errorf("--entity %q: the store holds no rows of it; it holds %s", entity, strings.Join(storeEntities(counts), ", "))
}

// storeEntities returns the entities of counts, sorted.
func storeEntities(counts map[string]int) []string {
	out := make([]string, 0, len(counts))
	for e := range counts {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}
