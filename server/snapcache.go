package server

import (
	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// rowBytes estimates the memory of a cached row: a decoded CRM row, its
// attribute map and strings, holds about 1.3 KB of heap
// (TestRowBytesEstimatesDecodedRows); the estimate was 400, which let the
// caches hold three times their SnapshotCacheBytes.
const rowBytes = 1300

// snapCache keeps computed first loads so that their pages can be served
// (and resumed) without computing the view again. A page asked for after
// its load was evicted (or on another node) restarts the load. Loads are
// kept per user: another user's cursor never reaches them.
type snapCache struct{ c *lru[snapEntry] }

type snapEntry struct {
	user string
	res  *engine.PullResult // a load asked for as JSON
	enc  *encodedLoad       // the others (snapencoded.go)
}

func newSnapCache(limit int64) *snapCache { return &snapCache{c: newLRU[snapEntry](limit)} }

// put stores user's load under id.
func (s *snapCache) put(id, user string, res *engine.PullResult) {
	var size int64 = 256
	for _, e := range res.Entities {
		size += int64(len(e.Upserts)) * rowBytes
	}
	s.c.put(id, snapEntry{user: user, res: res}, size)
}

// putEncoded stores user's encoded load under id.
func (s *snapCache) putEncoded(id, user string, el *encodedLoad) {
	s.c.put(id, snapEntry{user: user, enc: el}, el.size())
}

// get returns the load under id when it is user's: decoded or encoded
// (both nil when there is none).
func (s *snapCache) get(id, user string) (*engine.PullResult, *encodedLoad) {
	e, ok := s.c.get(id)
	if !ok || e.user != user {
		return nil, nil
	}
	return e.res, e.enc
}

// ruleCache is the engine.RuleCache of first loads: the rows of rules
// that users of one profile and scope share, bounded by bytes.
type ruleCache struct{ c *lru[[]codec.Row] }

func newRuleCache(limit int64) *ruleCache { return &ruleCache{c: newLRU[[]codec.Row](limit)} }

// Get returns the rows shared under key.
func (r *ruleCache) Get(key string) ([]codec.Row, bool) { return r.c.get(key) }

// Put shares rows under key.
func (r *ruleCache) Put(key string, rows []codec.Row) {
	r.c.put(key, rows, int64(len(rows))*rowBytes+int64(len(key)))
}
