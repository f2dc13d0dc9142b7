package engine

import (
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// Resolving a user's Access reads the user, their teams, roles, every
// business unit and their profile: far more than a pull that finds nothing
// new does otherwise. Reads reuse an Access resolved under the same
// organization epoch.
//
// orgSeq is a sequence lock around commits of admin changes: odd while
// one is being committed. A reader that saw the same even value before
// and after its Badger transaction started reads exactly the organization
// of that epoch, so an Access cached for it is the one the transaction
// would resolve.

// accessCache holds the Access of users resolved in one epoch, by user
// and app, and the organization objects they share (orgmemo.go).
type accessCache struct {
	mu    sync.Mutex
	epoch uint64
	users map[accessKey]*Access
	org   *orgMemo
}

// beginOrgCommit and endOrgCommit bracket the commit of admin changes.
func (e *Engine) beginOrgCommit() { e.orgSeq.Add(1) }
func (e *Engine) endOrgCommit()   { e.orgSeq.Add(1) }

// orgEpoch returns the current epoch, or ok=false while an admin change is
// being committed.
func (e *Engine) orgEpoch() (epoch uint64, ok bool) {
	s := e.orgSeq.Load()
	return s, s%2 == 0
}

// accessIn resolves userID's Access in app inside txn, which started
// after the caller read epoch (with ok) from orgEpoch. The result must not
// be modified: it may be shared.
func (e *Engine) accessIn(txn *badger.Txn, userID, app string, epoch uint64, ok bool) (*Access, error) {
	if !ok || e.orgSeq.Load() != epoch {
		return loadAccess(txnReader{txn: txn, profiles: &e.profiles}, userID, app) // the organization moved meanwhile
	}
	c := &e.access
	key := accessCacheKey(userID, app)
	if a := c.get(epoch, key); a != nil {
		return a, nil
	}
	a, err := loadAccess(txnReader{txn, &e.profiles, c.memo(epoch)}, userID, app)
	if err != nil {
		return nil, err
	}
	c.put(epoch, key, a)
	return a, nil
}

// accessCacheKey names a user's Access in app in the cache.
func accessCacheKey(userID, app string) accessKey { return accessKey{userID, appID(app)} }

// accessKey is a user and an app (no string is built per lookup).
type accessKey struct{ user, app string }

// get returns the cached Access of userID in epoch, or nil.
func (c *accessCache) get(epoch uint64, userID accessKey) *Access {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return nil
	}
	return c.users[userID]
}

// put caches a as userID's Access in epoch, dropping older epochs (not
// newer ones).
func (c *accessCache) put(epoch uint64, userID accessKey, a *Access) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reset(epoch) {
		c.users[userID] = a
	}
}

// memo returns the orgMemo of epoch, dropping older epochs; nil when the
// cache holds a newer epoch already.
func (c *accessCache) memo(epoch uint64) *orgMemo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reset(epoch) {
		return nil
	}
	return c.org
}

// reset empties the cache if it holds an epoch older than epoch, and
// reports whether it now holds epoch (a reader that started before the
// last admin change must not take the cache back). Epochs only grow.
// c.mu is held.
func (c *accessCache) reset(epoch uint64) bool {
	if c.users == nil || c.epoch < epoch {
		c.epoch, c.users, c.org = epoch, map[accessKey]*Access{}, &orgMemo{}
	}
	return c.epoch == epoch
}
