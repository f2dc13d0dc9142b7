package engine

import (
	"testing"

	"github.com/offsync/offsync/codec"
)

// FuzzApplyCommand: a command decoded from arbitrary bytes (as
// POST /v1/cluster/propose receives them from a holder of the admin token,
// or as a corrupted log entry would carry them) never panics DecodeCommand
// or Apply: it applies, or is rejected with a reason, and a rejected
// command writes nothing.
func FuzzApplyCommand(f *testing.F) {
	for _, c := range append(setupCommands(),
		ingestCmd(2000, codec.Record{Entity: "account", ID: "10000000-0000-4000-8000-000000000001", OwnerID: tAlice, Attrs: map[string]any{"name": "A"}}),
		&Command{Kind: KindPush, Now: 3000, Push: &Push{User: tAlice, Device: "d", Mutations: []Mutation{{ID: "m", Entity: "account", RowID: "10000000-0000-4000-8000-000000000002", Op: MutationCreate, Attrs: map[string]any{"name": "B"}}}}},
		&Command{Kind: KindDelete, Now: 3000, Target: &Target{Kind: ObjectTeam, ID: tTeam}},
		&Command{Kind: KindPrune, Now: 3000, Horizon: 2},
		&Command{Kind: KindSetCursorKey, CursorKey: make([]byte, CursorKeyLen)},
	) {
		b, err := EncodeCommand(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	e, _ := openTest(f)
	mustApply(f, e, setupCommands()...)
	f.Fuzz(func(t *testing.T, b []byte) {
		cmd, err := DecodeCommand(b)
		if err != nil {
			return
		}
		before := e.Applied()
		res, err := e.Apply(before+1, cmd)
		if err != nil {
			t.Fatalf("apply %s: storage error %v", cmd.Kind, err)
		}
		if res.Err != nil && res.Rows != 0 {
			t.Fatalf("a rejected %s wrote %d rows", cmd.Kind, res.Rows)
		}
	})
}
