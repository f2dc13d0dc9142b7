package replication

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// Commands proposed on this node skip decoding when this node applies
// them: the log entry carries a nonce, and the FSM takes the command the
// proposer still holds. Every other node (and this one after a restart)
// decodes the bytes, which encode the very same command. Only ingest
// commands whose values are already in canonical form take this path, so
// that decoding could not produce anything different.
//
// Entry layout: nonceMark, 8-byte nonce, then the msgpack command; or the
// msgpack command alone (a map, whose first byte is never nonceMark).
const nonceMark = 0xf5

type pending struct {
	seed uint64
	next atomic.Uint64
	m    sync.Map // nonce -> *engine.Command
}

func newPending() *pending {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &pending{seed: binary.BigEndian.Uint64(b[:])}
}

// encode returns the log entry for cmd and, when it took the fast path,
// its nonce (0 otherwise).
func (p *pending) encode(cmd *engine.Command) ([]byte, uint64, error) {
	body, err := engine.EncodeCommand(cmd)
	if err != nil {
		return nil, 0, err
	}
	if cmd.Kind != engine.KindIngest || !canonical(cmd.Records) {
		return body, 0, nil
	}
	nonce := p.seed + p.next.Add(1)
	data := make([]byte, 9, 9+len(body))
	data[0] = nonceMark
	binary.BigEndian.PutUint64(data[1:], nonce)
	p.m.Store(nonce, cmd)
	return append(data, body...), nonce, nil
}

// forget drops a proposal that failed (if it commits after all, the FSM
// decodes it).
func (p *pending) forget(nonce uint64) {
	if nonce != 0 {
		p.m.Delete(nonce)
	}
}

// command returns the command of a log entry.
func (p *pending) command(data []byte) (*engine.Command, error) {
	if len(data) >= 9 && data[0] == nonceMark {
		if c, ok := p.m.LoadAndDelete(binary.BigEndian.Uint64(data[1:9])); ok {
			return c.(*engine.Command), nil
		}
		data = data[9:]
	}
	return engine.DecodeCommand(data)
}

// canonical reports whether every attribute value is of a type that
// decoding gives back unchanged.
func canonical(recs []codec.Record) bool {
	for i := range recs {
		if recs[i].Attrs != nil && len(recs[i].Attrs) == 0 {
			return false
		}
		for _, v := range recs[i].Attrs {
			switch v.(type) {
			case nil, bool, int64, float64, string:
			default:
				return false
			}
		}
	}
	return true
}
