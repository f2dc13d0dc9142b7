package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// TestPullAnswerRowsAreColumnarAndExact: a first load's upserts travel as
// columnar blocks (bin, not arrays of rows), and decode to exactly the
// rows of the JSON form of the same load: ids, owners, times, versions,
// and every attribute value, decimals to the character.
func TestPullAnswerRowsAreColumnarAndExact(t *testing.T) {
	ts, _ := newDemoServerWith(t, func(c *Config) { c.PageRows = 100000 })
	token, _ := fieldSalesToken(t, ts)
	_, wire, pr := pullWire(t, ts.URL, token, "")
	raw, err := codec.Decompress(codec.Zstd, wire, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := codec.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, e := range generic["e"].([]any) {
		if u, ok := e.(map[string]any)["u"]; ok {
			if _, isBin := u.(string); !isBin { // loose decoding reads bin as string
				t.Fatalf("u is a %T, not a columnar block", u)
			}
		}
	}
	_, js, _ := devicePullRaw(t, ts.URL, token, "", map[string]string{"Accept": "application/json"})
	var want jsonPull
	if err := json.Unmarshal([]byte(js.Cursor), &want); err != nil {
		t.Fatal(err)
	}
	got := map[string][]codec.Row{}
	rows := 0
	for _, ec := range pr.Entities {
		for _, w := range ec.Rows {
			got[ec.Entity] = append(got[ec.Entity], wireToRow(t, w, ec.Columns, pr.Refs))
			rows++
		}
	}
	if rows < 100 {
		t.Fatalf("a first load of %d rows", rows)
	}
	decimals := 0
	for _, je := range want.Entities {
		if len(je.Upserts) != len(got[je.Entity]) {
			t.Fatalf("%s: %d rows in msgpack, %d in JSON", je.Entity, len(got[je.Entity]), len(je.Upserts))
		}
		byID := map[string]codec.Row{} // upserts come in any order
		for _, g := range got[je.Entity] {
			byID[g.ID] = g
		}
		for i, w := range je.Upserts {
			g := byID[w.ID]
			gj, _ := json.Marshal(g)
			var back codec.Row
			if err := json.Unmarshal(gj, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, w) {
				t.Fatalf("%s row %d:\nmsgpack %+v\n   JSON %+v", je.Entity, i, back, w)
			}
			if _, ok := g.Attrs["revenue"].(string); ok {
				decimals++
			}
		}
	}
	if decimals == 0 {
		t.Fatal("no decimal checked")
	}
}

// wireToRow is a decoded row with its refs resolved and GUIDs as text.
func wireToRow(t *testing.T, w []any, cols []string, refs [][]byte) codec.Row {
	t.Helper()
	str := func(v any) string {
		s, err := codec.GUIDString(v.([]byte))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ref := func(v any) string {
		if i := v.(int64); i >= 0 {
			return str(refs[i])
		}
		return ""
	}
	r := codec.Row{ID: str(w[0]), OwnerID: ref(w[1]), OwningBusinessUnit: ref(w[2]), CreatedOn: w[3].(int64), ModifiedOn: w[4].(int64), Version: uint64(w[5].(int64))}
	for i, c := range cols {
		v := w[6+i]
		if b, ok := v.([]byte); ok {
			v = str(b)
		}
		if v != nil {
			if r.Attrs == nil {
				r.Attrs = map[string]any{}
			}
			r.Attrs[c] = v
		}
	}
	return r
}

// TestSharedPageEncodesToTheSameBytes: a page is the same bytes however
// often it is encoded (map order, dictionaries and column kinds do not
// vary), so the users who share it get byte-identical answers.
func TestSharedPageEncodesToTheSameBytes(t *testing.T) {
	seed := rand.Int63()
	rng := rand.New(rand.NewSource(seed))
	sch := &engine.Schema{Entities: []engine.EntityDef{{Name: "account", Attributes: []engine.Attribute{
		{Name: "name", Type: engine.TypeString}, {Name: "city", Type: engine.TypeString}, {Name: "revenue", Type: engine.TypeDecimal},
		{Name: "parent", Type: engine.TypeLookup}, {Name: "hold", Type: engine.TypeBool}}}}}
	res := &engine.PullResult{Version: 9, Reset: true}
	d := engine.EntityDelta{Entity: "account"}
	for i := range 300 {
		attrs := map[string]any{"name": fmt.Sprintf("n%d", rng.Intn(1000)), "city": []string{"Lisbon", "Austin", "Oslo"}[rng.Intn(3)],
			"revenue": fmt.Sprintf("%d.%02d", rng.Intn(1e6), rng.Intn(100)), "parent": fmt.Sprintf("20000000-0000-4000-8000-%012d", rng.Intn(20))}
		if rng.Intn(2) == 0 {
			attrs["hold"] = rng.Intn(2) == 0
		}
		d.Upserts = append(d.Upserts, codec.Row{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), OwnerID: fmt.Sprintf("30000000-0000-4000-8000-%012d", rng.Intn(9)),
			OwningBusinessUnit: "00000000-0000-4000-8000-000000000001", CreatedOn: int64(rng.Intn(1e9)), ModifiedOn: 2, Version: uint64(i + 1), Attrs: attrs})
	}
	res.Entities = []engine.EntityDelta{d}
	first, err := encodeLoad(sch, res, 100)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := encodeLoad(sch, res, 100)
		if err != nil {
			t.Fatal(err)
		}
		for k := range first.pages {
			if !bytes.Equal(first.pages[k], again.pages[k]) {
				t.Fatalf("seed %d: page %d encoded to other bytes", seed, k)
			}
		}
	}
}
