package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// A paged first load is kept encoded: the msgpack of each page's rows
// (and where their bytes change kind, for the zstd blocks of
// codec.CompressCuts),
// about a fifth of the decoded rows' memory (a CRM-large view holds 42 MB
// decoded), and no encoding work when a page is served. Each answer is
// the page's versions and cursor (pageHead, encoded per request) spliced
// with its rows (pageRest, encoded once) into one msgpack map, the same
// bytes as an answer encoded whole. A load asked for as JSON (people with
// curl) is kept decoded.

// pageHead is the part of a page's answer that is encoded per request.
type pageHead struct {
	Version         uint64 `msgpack:"v"`
	MetadataVersion uint64 `msgpack:"mv"`
	Cursor          string `msgpack:"c"`
	More            bool   `msgpack:"more,omitempty"`
	Reset           bool   `msgpack:"reset,omitempty"`
	// Pages, on the last page, are the load's shared pages (pages.go).
	Pages []codec.PageRef `msgpack:"pg,omitempty"`
}

// pageRest is the part of a page's answer that is encoded once.
type pageRest struct {
	Refs     [][]byte              `msgpack:"refs,omitempty"`
	Entities []codec.EntityChanges `msgpack:"e"`
}

// encodedLoad is a paged first load: its version, reset and final cursor,
// and the encoded rows of each page.
type encodedLoad struct {
	version uint64
	reset   bool
	cursor  engine.Cursor
	pages   [][]byte
	cuts    [][]int // per page, where its bytes change kind (codec.Answer)
	shared  []codec.PageRef
}

// encodeLoad cuts res into pages of pageRows rows and encodes each.
func encodeLoad(sch *engine.Schema, res *engine.PullResult, pageRows int) (*encodedLoad, error) {
	el := &encodedLoad{version: res.Version, reset: res.Reset, cursor: res.Cursor}
	for k := 0; ; k++ {
		part, last := pageOf(res, k, pageRows)
		wire := toWire(sch, part, "", false)
		a, err := codec.MarshalAnswer(&pageRest{Refs: wire.Refs, Entities: wire.Entities})
		if err != nil {
			return nil, fmt.Errorf("encode page %d: %w", k, err)
		}
		el.pages, el.cuts = append(el.pages, a.Body), append(el.cuts, a.Cuts)
		if last {
			return el, nil
		}
	}
}

// size is what the load holds in memory, for the cache's bound.
func (el *encodedLoad) size() int64 {
	n := int64(256)
	for k, p := range el.pages {
		n += int64(len(p)) + 48 + 8*int64(len(el.cuts[k]))
	}
	return n
}

// answer is page k's answer: its head and its rows as one msgpack map,
// with the page's cuts.
func (el *encodedLoad) answer(k int, mv uint64, cursor string) (*codec.Answer, error) {
	ph := &pageHead{Version: el.version, MetadataVersion: mv, Cursor: cursor,
		More: k < len(el.pages)-1, Reset: el.reset && k == 0}
	if !ph.More {
		ph.Pages = el.shared
	}
	head, err := codec.MarshalCompact(ph)
	if err != nil {
		return nil, fmt.Errorf("encode page head: %w", err)
	}
	rest := el.pages[k]
	// Both are fixmaps (0x80 | entries): one map of their entries.
	n := int(head[0]&0x0f) + int(rest[0]&0x0f)
	out := make([]byte, 0, len(head)+len(rest))
	out = append(out, 0x80|byte(n))
	out = append(out, head[1:]...)
	out = append(out, rest[1:]...)
	cuts := make([]int, len(el.cuts[k]))
	for i, c := range el.cuts[k] {
		cuts[i] = c - 1 + len(head)
	}
	return &codec.Answer{Body: out, Cuts: cuts}, nil
}

// wantsJSON reports whether a device request asks for JSON answers.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}
