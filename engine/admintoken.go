package engine

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// AdminToken is a named admin token, created and revoked online (the
// token a node starts with, --admin-token or the generated file, is not
// one: it lives in the nodes' configuration). As for device tokens, only
// the SHA-256 of its secret is stored; the secret is shown once and never
// enters the replicated log.
type AdminToken struct {
	ID        string `json:"id" msgpack:"id"`
	Name      string `json:"name" msgpack:"n"`
	Hash      string `json:"-" msgpack:"h"`
	CreatedOn int64  `json:"createdOn" msgpack:"c"`
	Revoked   bool   `json:"revoked" msgpack:"r,omitempty"`
	RevokedOn int64  `json:"revokedOn,omitempty" msgpack:"ro,omitempty"`
}

// MaxAdminTokenName is the longest admin token name, in bytes.
const MaxAdminTokenName = 200

// Admin token keys: at/{id} the token, ath/{hash} the live tokens by the
// hash of their secret.
const (
	prefixAdminToken     = "at/"
	prefixAdminTokenHash = "ath/"
)

func adminTokenKey(id string) []byte { return []byte(prefixAdminToken + id) }

func adminTokenHashKey(hash string) []byte { return []byte(prefixAdminTokenHash + hash) }

// issueAdminToken stores a new admin token.
func (st *cmdState) issueAdminToken(t *AdminToken) error {
	if t == nil {
		return invalidf("admin token: missing")
	}
	tok := *t
	if err := canonID("adminToken", &tok.ID); err != nil {
		return err
	}
	tok.Name = strings.TrimSpace(tok.Name)
	if tok.Name == "" || len(tok.Name) > MaxAdminTokenName || !utf8.ValidString(tok.Name) {
		return invalidf("adminToken.name: must be 1 to %d bytes of UTF-8", MaxAdminTokenName)
	}
	if len(tok.Hash) != 64 {
		return invalidf("adminToken.hash: must be a hex SHA-256")
	}
	if ok, err := st.exists(adminTokenKey(tok.ID)); err != nil {
		return err
	} else if ok {
		return &Error{Err: ErrConflict, Msg: fmt.Sprintf("admin token %s already exists", tok.ID)}
	}
	tok.CreatedOn, tok.Revoked, tok.RevokedOn = st.now, false, 0
	st.set(adminTokenHashKey(tok.Hash), []byte(tok.ID))
	return st.setDecoded(adminTokenKey(tok.ID), &tok)
}

// revokeAdminToken revokes admin token t.ID; revoking twice is a no-op.
func (st *cmdState) revokeAdminToken(t *Target) error {
	if t == nil {
		return invalidf("target: missing")
	}
	if err := canonID("target", &t.ID); err != nil {
		return err
	}
	var tok AdminToken
	if err := st.getDecoded(adminTokenKey(t.ID), &tok); errors.Is(err, ErrNotFound) {
		return notFoundf("admin token %s not found", t.ID)
	} else if err != nil {
		return err
	}
	if tok.Revoked {
		return nil
	}
	tok.Revoked, tok.RevokedOn = true, st.now
	st.del(adminTokenHashKey(tok.Hash))
	return st.setDecoded(adminTokenKey(tok.ID), &tok)
}

// AuthenticateAdmin returns the live admin token whose secret this is, or
// ErrNotFound (for unknown and revoked tokens alike).
func (e *Engine) AuthenticateAdmin(secret string) (AdminToken, error) {
	var tok AdminToken
	err := e.readTxn(func(txn *badger.Txn) error {
		var id string
		if err := getValue(txn, adminTokenHashKey(HashTokenSecret(secret)), func(v []byte) error {
			id = string(v)
			return nil
		}); err != nil {
			return err
		}
		return getDecoded(txn, adminTokenKey(id), &tok)
	})
	if err != nil || tok.Revoked {
		return AdminToken{}, ErrNotFound
	}
	return tok, nil
}

// AdminTokens lists the admin tokens, revoked ones included, without
// their hashes.
func (e *Engine) AdminTokens() ([]AdminToken, error) {
	return listDecoded[AdminToken](e, []byte(prefixAdminToken))
}
