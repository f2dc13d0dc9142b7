package dataset

import (
	"context"
	"fmt"
	"time"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// DefaultLoadBatch is how many records Load sends per ingest command.
const DefaultLoadBatch = 1000

// Proposer applies commands through the replicated write path
// (replication.Node implements it).
type Proposer interface {
	Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error)
}

// Load writes a whole CRM-N dataset through p: the schema (draft, then
// publish), the organization with its profiles published, then the rows in
// ingest batches of batchSize. progress, when not nil, is called with the
// rows written so far. It returns the number of rows written.
func Load(ctx context.Context, p Proposer, c Config, batchSize int, progress func(rows int)) (int, error) {
	if batchSize <= 0 {
		batchSize = DefaultLoadBatch
	}
	if err := LoadOrg(ctx, p, c); err != nil {
		return 0, err
	}
	now := c.Now.UnixMilli()
	rows := 0
	err := Generate(c, batchSize, func(recs []codec.Record) error {
		if err := propose(ctx, p, &engine.Command{Kind: engine.KindIngest, Now: now, Records: recs}); err != nil {
			return err
		}
		rows += len(recs)
		if progress != nil {
			progress(rows)
		}
		return nil
	})
	if err != nil {
		return rows, fmt.Errorf("load dataset: %w", err)
	}
	return rows, nil
}

// LoadOrg writes what Load writes before the rows: the schema (draft,
// then publish) and the organization of c with its profiles published.
// Rows from elsewhere can then be ingested for its users.
func LoadOrg(ctx context.Context, p Proposer, c Config) error {
	now := c.Now.UnixMilli()
	sch, err := Schema()
	if err != nil {
		return err
	}
	org, err := Org(c)
	if err != nil {
		return err
	}
	org.Publish = true
	steps := []*engine.Command{
		{Kind: engine.KindSetSchemaDraft, Now: now, Schema: &sch},
		{Kind: engine.KindPublishSchema, Now: now},
		{Kind: engine.KindPutOrg, Now: now, Org: &org},
	}
	for _, cmd := range steps {
		if err := propose(ctx, p, cmd); err != nil {
			return err
		}
	}
	return nil
}

// LoadDemo loads the demo-sized dataset with its dates spread over the 90
// days before now.
func LoadDemo(ctx context.Context, p Proposer, now time.Time) (int, error) {
	c, err := ConfigFor(SizeDemo)
	if err != nil {
		return 0, err
	}
	c.Now = now.UTC().Truncate(time.Second)
	return Load(ctx, p, c, DefaultLoadBatch, nil)
}

func propose(ctx context.Context, p Proposer, cmd *engine.Command) error {
	res, err := p.Propose(ctx, cmd)
	if err != nil {
		return fmt.Errorf("propose %s: %w", cmd.Kind, err)
	}
	if res.Err != nil {
		return fmt.Errorf("apply %s: %w", cmd.Kind, res.Err)
	}
	return nil
}
