package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// Digest is a fingerprint of the whole database at one applied version:
// two nodes that applied the same log hold equal digests at equal
// versions. Tests and operators compare nodes with it.
type Digest struct {
	// Applied is the version the digest was taken at.
	Applied uint64
	// Keys counts the keys hashed.
	Keys int
	// Sum is SHA-256 over every key and value, in key order, each
	// prefixed with its length.
	Sum [sha256.Size]byte
}

// Digest hashes every key and value in one read transaction. It reads
// the whole database: a diagnostic, not a hot path.
func (e *Engine) Digest() (Digest, error) {
	var d Digest
	h := sha256.New()
	var lenBuf [8]byte
	write := func(b []byte) {
		binary.BigEndian.PutUint64(lenBuf[:], uint64(len(b)))
		h.Write(lenBuf[:])
		h.Write(b)
	}
	err := e.readTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			write(k)
			if err := item.Value(func(v []byte) error {
				if string(k) == keyApplied {
					d.Applied = decodeVersion(v)
				}
				write(v)
				return nil
			}); err != nil {
				return err
			}
			d.Keys++
		}
		return nil
	})
	if err != nil {
		return Digest{}, fmt.Errorf("digest database: %w", err)
	}
	copy(d.Sum[:], h.Sum(nil))
	return d, nil
}

// Diff lists up to limit keys whose values differ between e and o (or
// that only one holds), for diagnosing replicas that diverged. It loads
// both databases' keys into memory: for tests and small databases.
func (e *Engine) Diff(o *Engine, limit int) ([]string, error) {
	a, err := e.kv()
	if err != nil {
		return nil, err
	}
	b, err := o.kv()
	if err != nil {
		return nil, err
	}
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, fmt.Sprintf("%q", k))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%q (only in the other)", k))
		}
	}
	slices.Sort(out)
	return out[:min(limit, len(out))], nil
}

func (e *Engine) kv() (map[string]string, error) {
	m := map[string]string{}
	err := e.readTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			m[string(it.Item().KeyCopy(nil))] = string(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read database: %w", err)
	}
	return m, nil
}
