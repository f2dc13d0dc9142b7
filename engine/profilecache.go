package engine

import (
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/offsync/offsync/codec"
)

// Decoded profiles, shared by the Access of every user who has them.
// Resolving an Access decoded the user's whole profile, member lists
// included (a Field Sales profile of CRM-medium names 980 users), only to
// drop them: about half of an Access load, which every first load and
// every pull after an admin change pays per user. A profile's stored
// bytes are hashed instead, and a profile whose bytes hash as the last
// decoded one's is that one.

// profileCacheCap bounds the decoded profiles kept; past it they are all
// dropped.
const profileCacheCap = 256

// profileSeed seeds the hashes of stored profiles.
var profileSeed = maphash.MakeSeed()

// profileCache holds decoded profiles (member lists dropped) by id, with
// the hash and length of the bytes they were decoded from. The zero value
// is ready.
type profileCache struct {
	mu sync.Mutex
	m  map[string]cachedProfile
}

type cachedProfile struct {
	sum uint64
	n   int
	p   *Profile
}

// load returns profile id as stored in txn, without its member lists. The
// result is shared: it must not be modified.
func (c *profileCache) load(txn *badger.Txn, id string) (*Profile, error) {
	var out *Profile
	err := getValue(txn, profileKey(id), func(b []byte) error {
		sum := maphash.Bytes(profileSeed, b)
		c.mu.Lock()
		hit, ok := c.m[id]
		c.mu.Unlock()
		if ok && hit.sum == sum && hit.n == len(b) {
			out = hit.p
			return nil
		}
		var p Profile
		if err := codec.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("decode profile %s: %w: %w", id, ErrCorrupt, err)
		}
		// The member lists say nothing about one user's view, and can be
		// long: an Access (cached per user, held by event streams) drops them.
		p.Users, p.Teams = nil, nil
		out = &p
		c.mu.Lock()
		if c.m == nil || len(c.m) >= profileCacheCap {
			c.m = map[string]cachedProfile{}
		}
		c.m[id] = cachedProfile{sum: sum, n: len(b), p: out}
		c.mu.Unlock()
		return nil
	})
	return out, err
}
