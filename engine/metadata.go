package engine

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/dgraph-io/badger/v4"
)

// setDraft replaces the schema draft after validating it.
func (st *cmdState) setDraft(s *Schema) error {
	if s == nil {
		return invalidf("schema: missing")
	}
	d := *s
	d.Entities = append([]EntityDef(nil), s.Entities...)
	if err := d.Validate(); err != nil {
		return err
	}
	d.Version = 0
	return st.setDecoded([]byte(keyDraft), &d)
}

// publish makes the draft current with the next metadata version. Existing
// attributes may not change type, so stored rows stay valid.
func (st *cmdState) publish() (uint64, error) {
	var d Schema
	err := st.getDecoded([]byte(keyDraft), &d)
	if errors.Is(err, ErrNotFound) {
		return 0, invalidf("schema: there is no draft to publish")
	}
	if err != nil {
		return 0, err
	}
	cur := st.currentSchema()
	if cur.Version > 0 && reflect.DeepEqual(cur.Entities, d.Entities) {
		return cur.Version, nil // nothing changed: devices need not refetch
	}
	for _, old := range cur.Entities {
		ne := d.Entity(old.Name)
		if ne == nil {
			continue
		}
		for _, oa := range old.Attributes {
			if na := ne.Attribute(oa.Name); na != nil && na.Type != oa.Type {
				return 0, invalidf("entities.%s.attributes.%s.type: cannot change from %s to %s once published", old.Name, oa.Name, oa.Type, na.Type)
			}
		}
		if ne.Ownership != old.Ownership {
			return 0, invalidf("entities.%s.ownership: cannot change once published", old.Name)
		}
	}
	d.Version = cur.Version + 1
	if err := st.setDecoded([]byte(keyCurrent), &d); err != nil {
		return 0, err
	}
	st.schema = &d
	return d.Version, nil
}

// Schema returns the current published schema (version 0 and no entities
// before the first publish). The caller must not modify it.
func (e *Engine) Schema() *Schema { return e.schema.Load() }

// Draft returns the schema draft, or ErrNotFound.
func (e *Engine) Draft() (*Schema, error) {
	var d Schema
	err := e.readTxn(func(txn *badger.Txn) error {
		return getDecoded(txn, []byte(keyDraft), &d)
	})
	if err != nil {
		return nil, fmt.Errorf("read draft: %w", err)
	}
	return &d, nil
}
