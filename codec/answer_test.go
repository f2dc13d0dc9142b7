package codec

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestMarshalAnswerCutsWhereBytesChangeKind: MarshalAnswer writes the
// bytes MarshalCompact writes, with cuts inside them in increasing order;
// CompressCuts gives one zstd frame that decompresses to the same bytes,
// smaller than one block over all of them.
func TestMarshalAnswerCutsWhereBytesChangeKind(t *testing.T) {
	pr := benchAnswer()
	a, err := MarshalAnswer(&pr)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := MarshalCompact(&pr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Body, plain) {
		t.Fatal("MarshalAnswer wrote other bytes than MarshalCompact")
	}
	if len(a.Cuts) < 3 || !slices.IsSorted(a.Cuts) || a.Cuts[0] <= 0 || a.Cuts[len(a.Cuts)-1] >= len(a.Body) {
		t.Fatalf("cuts %v in %d bytes", a.Cuts, len(a.Body))
	}
	cut, err := CompressCuts(Zstd, nil, a.Body, a.Cuts)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := Compress(Zstd, nil, a.Body)
	back, err := Decompress(Zstd, cut, 1<<30)
	if err != nil || !bytes.Equal(back, a.Body) {
		t.Fatalf("cut frame decompresses to %d bytes, %v", len(back), err)
	}
	if len(cut) >= len(whole) {
		t.Fatalf("cut into blocks: %d bytes, one block: %d", len(cut), len(whole))
	}
	// An Answer nested in a message keeps its bytes and shifts its cuts.
	outer, err := MarshalAnswer(&a)
	if err != nil || !bytes.Equal(outer.Body, a.Body) || !slices.Equal(outer.Cuts, a.Cuts) {
		t.Fatalf("nested answer: %d cuts, %v", len(outer.Cuts), err)
	}
	for _, e := range []Encoding{Gzip, Identity} {
		b, err := CompressCuts(e, nil, a.Body, a.Cuts)
		if back, _ := Decompress(e, b, 1<<30); err != nil || !bytes.Equal(back, a.Body) {
			t.Fatalf("%v: %v", e, err)
		}
	}
}

// TestMarshalAnswerCutsAtEveryColumn: in a block, every column but the
// first starts a cut (each column's bytes get a zstd block of their own
// when it is long enough), where the column's bytes begin; a string
// column has more cuts inside it, where its text starts and ends.
func TestMarshalAnswerCutsAtEveryColumn(t *testing.T) {
	pr := benchAnswer()
	pr.Entities = pr.Entities[:1]
	ec := pr.Entities[0]
	width := systemColumns + len(ec.Columns)
	a, err := MarshalAnswer(&pr)
	if err != nil {
		t.Fatal(err)
	}
	block, err := AppendColumns(nil, ec.Rows, width)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(a.Body, block)
	if start < 0 || len(a.Cuts) < width-1 {
		t.Fatalf("%d cuts for %d columns (block at %d)", len(a.Cuts), width, start)
	}
	off := 0 // where column c starts in block, column 0 after n
	_, off = binary.Uvarint(block)
	// Each column alone, as AppendColumns writes it for one-column rows
	// of the same values (the id column first: a block needs it).
	inside := 0
	for c := range width {
		var ce colEncoder
		col, err := ce.column(nil, ec.Rows, c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(block[off:], col) {
			t.Fatalf("column %d is not at offset %d", c, off)
		}
		if c > 0 && !slices.Contains(a.Cuts, start+off) {
			t.Fatalf("no cut where column %d starts (offset %d): %v", c, start+off, a.Cuts)
		}
		for _, cut := range a.Cuts {
			if cut > start+off && cut < start+off+len(col) {
				if k := col[0] &^ colNulls; k != colStringSplit && k != colStringDictSplit {
					t.Fatalf("a cut inside column %d of kind %d", c, k)
				}
				inside++
			}
		}
		off += len(col)
	}
	if inside == 0 {
		t.Fatal("no cut inside a string column")
	}
}

// TestCompressCutsOnce: a body compressed once for many sends decodes to
// the same bytes, in every coding, and in zstd is smaller than
// CompressCuts makes it (a first-load-like answer of 2,000 rows).
func TestCompressCutsOnce(t *testing.T) {
	pr := benchAnswer()
	a, err := MarshalAnswer(&pr)
	if err != nil {
		t.Fatal(err)
	}
	each, err := CompressCuts(Zstd, nil, a.Body, a.Cuts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Encoding{Zstd, Gzip, Identity} {
		for _, cuts := range [][]int{a.Cuts, nil} {
			b, err := CompressCutsOnce(e, nil, a.Body, cuts)
			if back, derr := Decompress(e, b, 1<<30); err != nil || derr != nil || !bytes.Equal(back, a.Body) {
				t.Fatalf("%v, %d cuts: %v, %v", e, len(cuts), err, derr)
			}
			if e == Zstd && cuts != nil && len(b) >= len(each) {
				t.Fatalf("compressed once: %d bytes, per answer: %d", len(b), len(each))
			}
		}
	}
}

// TestCompressCutsSmallAnswers: an answer under smallAnswer bytes (a
// delta of a few rows) is coded at smallLevel; from minCutAnswer bytes it
// is cut at its columns, below that it is one block; both decode back.
// Whether cutting pays at a size depends on the rows: the threshold is
// checked on recorded answers (TestMinCutAnswerOnRecordedAnswers).
func TestCompressCutsSmallAnswers(t *testing.T) {
	full := benchAnswer()
	for rows := 2; ; rows++ {
		pr := full
		pr.Entities = append([]EntityChanges(nil), full.Entities...)
		pr.Entities[0].Rows = full.Entities[0].Rows[:rows]
		a, err := MarshalAnswer(&pr)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Body) >= smallAnswer || len(a.Cuts) == 0 {
			t.Fatalf("fixture: %d bytes, %d cuts", len(a.Body), len(a.Cuts))
		}
		got, err := CompressCuts(Zstd, nil, a.Body, a.Cuts)
		if err != nil {
			t.Fatal(err)
		}
		cut, _ := compressCuts(&smallStreams, smallLevel, nil, a.Body, a.Cuts)
		one, _ := compressCuts(&smallStreams, smallLevel, nil, a.Body, nil)
		if back, err := Decompress(Zstd, got, 1<<20); err != nil || !bytes.Equal(back, a.Body) {
			t.Fatalf("%d rows: decompress: %v", rows, err)
		}
		if len(a.Body) < minCutAnswer {
			if !bytes.Equal(got, one) {
				t.Fatalf("%d bytes (%d rows): %d bytes, not the one block of %d", len(a.Body), rows, len(got), len(one))
			}
			continue
		}
		if !bytes.Equal(got, cut) || zstdBlockCount(t, got) < 2 {
			t.Fatalf("%d bytes (%d rows): %d bytes in %d blocks; at the small level cut %d", len(a.Body), rows, len(got), zstdBlockCount(t, got), len(cut))
		}
		if rows == 2 {
			t.Fatalf("fixture: two rows are %d bytes, not under minCutAnswer", len(a.Body))
		}
		return
	}
}

// TestMinCutAnswerOnRecordedAnswers: on pull answers recorded from
// offsync bench at CRM-medium and CRM-small and from
// BenchmarkSnapshotCached (testdata/codec/answers: each answer's body and
// its cuts), coding the answers under minCutAnswer as one block and
// cutting the others codes them in fewer bytes in all than cutting every
// one, and than cutting none.
func TestMinCutAnswerOnRecordedAnswers(t *testing.T) {
	files, err := filepath.Glob("testdata/codec/answers/*.bin")
	if err != nil || len(files) < 50 {
		t.Fatalf("recorded answers: %d files, %v", len(files), err)
	}
	var chosen, allCut, noneCut, under int
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cuts []int
		raw, err := os.ReadFile(strings.TrimSuffix(f, ".bin") + ".cuts")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range strings.Fields(string(raw)) {
			n, err := strconv.Atoi(c)
			if err != nil {
				t.Fatalf("%s: cut %q", f, c)
			}
			cuts = append(cuts, n)
		}
		if len(body) >= smallAnswer {
			t.Fatalf("%s: %d bytes, not a small answer", f, len(body))
		}
		got, err := CompressCuts(Zstd, nil, body, cuts)
		if err != nil {
			t.Fatal(err)
		}
		cut, _ := compressCuts(&smallStreams, smallLevel, nil, body, cuts)
		one, _ := compressCuts(&smallStreams, smallLevel, nil, body, nil)
		chosen += len(got)
		allCut += len(cut)
		noneCut += len(one)
		if len(body) < minCutAnswer {
			under++
		}
	}
	t.Logf("%d answers (%d under %d bytes): %d bytes, %d with every answer cut, %d with none", len(files), under, minCutAnswer, chosen, allCut, noneCut)
	if under < 10 || len(files)-under < 10 || chosen >= allCut || chosen >= noneCut {
		t.Fatalf("%d answers, %d under the threshold: %d bytes against %d with every answer cut and %d with none", len(files), under, chosen, allCut, noneCut)
	}
}
