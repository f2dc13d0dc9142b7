package dataset

import (
	"errors"
	"fmt"

	"github.com/offsync/offsync/codec"
)

// ErrStop may be returned by an emit callback to end Generate early
// without an error: Generate then returns nil.
var ErrStop = errors.New("stop generating")

// Generate builds the records of c and passes them to emit in batches of
// at most batchSize: all accounts, then contacts, opportunities and tasks,
// each in index order, all upserts. The output is a pure function of c.
//
// Memory stays bounded whatever the size: each row is built from its own
// random streams and forgotten once emitted, and lookups are computed, not
// remembered. Each batch is a fresh slice that emit may keep. An error from
// emit stops the generation and is returned wrapped, except ErrStop.
func Generate(c Config, batchSize int, emit func([]codec.Record) error) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("generate dataset: %w", err)
	}
	if batchSize <= 0 {
		return fmt.Errorf("generate dataset: batchSize %d: must be positive", batchSize)
	}
	if emit == nil {
		return fmt.Errorf("generate dataset: emit: must not be nil")
	}
	g, err := newGenerator(c)
	if err != nil {
		return fmt.Errorf("generate dataset: %w", err)
	}
	b := batcher{size: batchSize, left: c.Rows(), emit: emit}
	rows := [4]func(int) codec.Record{g.account, g.contact, g.opportunity, g.task}
	if c.Kind == KindNoisy {
		n := newNoisy(g)
		rows = [4]func(int) codec.Record{n.account, n.contact, n.opportunity, n.task}
	}
	entities := []struct {
		n   int
		row func(int) codec.Record
	}{
		{c.Accounts, rows[0]},
		{c.Contacts, rows[1]},
		{c.Opportunities, rows[2]},
		{c.Tasks, rows[3]},
	}
	for _, e := range entities {
		for i := range e.n {
			if err := b.add(e.row(i)); err != nil {
				return stopped(err)
			}
		}
	}
	return stopped(b.flush())
}

// stopped maps ErrStop to success and wraps other emit errors.
func stopped(err error) error {
	if err == nil || errors.Is(err, ErrStop) {
		return nil
	}
	return fmt.Errorf("emit batch: %w", err)
}

// batcher collects records and hands them to emit in fresh slices.
type batcher struct {
	size int
	left int // records not yet added: caps the last batch's allocation
	emit func([]codec.Record) error
	buf  []codec.Record
}

func (b *batcher) add(rec codec.Record) error {
	if b.buf == nil {
		b.buf = make([]codec.Record, 0, min(b.size, b.left))
	}
	b.buf = append(b.buf, rec)
	b.left--
	if len(b.buf) == b.size {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	batch := b.buf
	b.buf = nil
	return b.emit(batch)
}
