package codec

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

// An encoded pull answer and its cuts. The columnar blocks put each
// column's values in a run of their own; one zstd block over all of them
// codes text with literal statistics spoiled by random GUID bytes, and
// one column's words with another's. Ending a zstd block where a column
// starts gives each run its own entropy tables, in the same frame, so
// any zstd decoder reads it, and matches still reach back across blocks:
// on a CRM first load about 10% fewer bytes than one block, on
// CRM-noisy about 12% (docs/benchmarks.md). Cutting only where the kind
// of bytes changed (GUIDs, text, numbers) saved less: 6 and 7%.

// minCutSegment is the smallest run worth a zstd block of its own at
// smallLevel (answers under smallAnswer): below it the block's header and
// tables cost more than they save (128 bytes measured best of 24 to
// 1,024). At answerLevel and onceLevel (larger answers, shared pages)
// minCutSegmentLarge is: a column of a few dozen bytes (the refs, the
// versions) then gets a block of its own instead of spoiling the
// statistics of the text after it (CRM-N's page 19,496 -> 19,193 B,
// CRM-noisy's 39,226 -> 38,483 at onceLevel; 24 was 9 B smaller, 64
// 170 B larger: docs/benchmarks.md).
const (
	minCutSegment      = 128
	minCutSegmentLarge = 32
)

// answerLevel is the zstd level of CompressCuts. On pull answers it
// codes about 2% (CRM-N) to 3% (CRM-noisy) smaller than the default
// level and matches repeated GUIDs far back that the default misses,
// at about the same speed on answers of tens to hundreds of KB; the best
// level saves 2% more at four times the time (docs/benchmarks.md).
const answerLevel = zstd.SpeedBetterCompression

// onceLevel is the zstd level of CompressCutsOnce: zstd's best, about
// 2% smaller than answerLevel on first-load pages (CRM-noisy 40,079 ->
// 39,232 B) for 5 to 20 times the CPU: worth it only for a body that is
// compressed once and sent many times.
const onceLevel = zstd.SpeedBestCompression

// smallAnswer is the size below which CompressCuts codes at smallLevel,
// zstd's default: on answers of a few KB (deltas) the better level's
// larger tables cost about 1.6 times the time to set up and search for
// the same bytes (BenchmarkDeltaBytes: 2,998 B against 2,996; in offsync
// bench answer compression was 15% of the server's CPU at CRM-medium).
// At the default level, cutting at the columns codes small answers
// smaller too (a 1.2 KB answer: 1,241 B cut, 1,262 B in one block).
const (
	smallAnswer = 16 << 10
	smallLevel  = zstd.SpeedDefault
)

// minCutAnswer is the size below which an answer is one zstd block, its
// cuts ignored. Each block builds its own entropy tables: in an answer of
// many rows' columns that pays, in one of a few rows it costs both time
// and bytes. Measured on answers recorded from offsync bench (473 at
// CRM-medium, 51 at CRM-small: first loads' own parts, the answers that
// are not dictionary-coded), compressed cache-cold, against cutting every
// small answer: 2.2% and 0.5% fewer bytes, 31% and 33% less time.
// Thresholds of 3 and 4 KB tie on bytes there (0.06% apart, each ahead on
// one set); 4 KB takes less time. Cutting none costs 0.7% more bytes at
// CRM-medium (docs/benchmarks.md).
const minCutAnswer = 4 << 10

// answerStreams, smallStreams and onceStreams keep a streaming encoder
// of CompressCuts and CompressCutsOnce across garbage collections
// (encoderslot.go); the first two keep those that compressions running
// at once need in a sync.Pool beside it, onceStreams drops them.
var (
	answerStreams = encoderSlot{spill: true}
	smallStreams  = encoderSlot{spill: true}
	onceStreams   encoderSlot
)

// Answer is an encoded msgpack message with its cuts: the offsets in
// Body where its bytes change kind. It encodes to msgpack as Body itself.
type Answer struct {
	Body []byte
	Cuts []int
}

// EncodeMsgpack writes the encoded message as it is (and its cuts, when
// a MarshalAnswer records them).
func (a *Answer) EncodeMsgpack(e *msgpack.Encoder) error {
	if cb, ok := e.Writer().(*cutBuffer); ok && cb.record {
		for _, c := range a.Cuts {
			cb.cuts = append(cb.cuts, cb.Len()+c)
		}
	}
	_, err := e.Writer().Write(a.Body)
	return err
}

// CutsOf returns the cuts of v when it is an *Answer, else nil.
func CutsOf(v any) []int {
	if a, ok := v.(*Answer); ok {
		return a.Cuts
	}
	return nil
}

// cutBuffer is the pooled encoders' buffer. While record is set, the
// columnar encoder appends to cuts the offsets where its bytes change
// kind.
type cutBuffer struct {
	bytes.Buffer
	record bool
	cuts   []int
	// derive lets the columnar encoder use the derived kinds
	// (columnar_derived.go): set by MarshalPage.
	derive bool
}

// addCut records a cut at offset off of the buffer.
func (cb *cutBuffer) addCut(off int) {
	if cb.record {
		cb.cuts = append(cb.cuts, off)
	}
}

// MarshalAnswer is MarshalCompact that also records the cuts of the
// columnar blocks in v.
func MarshalAnswer(v any) (Answer, error) { return marshalAnswer(v, false) }

// MarshalPage is MarshalAnswer for a body that may use every column kind
// up to ColumnKinds, the derived ones (columnar_derived.go) included: a
// shared page, compressed once and sent to many, listed only to devices
// that read them (PullRequest.Kinds). Trying the derived kinds costs a
// look at every pair of columns of a block.
func MarshalPage(v any) (Answer, error) { return marshalAnswer(v, true) }

func marshalAnswer(v any, derive bool) (Answer, error) {
	e := encoders.Get().(*encoder)
	defer putEncoder(e)
	e.enc.UseCompactInts(true)
	defer e.enc.UseCompactInts(false)
	e.buf.record, e.buf.cuts, e.buf.derive = true, e.buf.cuts[:0], derive
	defer func() { e.buf.record, e.buf.derive = false, false }()
	if err := e.enc.Encode(v); err != nil {
		return Answer{}, fmt.Errorf("marshal: %w", err)
	}
	return Answer{Body: append([]byte(nil), e.buf.Bytes()...), Cuts: append([]int(nil), e.buf.cuts...)}, nil
}

// CompressCuts is Compress for pull answers: in zstd at level
// answerLevel (smallLevel under smallAnswer bytes), ending a block at each
// cut (in increasing order) that leaves at least minCutSegment bytes on
// both sides. Other codings ignore the cuts. The output is one frame,
// which any zstd decoder reads.
func CompressCuts(e Encoding, dst, src []byte, cuts []int) ([]byte, error) {
	if e != Zstd {
		return Compress(e, dst, src)
	}
	if len(src) < smallAnswer {
		if len(src) < minCutAnswer {
			cuts = nil
		}
		return compressCuts(&smallStreams, smallLevel, dst, src, cuts)
	}
	return compressCuts(&answerStreams, answerLevel, dst, src, cuts)
}

// CompressCutsOnce is CompressCuts for a body that is compressed once and
// sent many times, such as a shared page kept compressed: in zstd at
// zstd's best level (onceLevel), also when there are no cuts. Its
// output is one zstd frame like CompressCuts'. Its encoder allocates
// about 38 MB (CompressCuts' about 7 MB), kept in a pool between calls.
func CompressCutsOnce(e Encoding, dst, src []byte, cuts []int) ([]byte, error) {
	if e != Zstd {
		return Compress(e, dst, src)
	}
	return compressCuts(&onceStreams, onceLevel, dst, src, cuts)
}

// compressCuts writes src as one zstd frame at level, a block ending at
// each cut that leaves at least minCutSegment bytes (minCutSegmentLarge
// above smallLevel) on both sides, with an encoder from pool (encoderslot.go).
func compressCuts(pool *encoderSlot, level zstd.EncoderLevel, dst, src []byte, cuts []int) ([]byte, error) {
	enc, _ := pool.Get().(*zstd.Encoder)
	if enc == nil {
		var err error
		if enc, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow),
			zstd.WithEncoderLevel(level)); err != nil {
			return dst, fmt.Errorf("compress zstd: %w", err)
		}
	}
	minSeg := minCutSegmentLarge
	if level == smallLevel {
		minSeg = minCutSegment
	}
	out, err := encodeCutsMin(enc, dst, src, cuts, minSeg)
	pool.Put(enc)
	return out, err
}

// encodeCuts writes src with enc as one zstd frame, a block ending at
// each cut that leaves at least minCutSegment bytes on both sides, and
// leaves enc reset for reuse.
func encodeCuts(enc *zstd.Encoder, dst, src []byte, cuts []int) ([]byte, error) {
	return encodeCutsMin(enc, dst, src, cuts, minCutSegment)
}

// encodeCutsMin is encodeCuts with blocks of at least minSeg bytes.
func encodeCutsMin(enc *zstd.Encoder, dst, src []byte, cuts []int, minSeg int) ([]byte, error) {
	out := &appendWriter{b: dst}
	enc.ResetContentSize(out, int64(len(src)))
	from := 0
	var err error
	for _, c := range cuts {
		if c-from < minSeg || len(src)-c < minSeg || err != nil {
			continue
		}
		if _, err = enc.Write(src[from:c]); err == nil {
			err = enc.Flush()
		}
		from = c
	}
	if err == nil {
		_, err = enc.Write(src[from:])
	}
	if cerr := enc.Close(); err == nil {
		err = cerr
	}
	enc.Reset(nil)
	if err != nil {
		return dst, fmt.Errorf("compress zstd: %w", err)
	}
	return out.b, nil
}
