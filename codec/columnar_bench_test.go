package codec

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchAnswer is a first-load page as the server builds it: 2,000
// account-like rows of a dozen typed columns, owners and business units
// interned, GUIDs binary, decimals as strings.
func benchAnswer() PullResponse {
	rng := rand.New(rand.NewPCG(1, 2))
	guid := func() []byte {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b, rng.Uint64())
		binary.LittleEndian.PutUint64(b[8:], rng.Uint64())
		return b
	}
	refs := make([][]byte, 40)
	for i := range refs {
		refs[i] = guid()
	}
	cities := []string{"Redmond", "Seattle", "Denver", "Lisbon", "München", "Austin", "Toronto"}
	parents := make([][]byte, 50)
	for i := range parents {
		parents[i] = guid()
	}
	cols := []string{"name", "accountnumber", "telephone1", "revenue", "numberofemployees", "creditonhold",
		"address1_city", "address1_latitude", "primarycontactid", "statecode", "lastonholdtime", "description"}
	rows := make([][]any, 2000)
	t0 := int64(1767225600000)
	for i := range rows {
		var desc any
		if rng.IntN(3) == 0 {
			desc = fmt.Sprintf("Key account %d, renewal in Q%d", rng.IntN(1000), 1+rng.IntN(4))
		}
		var parent any
		if rng.IntN(2) == 0 {
			parent = parents[rng.IntN(len(parents))]
		}
		created := t0 + rng.Int64N(1<<34)
		rows[i] = []any{guid(), int64(rng.IntN(38)), int64(38 + rng.IntN(2)), created, created + rng.Int64N(1<<30), int64(1000 + i),
			fmt.Sprintf("Contoso %d Ltd", i), fmt.Sprintf("ACC-%d", 100000+i), fmt.Sprintf("+1 555 %04d", rng.IntN(10000)),
			fmt.Sprintf("%d.%02d", rng.IntN(5000000), rng.IntN(100)), int64(rng.IntN(5000)), rng.IntN(10) == 0,
			cities[rng.IntN(len(cities))], 47 + rng.Float64(), parent, int64(rng.IntN(2)), created + rng.Int64N(1<<32), desc}
	}
	return PullResponse{Version: 99999, MetadataVersion: 12345, Cursor: "cursor", Reset: true, Refs: refs,
		Entities: []EntityChanges{{Entity: "account", Columns: cols, Rows: rows, NextDue: t0}}}
}

// BenchmarkDecodePullAnswer decodes a 2,000-row page as a device does,
// after decompression: rows/s is the figure the device feels.
func BenchmarkDecodePullAnswer(b *testing.B) {
	data, err := MarshalCompact(benchAnswer())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodePullResponse(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*2000/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncodePullAnswer encodes the same page as the server does.
func BenchmarkEncodePullAnswer(b *testing.B) {
	a := benchAnswer()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalCompact(&a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*2000/b.Elapsed().Seconds(), "rows/s")
}

// benchAnswerSmall is benchAnswer cut to five rows, for seed corpora.
func benchAnswerSmall() PullResponse {
	a := benchAnswer()
	a.Entities[0].Rows = a.Entities[0].Rows[:5]
	return a
}
