package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// Shared pages. A first load's shared part (engine.SharedGroup: the rows
// every user of the same group parameters holds) is cut into pages of
// PageRows rows, each encoded once as an answer body ({refs, e}) and
// compressed once with zstd. A page's id is the first 128 bits of the
// SHA-256 of its uncompressed body, so the same rows at the same schema
// give the same id and bytes on every node, whichever user's load
// computed them. Devices fetch pages with GET /v1/sync/pages/{id}
// (pages_http.go); the load's answer lists them (codec.PullResponse.Pages).
// The cache keeps a page under its id and its group's parameters: the
// same rows may make groups of other parameters (users whose keys differ
// by something their rows do not), and a user reads only the pages of
// their own group's parameters.

// minSharedRows is the smallest group served as pages: below it, the
// rows travel inline in the answer (a page is one more request).
const minSharedRows = 128

// sharedPage is one encoded page of a group.
type sharedPage struct {
	id     string
	params string // the group's parameters: who may read it
	rows   int
	zstd   []byte // the compressed body
	raw    int    // the uncompressed body's size
}

// pageSet is a group's pages, in order.
type pageSet struct {
	refs  []codec.PageRef
	pages []*sharedPage
}

// groupCache is the server's engine.GroupCache: it keeps each group
// slim (engine.SharedGroup.Slim) with its pages attached, and indexes
// the pages by id. Groups too small for pages keep their rows. Both are
// bounded by bytes; the least recently used go first.
type groupCache struct {
	groups   *lru[*engine.SharedGroup]
	pages    *lru[*sharedPage]
	schema   func() *engine.Schema
	pageRows int
	minRows  int // minSharedRows, but in tests
	pack     *pagePacker
	log      *slog.Logger
}

func newGroupCache(limit int64, pageRows int, schema func() *engine.Schema, log *slog.Logger) *groupCache {
	return &groupCache{groups: newLRU[*engine.SharedGroup](limit), pages: newLRU[*sharedPage](limit), schema: schema,
		pageRows: pageRows, minRows: minSharedRows, pack: newPagePacker(), log: log}
}

// pagePackers is how many shared pages are compressed at once. Each
// compression holds a zstd encoder of the best level, and one of those
// is about 34 MB of match tables (klauspost/compress's bestFastEncoder:
// 4 Mi long and 256 Ki short entries of 8 bytes, whatever the window);
// the codec's pool keeps one for each compression that ran at once. In
// the memory scenario (docs/benchmarks.md) first loads building their
// groups at once held three, 106 MB of live heap. Compressing a page
// takes a few milliseconds of a group build that takes seconds, so one
// at a time costs the builds little.
const pagePackers = 1

// pagePacker compresses shared pages, at most pagePackers at once.
type pagePacker struct {
	slots    chan struct{}
	compress func(dst, src []byte, cuts []int) ([]byte, error) // codec.CompressCutsOnce with zstd, but in tests
}

func newPagePacker() *pagePacker {
	return &pagePacker{slots: make(chan struct{}, pagePackers), compress: func(dst, src []byte, cuts []int) ([]byte, error) {
		return codec.CompressCutsOnce(codec.Zstd, dst, src, cuts) // once, for every user of the group
	}}
}

// packed compresses src (an answer body with its block cuts) once a slot
// is free.
func (p *pagePacker) packed(src []byte, cuts []int) ([]byte, error) {
	p.slots <- struct{}{}
	defer func() { <-p.slots }()
	return p.compress(nil, src, cuts)
}

// Get returns the group kept under key.
func (c *groupCache) Get(key string) (*engine.SharedGroup, bool) { return c.groups.get(key) }

// Put encodes g's pages (when it has enough rows) and keeps g slim with
// them; a group whose pages cannot be encoded is not kept.
func (c *groupCache) Put(key string, g *engine.SharedGroup) {
	if g.Rows() < c.minRows {
		c.groups.put(key, g, g.Size())
		return
	}
	set, err := encodePages(c.schema(), g, c.pageRows, c.pack)
	if err != nil {
		c.log.Error("encode shared pages", "err", err)
		return
	}
	slim := g.Slim()
	slim.Attached = set
	size := slim.Size()
	for _, p := range set.pages {
		size += int64(len(p.zstd)) + 128
		c.pages.put(pageKey(p.id, p.params), p, int64(len(p.zstd))+int64(len(p.params))+128)
	}
	c.groups.put(key, slim, size)
}

// page returns the page id of a group of parameters params. Pages are
// kept by both: two groups of other parameters may hold the same rows
// (the same page id), and each is readable by its own users only.
func (c *groupCache) page(id, params string) (*sharedPage, bool) {
	return c.pages.get(pageKey(id, params))
}

func pageKey(id, params string) string { return id + "\x00" + params }

// sharedPageOf finds page id among the pages of group g (a load's shared part),
// for users of parameters params.
func sharedPageOf(g *engine.SharedGroup, id, params string) (*sharedPage, bool) {
	if g == nil || g.Params != params {
		return nil, false
	}
	set, ok := g.Attached.(*pageSet)
	if !ok {
		return nil, false
	}
	for _, p := range set.pages {
		if p.id == id {
			return p, true
		}
	}
	return nil, false
}

// encodePages cuts g's rows into pages of pageRows rows and encodes
// each, compressed by pack.
func encodePages(sch *engine.Schema, g *engine.SharedGroup, pageRows int, pack *pagePacker) (*pageSet, error) {
	res := &engine.PullResult{Entities: g.Entities}
	set := &pageSet{}
	for k := 0; ; k++ {
		part, last := pageOf(res, k, pageRows)
		wire := toWire(sch, &engine.PullResult{Entities: rowsOnly(part.Entities)}, "", false)
		a, err := codec.MarshalPage(&pageRest{Refs: wire.Refs, Entities: wire.Entities}) // every column kind
		if err != nil {
			return nil, fmt.Errorf("encode shared page %d: %w", k, err)
		}
		packed, err := pack.packed(a.Body, a.Cuts)
		if err != nil {
			return nil, fmt.Errorf("compress shared page %d: %w", k, err)
		}
		sum := sha256.Sum256(a.Body)
		p := &sharedPage{id: hex.EncodeToString(sum[:16]), params: g.Params, rows: countRows(part), zstd: packed, raw: len(a.Body)}
		set.pages = append(set.pages, p)
		set.refs = append(set.refs, codec.PageRef{ID: p.id, Rows: p.rows})
		if last {
			return set, nil
		}
	}
}

// rowsOnly drops the entities a page holds no row of.
func rowsOnly(ents []engine.EntityDelta) []engine.EntityDelta {
	out := make([]engine.EntityDelta, 0, len(ents))
	for _, e := range ents {
		if len(e.Upserts) > 0 {
			out = append(out, engine.EntityDelta{Entity: e.Entity, Upserts: e.Upserts})
		}
	}
	return out
}

// sharedRefs returns the pages of a load's shared part, or nil when the
// rows were folded into res.Entities instead (a group too small for
// pages, or whose pages the cache no longer holds).
func sharedRefs(res *engine.PullResult) []codec.PageRef {
	g := res.Shared
	if g == nil {
		return nil
	}
	res.Shared = nil
	if set, ok := g.Attached.(*pageSet); ok {
		return set.refs
	}
	foldShared(res, g)
	return nil
}

// foldShared merges a group's rows into the load's own, entity by
// entity, by id.
func foldShared(res *engine.PullResult, g *engine.SharedGroup) {
	for _, ge := range g.Entities {
		if len(ge.Upserts) == 0 {
			continue
		}
		for i := range res.Entities {
			e := &res.Entities[i]
			if e.Entity != ge.Entity {
				continue
			}
			merged := make([]codec.Row, 0, len(ge.Upserts)+len(e.Upserts))
			a, b := ge.Upserts, e.Upserts
			for len(a) > 0 && len(b) > 0 {
				if a[0].ID < b[0].ID {
					merged, a = append(merged, a[0]), a[1:]
				} else {
					merged, b = append(merged, b[0]), b[1:]
				}
			}
			e.Upserts = append(append(merged, a...), b...)
		}
	}
}
