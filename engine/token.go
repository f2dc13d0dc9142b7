package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// DeviceToken is a bearer token an administrator issued for a user. Only
// the SHA-256 of its secret is stored; the secret is shown once, when it is
// minted, and never enters the replicated log.
type DeviceToken struct {
	ID     string `json:"id" msgpack:"id"`
	UserID string `json:"userId" msgpack:"u"`
	Name   string `json:"name,omitempty" msgpack:"n,omitempty"`
	// App, when set, is the id of the only app the token syncs for.
	// Empty: the device names its app in each request, else it syncs for
	// the default app (tokens issued before apps existed).
	App       string `json:"app,omitempty" msgpack:"a,omitempty"`
	Hash      string `json:"-" msgpack:"h"`
	CreatedOn int64  `json:"createdOn" msgpack:"c"`
	Revoked   bool   `json:"revoked" msgpack:"r,omitempty"`
	RevokedOn int64  `json:"revokedOn,omitempty" msgpack:"ro,omitempty"`
}

// HashTokenSecret returns the stored form of a token secret.
func HashTokenSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func (st *cmdState) issueToken(t *DeviceToken) error {
	if t == nil {
		return invalidf("token: missing")
	}
	tok := *t
	if err := canonID("token", &tok.ID); err != nil {
		return err
	}
	if err := canonID("token.userId", &tok.UserID); err != nil {
		return err
	}
	if err := st.mustExist("token.userId", secKey(kindUser, tok.UserID)); err != nil {
		return err
	}
	if tok.App != "" {
		if err := canonID("token.app", &tok.App); err != nil {
			return err
		}
		if _, err := appIn(st, st.currentSchema(), tok.App); errors.Is(err, ErrNotFound) {
			return invalidf("token.app: app %s does not exist", tok.App)
		} else if err != nil {
			return err
		}
	}
	if len(tok.Hash) != 64 {
		return invalidf("token.hash: must be a hex SHA-256")
	}
	if ok, err := st.exists(tokenKey(tok.ID)); err != nil {
		return err
	} else if ok {
		return &Error{Err: ErrConflict, Msg: fmt.Sprintf("token %s already exists", tok.ID)}
	}
	tok.CreatedOn, tok.Revoked = st.now, false
	st.set(tokenHashKey(tok.Hash), []byte(tok.ID))
	return st.setDecoded(tokenKey(tok.ID), &tok)
}

func (st *cmdState) revokeToken(t *Target) error {
	if t == nil {
		return invalidf("target: missing")
	}
	if err := canonID("target", &t.ID); err != nil {
		return err
	}
	var tok DeviceToken
	if err := st.getDecoded(tokenKey(t.ID), &tok); errors.Is(err, ErrNotFound) {
		return notFoundf("token %s not found", t.ID)
	} else if err != nil {
		return err
	}
	if tok.Revoked {
		return nil
	}
	tok.Revoked, tok.RevokedOn = true, st.now
	st.del(tokenHashKey(tok.Hash))
	return st.setDecoded(tokenKey(tok.ID), &tok)
}

// Authenticate returns the live token whose secret this is, or
// ErrNotFound (for unknown and revoked tokens alike).
func (e *Engine) Authenticate(secret string) (DeviceToken, error) {
	hash := HashTokenSecret(secret)
	epoch, stable := e.orgEpoch()
	if stable {
		if tok, ok := e.tokens.get(epoch, hash); ok {
			return tok, nil
		}
	}
	var tok DeviceToken
	cacheable := false
	err := e.readTxn(func(txn *badger.Txn) error {
		// The transaction started within the epoch: it reads its tokens.
		cacheable = stable && e.orgSeq.Load() == epoch
		var id string
		if err := getValue(txn, tokenHashKey(hash), func(v []byte) error {
			id = string(v)
			return nil
		}); err != nil {
			return err
		}
		return getDecoded(txn, tokenKey(id), &tok)
	})
	if err != nil || tok.Revoked {
		return DeviceToken{}, ErrNotFound
	}
	if cacheable {
		e.tokens.put(epoch, hash, tok)
	}
	return tok, nil
}

// Tokens lists the device tokens (without secrets or hashes), optionally
// only those of one user.
func (e *Engine) Tokens(userID string) ([]DeviceToken, error) {
	all, err := listDecoded[DeviceToken](e, []byte(prefixToken))
	if err != nil || userID == "" {
		return all, err
	}
	var out []DeviceToken
	for _, t := range all {
		if t.UserID == userID {
			out = append(out, t)
		}
	}
	return out, nil
}
