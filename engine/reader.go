package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// txnReader reads objects in one Badger read transaction; profiles, when
// set, shares decoded profiles (profilecache.go), and org, when set, the
// decoded organization of the epoch the transaction reads (orgmemo.go).
type txnReader struct {
	txn      *badger.Txn
	profiles *profileCache
	org      *orgMemo
}

func (r txnReader) getDecoded(key []byte, v any) error { return getDecoded(r.txn, key, v) }

func (r txnReader) keysWithPrefix(prefix []byte) ([]string, error) {
	return prefixKeys(r.txn, prefix), nil
}

// prefixKeys lists the keys under prefix in txn, in order.
func prefixKeys(txn *badger.Txn, prefix []byte) []string {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out []string
	for it.Rewind(); it.Valid(); it.Next() {
		out = append(out, string(it.Item().Key()))
	}
	return out
}

// keysWithPrefix lists the keys under prefix as this command sees them:
// the transaction's keys merged with the staged writes and deletes.
func (st *cmdState) keysWithPrefix(prefix []byte) ([]string, error) {
	keys := prefixKeys(st.b.txn, prefix)
	p := string(prefix)
	changed := false
	for k, v := range st.writes {
		if !strings.HasPrefix(k, p) {
			continue
		}
		changed = true
		if v != nil {
			keys = append(keys, k)
		}
	}
	if !changed {
		return keys, nil
	}
	sort.Strings(keys)
	out := keys[:0]
	for i, k := range keys {
		if i > 0 && keys[i-1] == k {
			continue
		}
		if v, ok := st.writes[k]; ok && v == nil {
			continue
		}
		out = append(out, k)
	}
	return out, nil
}

// Access resolves a user's security context in app (its id; empty is the
// default app) at the current version. The result may be shared with
// other readers: do not modify it.
func (e *Engine) Access(userID, app string) (*Access, error) {
	var a *Access
	epoch, ok := e.orgEpoch()
	if ok {
		// Resolved in this epoch, which is still the current one: no
		// transaction to open (most pulls find nothing new).
		if a = e.access.get(epoch, accessCacheKey(userID, app)); a != nil && e.orgSeq.Load() == epoch {
			return a, nil
		}
	}
	err := e.readTxn(func(txn *badger.Txn) error {
		var err error
		a, err = e.accessIn(txn, userID, app, epoch, ok)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load access: %w", err)
	}
	return a, nil
}
