package client

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"

	"github.com/dgraph-io/badger/v4"
	"github.com/google/uuid"
	"github.com/offsync/offsync/codec"
)

// The offline queue: q/{seq} holds a mutation not yet accepted by the
// server, in the order it was made; x/{mutation id} holds the rejected
// ones with their reasons. Both survive restarts. A mutation is not
// applied to the local rows: the pull after the push brings the server's
// result, accepted or not.

// Rejection is a mutation the server refused, and why.
type Rejection struct {
	Mutation codec.Mutation `msgpack:"m" json:"mutation"`
	Code     string         `msgpack:"c" json:"code"`
	Message  string         `msgpack:"msg" json:"message"`
}

var keyQueueSeq = []byte("m/qseq")

// Queue records a mutation made offline (an id is generated when it has
// none; an update without a base version gets the local row's).
func (d *Device) Queue(m codec.Mutation) (codec.Mutation, error) {
	if m.ID == "" {
		m.ID = uuid.NewString()
	}
	err := d.db.Update(func(txn *badger.Txn) error {
		if m.Op == "update" && m.BaseVersion == 0 {
			cur, err := readUint(txn, keyGen) // the generation readers see now
			if err != nil {
				return err
			}
			if row, err := readRow(txn, genPrefix(cur), m.Entity, m.RowID); err == nil && row != nil {
				m.BaseVersion = row.Version
			}
		}
		seq, err := readUint(txn, keyQueueSeq)
		if err != nil {
			return err
		}
		seq++
		if err := txn.Set(keyQueueSeq, []byte(fmt.Sprint(seq))); err != nil {
			return err
		}
		b, err := codec.Marshal(&m)
		if err != nil {
			return err
		}
		return txn.Set(binary.BigEndian.AppendUint64([]byte("q/"), seq), b)
	})
	if err != nil {
		return m, fmt.Errorf("queue mutation: %w", err)
	}
	return m, nil
}

// queued returns the queued mutations with their keys, in order.
func (d *Device) queued() (keys [][]byte, muts []codec.Mutation, err error) {
	err = d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("q/"), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var m codec.Mutation
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &m) }); err != nil {
				return err
			}
			keys = append(keys, it.Item().KeyCopy(nil))
			muts = append(muts, m)
		}
		return nil
	})
	return keys, muts, err
}

// pushQueued sends the queue; it leaves it as it was when the server
// could not be reached (a retry applies nothing twice).
func (d *Device) pushQueued(ctx context.Context, sum *SyncSummary) error {
	keys, muts, err := d.queued()
	if err != nil || len(muts) == 0 {
		return err
	}
	for start := 0; start < len(muts); start += 1000 {
		end := min(start+1000, len(muts))
		res, n, err := d.postPush(ctx, muts[start:end])
		sum.WireBytes += n
		if err != nil {
			return err
		}
		if len(res.Results) != end-start {
			return fmt.Errorf("push: %d results for %d mutations: %w", len(res.Results), end-start, ErrResponse)
		}
		err = d.db.Update(func(txn *badger.Txn) error {
			// Pulls ask for at least this version, so that a device
			// reads its own writes on whichever node answers.
			if err := raiseMinVersion(txn, res.Version); err != nil {
				return err
			}
			for i, r := range res.Results {
				if !r.Applied {
					b, err := codec.Marshal(&Rejection{Mutation: muts[start+i], Code: r.Code, Message: r.Message})
					if err != nil {
						return err
					}
					if err := txn.Set([]byte("x/"+r.ID), b); err != nil {
						return err
					}
					sum.Rejected = append(sum.Rejected, Rejection{Mutation: muts[start+i], Code: r.Code, Message: r.Message})
				} else {
					sum.Applied++
				}
				if err := txn.Delete(keys[start+i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("record push results: %w", err)
		}
	}
	return nil
}

// postPush sends one push; a retry on another node sends the same
// mutation ids, so nothing is applied twice.
func (d *Device) postPush(ctx context.Context, muts []codec.Mutation) (codec.PushResponse, int64, error) {
	body, err := codec.Marshal(codec.PushRequest{Mutations: muts})
	if err != nil {
		return codec.PushResponse{}, 0, err
	}
	build := func(base string) (*http.Request, error) {
		return d.request(ctx, http.MethodPost, base+"/v1/sync/push", body, "application/msgpack", "zstd")
	}
	var out codec.PushResponse
	var wire int64
	_, err = d.call(ctx, "send push", build, func(resp *http.Response) error {
		out, wire = codec.PushResponse{}, 0
		enc, err := codec.ParseEncoding(resp.Header.Get("Content-Encoding"))
		if err != nil {
			return fmt.Errorf("read push: %w: %w", ErrResponse, err)
		}
		cr := &countReader{r: resp.Body}
		raw, err := codec.ReadBody(cr, enc, DefaultMaxResponseBytes, DefaultMaxResponseBytes)
		wire = cr.n
		if err != nil {
			return fmt.Errorf("read push: %w", err)
		}
		if err := codec.Unmarshal(raw, &out); err != nil {
			return fmt.Errorf("decode push: %w: %w", ErrResponse, err)
		}
		return nil
	})
	return out, wire, err
}

// Rejected lists the mutations the server refused.
func (d *Device) Rejected() ([]Rejection, error) {
	var out []Rejection
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("x/"), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rj Rejection
			if err := it.Item().Value(func(v []byte) error { return codec.Unmarshal(v, &rj) }); err != nil {
				return err
			}
			out = append(out, rj)
		}
		return nil
	})
	return out, err
}

// Pending counts the queued mutations.
func (d *Device) Pending() (int, error) {
	_, muts, err := d.queued()
	return len(muts), err
}
