package bench

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/offsync/offsync/dataset"
	"github.com/offsync/offsync/engine"
)

// DefaultLoadBatch is the records per ingest command LoadDataset uses.
const DefaultLoadBatch = 2000

// LargeMemTableSize is the Badger memtable size LoadDataset uses for the
// large size (the default, engine.DefaultMemTableSize, for the others).
const LargeMemTableSize = 128 << 20

// LoadConfig says which CRM-N dataset LoadDataset loads, and where.
type LoadConfig struct {
	// Dir is the engine's directory (created when missing).
	Dir string
	// Size is a dataset size: dataset.SizeDemo, SizeSmall, SizeMedium or
	// SizeLarge.
	Size string
	// Seed seeds the dataset.
	Seed int64
	// Kind is the dataset: dataset.KindCRMN (or empty) or
	// dataset.KindNoisy (CRM-noisy).
	Kind string
	// BatchSize is the records per ingest command.
	BatchSize int
	// MemTableSize is the engine's Badger memtable size in bytes.
	MemTableSize int64
	// SettleTimeout bounds how long LoadDataset waits, after loading, for
	// the process to go idle (Badger compacts its levels in the
	// background after a bulk load; timed runs should not compete with
	// that). Zero does not wait.
	SettleTimeout time.Duration
}

// DefaultSettleTimeout is LoadConfig.SettleTimeout's default.
const DefaultSettleTimeout = 3 * time.Minute

// DefaultLoadConfig returns the LoadConfig of size in dir: batches of
// DefaultLoadBatch records, and a LargeMemTableSize memtable for the
// large size.
func DefaultLoadConfig(dir, size string) LoadConfig {
	c := LoadConfig{Dir: dir, Size: size, Seed: dataset.DefaultSeed, BatchSize: DefaultLoadBatch, MemTableSize: engine.DefaultMemTableSize, SettleTimeout: DefaultSettleTimeout}
	if size == dataset.SizeLarge {
		c.MemTableSize = LargeMemTableSize
	}
	return c
}

// Validate checks the config; its messages name the bad field.
func (c LoadConfig) Validate() error {
	if c.Dir == "" {
		return fmt.Errorf("load config: Dir: must be set")
	}
	if _, err := dataset.ConfigFor(c.Size); err != nil {
		return fmt.Errorf("load config: Size: %w", err)
	}
	if err := dataset.CheckKind(c.Kind); err != nil {
		return fmt.Errorf("load config: Kind: %w", err)
	}
	switch {
	case c.BatchSize < 1 || c.BatchSize > engine.MaxRecordsPerCommand:
		return fmt.Errorf("load config: BatchSize: %d is outside 1..%d", c.BatchSize, engine.MaxRecordsPerCommand)
	case c.MemTableSize < 1<<20:
		return fmt.Errorf("load config: MemTableSize: %d is below 1 MiB", c.MemTableSize)
	case c.SettleTimeout < 0:
		return fmt.Errorf("load config: SettleTimeout: must not be negative")
	}
	return nil
}

// Dataset is an engine holding a whole CRM-N dataset, and how it was made.
type Dataset struct {
	// Size is the dataset size loaded.
	Size string
	// Config is the dataset's config: its Now is the time every command
	// was applied at, and the time servers over it must use.
	Config dataset.Config
	// Org is the organization loaded, profiles with their members.
	Org engine.Org
	// Engine holds the data; Writer applies commands to it.
	Engine *engine.Engine
	Writer *DirectWriter
	// Rows is how many rows were loaded, in LoadTime; SettleTime is how
	// long the process then took to go idle.
	Rows       int
	LoadTime   time.Duration
	SettleTime time.Duration
}

// LoadDataset opens a fresh engine in c.Dir and loads the CRM-N dataset of
// c.Size into it through a DirectWriter: the schema, the organization
// with its profiles published, then the rows in ingest batches. Nothing
// goes through Raft or HTTP. The generator streams, so memory stays
// bounded by the engine's. Close the Dataset when done.
func LoadDataset(ctx context.Context, c LoadConfig) (*Dataset, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	dc, err := dataset.ConfigFor(c.Size)
	if err != nil {
		return nil, err
	}
	dc.Seed, dc.Kind = c.Seed, c.Kind
	org, err := dataset.Org(dc)
	if err != nil {
		return nil, err
	}
	ec := engine.DefaultConfig(filepath.Join(c.Dir, "engine"))
	ec.MemTableSize = c.MemTableSize
	e, err := engine.Open(ec)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Size: c.Size, Config: dc, Org: org, Engine: e, Writer: NewDirectWriter(e)}
	start := time.Now()
	l := newPipelinedLoader(d.Writer)
	rows, err := dataset.Load(ctx, l, dc, c.BatchSize, nil)
	if ferr := l.flush(); err == nil && ferr != nil {
		err = ferr
	}
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("load %s dataset: %w", c.Size, err)
	}
	d.Rows, d.LoadTime = rows, time.Since(start)
	d.SettleTime = Settle(ctx, c.SettleTimeout)
	return d, nil
}

// Settle collects garbage, then waits until this process has been nearly
// idle (under 5% of one core) for half a second, or for at most max, and
// returns how long it waited. Where process CPU time cannot be read, it
// does not wait.
func Settle(ctx context.Context, max time.Duration) time.Duration {
	runtime.GC()
	return settleOn(ctx, max, processCPU)
}

// settleOn waits until the CPU time cpu reads has grown by under 5% of one
// core over half a second, or for at most max, and returns how long it
// waited. It does not wait when cpu cannot be read.
func settleOn(ctx context.Context, max time.Duration, cpu func() (time.Duration, bool)) time.Duration {
	start := time.Now()
	const window = 500 * time.Millisecond
	for time.Since(start) < max {
		c0, ok := cpu()
		if !ok {
			break
		}
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(window):
		}
		if c1, _ := cpu(); c1-c0 < window/20 {
			break
		}
	}
	return time.Since(start)
}

// Now returns the dataset's reference time in unix milliseconds.
func (d *Dataset) Now() int64 { return d.Config.Now.UnixMilli() }

// Close closes the engine.
func (d *Dataset) Close() error { return d.Engine.Close() }

// FieldSalesPair returns two "Field Sales" members of the same business
// unit: the unit with the most Field Sales members (the first in org
// order on a tie), and its first two members in org order. The org of the
// small, medium and large sizes is the same, so so is the pair.
func (d *Dataset) FieldSalesPair() (a, b engine.User, err error) {
	i := slices.IndexFunc(d.Org.Profiles, func(p engine.Profile) bool { return p.Name == dataset.ProfileFieldSales })
	if i < 0 {
		return a, b, fmt.Errorf("field sales pair: no %q profile", dataset.ProfileFieldSales)
	}
	member := map[string]bool{}
	for _, id := range d.Org.Profiles[i].Users {
		member[id] = true
	}
	byBU := map[string][]engine.User{}
	var order []string
	for _, u := range d.Org.Users {
		if !member[u.ID] {
			continue
		}
		if byBU[u.BusinessUnit] == nil {
			order = append(order, u.BusinessUnit)
		}
		byBU[u.BusinessUnit] = append(byBU[u.BusinessUnit], u)
	}
	best := ""
	for _, bu := range order {
		if best == "" || len(byBU[bu]) > len(byBU[best]) {
			best = bu
		}
	}
	if len(byBU[best]) < 2 {
		return a, b, fmt.Errorf("field sales pair: no business unit has two %q members", dataset.ProfileFieldSales)
	}
	return byBU[best][0], byBU[best][1], nil
}

// FieldSalesOutside returns the first "Field Sales" member, in org order,
// whose business unit is not bu.
func (d *Dataset) FieldSalesOutside(bu string) (engine.User, error) {
	i := slices.IndexFunc(d.Org.Profiles, func(p engine.Profile) bool { return p.Name == dataset.ProfileFieldSales })
	if i >= 0 {
		for _, u := range d.Org.Users {
			if u.BusinessUnit != bu && slices.Contains(d.Org.Profiles[i].Users, u.ID) {
				return u, nil
			}
		}
	}
	return engine.User{}, fmt.Errorf("field sales user: none outside business unit %s", bu)
}

// DirectWriter applies commands straight to an engine at consecutive
// versions, as Raft would (without the log): it implements
// dataset.Proposer and server.Writer. Commands keep their Now.
type DirectWriter struct {
	mu sync.Mutex
	e  *engine.Engine
}

// NewDirectWriter returns a DirectWriter over e.
func NewDirectWriter(e *engine.Engine) *DirectWriter { return &DirectWriter{e: e} }

// Propose applies cmd at the next version.
func (w *DirectWriter) Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.e.Apply(w.e.Applied()+1, cmd)
}

// ProposeBatch applies cmds at consecutive versions in one ApplyBatch.
func (w *DirectWriter) ProposeBatch(ctx context.Context, cmds []*engine.Command) ([]*engine.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	entries := make([]engine.Entry, len(cmds))
	v := w.e.Applied()
	for i, c := range cmds {
		entries[i] = engine.Entry{Version: v + uint64(i) + 1, Cmd: c}
	}
	return w.e.ApplyBatch(entries)
}

// pipelinedLoader is the dataset.Proposer of LoadDataset: it applies
// ingest commands on its own goroutine so that the generator builds the
// next batch while the engine writes the last one (two cores instead of
// one). Propose of an ingest returns at once with a placeholder result; a
// rejection or a storage error is returned by the next Propose (which
// stops dataset.Load) or by flush. Other commands wait for everything
// before them.
type pipelinedLoader struct {
	w     *DirectWriter
	queue chan *engine.Command
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

func newPipelinedLoader(w *DirectWriter) *pipelinedLoader {
	l := &pipelinedLoader{w: w, queue: make(chan *engine.Command, 2), done: make(chan struct{})}
	go l.run()
	return l
}

func (l *pipelinedLoader) run() {
	defer close(l.done)
	for cmd := range l.queue {
		if l.failed() != nil {
			continue // drain
		}
		res, err := l.w.Propose(context.Background(), cmd)
		if err == nil && res.Err != nil {
			err = res.Err
		}
		if err != nil {
			l.mu.Lock()
			l.err = cmp.Or(l.err, fmt.Errorf("apply %s: %w", cmd.Kind, err))
			l.mu.Unlock()
		}
	}
}

func (l *pipelinedLoader) failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Propose queues an ingest (or applies another kind after the queue).
func (l *pipelinedLoader) Propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	if err := cmp.Or(ctx.Err(), l.failed()); err != nil {
		return nil, err
	}
	if cmd.Kind != engine.KindIngest {
		if err := l.flush(); err != nil {
			return nil, err
		}
		defer l.restart()
		return l.w.Propose(ctx, cmd)
	}
	select {
	case l.queue <- cmd:
		return &engine.Result{Rows: len(cmd.Records)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// flush waits until every queued command is applied and stops the
// applier; it returns the first failure.
func (l *pipelinedLoader) flush() error {
	close(l.queue)
	<-l.done
	return l.failed()
}

func (l *pipelinedLoader) restart() {
	l.queue, l.done = make(chan *engine.Command, 2), make(chan struct{})
	go l.run()
}
