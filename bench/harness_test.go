package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/codec"
)

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 500 * time.Millisecond}, {99, 990 * time.Millisecond}, {99.9, 999 * time.Millisecond}, {100, time.Second}, {0.01, time.Millisecond}} {
		if got := Percentile(d, tc.p); got != tc.want {
			t.Errorf("Percentile(1..1000 ms, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v", got)
	}
	if got := Percentile([]time.Duration{7}, 99.9); got != 7 {
		t.Errorf("Percentile of one = %v", got)
	}
	// Two values: the median is the lower, p99 the upper.
	two := []time.Duration{1, 2}
	if Percentile(two, 50) != 1 || Percentile(two, 99) != 2 {
		t.Errorf("Percentile of two = %v, %v", Percentile(two, 50), Percentile(two, 99))
	}
}

func TestSamplesSummarize(t *testing.T) {
	var a, b samples
	for i := 100; i >= 1; i-- { // unsorted on purpose
		a.add(time.Duration(i)*time.Millisecond, 10)
	}
	b.add(time.Second, 1010)
	a.merge(&b)
	l := a.summarize(10 * time.Second)
	if l.Count != 101 || l.PerSec != 10.1 || l.P50 != 51 || l.P99 != 100 || l.P999 != 1000 || l.Max != 1000 || l.Bytes != 2010 || l.MeanBytes != 2010.0/101 {
		t.Fatalf("summary = %+v", l)
	}
	var empty samples
	if l := empty.summarize(time.Second); l != (Latency{}) {
		t.Fatalf("empty summary = %+v", l)
	}
	if l := a.summarize(0); l.PerSec != 0 {
		t.Fatalf("zero window: %+v", l)
	}
}

func TestReportTargetsAndTable(t *testing.T) {
	c := DefaultHarnessConfig(ScenarioServe, "", t.TempDir())
	r := newHarnessResult(c)
	r.Serve = &ServeDetail{NoChange: Latency{Count: 3, PerSec: 1.5, P50: 2}}
	r.Metrics[MetricServeRatioVsStatic] = 0.49
	r.Metrics[MetricPullsPerSec] = 1234.5678
	r.note("shared %d tokens", 3)
	r.checkTargets()
	if len(r.Targets) != 1 || r.Targets[0].Met || r.Targets[0].Target != ">= 0.5" {
		t.Fatalf("targets = %+v", r.Targets)
	}
	r.Metrics[MetricServeRatioVsStatic] = 0.5
	r.checkTargets()
	if !r.Targets[0].Met {
		t.Fatalf("0.5 >= 0.5 not met: %+v", r.Targets)
	}
	r.Scenario = ScenarioFailover
	r.Metrics[MetricFailoverSeconds], r.Metrics[MetricFailedSyncs], r.Metrics[MetricLostAckedWrites] = 3.2, 0, 1
	r.checkTargets()
	if len(r.Targets) != 3 || r.Targets[0].Met || !r.Targets[1].Met || r.Targets[2].Met {
		t.Fatalf("failover targets = %+v", r.Targets)
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"serve-ratio-vs-static", "1234.6", "failover-s", "MISSED", "note: shared 3 tokens", "no-change"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table has no %q:\n%s", want, buf.String())
		}
	}
	b, err := json.Marshal(r)
	if err != nil || !bytes.Contains(b, []byte(`"serve-ratio-vs-static":0.5`)) {
		t.Fatalf("json: %v %s", err, b)
	}
}

func TestRatioAndFormat(t *testing.T) {
	if ratio(1, 0) != 0 || ratio(3, 2) != 1.5 {
		t.Fatal("ratio")
	}
	for v, want := range map[float64]string{3: "3", 0.12345: "0.1235", 1234.56: "1234.6", 0: "0"} {
		if got := formatMetric(v); got != want {
			t.Errorf("formatMetric(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestParseGauges(t *testing.T) {
	text := "# HELP process_resident_memory_bytes Resident memory size in bytes.\n" +
		"# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1.2345678e+08\n" +
		"go_goroutines 42\ngo_gc_duration_seconds{quantile=\"0\"} 1e-05\n"
	g, err := parseGauges(strings.NewReader(text), gaugeRSS, gaugeGoroutines)
	if err != nil || g[gaugeRSS] != 123456780 || g[gaugeGoroutines] != 42 || len(g) != 2 {
		t.Fatalf("parse = %v, %v", g, err)
	}
	if _, err := parseGauges(strings.NewReader("go_goroutines 5\n"), gaugeRSS); err == nil || !strings.Contains(err.Error(), "does not export") {
		t.Fatalf("missing metric: %v", err)
	}
}

func TestHarnessDatasetSizes(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		rows  int
		size  string
		users int
	}{{2000, "demo-org", 25}, {10_000, "small", 1000}, {100_000, "medium", 1000}, {12_345, "custom", 1000}} {
		c, size, err := HarnessDataset(tc.rows, 7, now)
		if err != nil || size != tc.size || c.Rows() != tc.rows || c.Users != tc.users || c.Seed != 7 || !c.Now.Equal(now) {
			t.Errorf("HarnessDataset(%d) = %+v, %q, %v", tc.rows, c, size, err)
		}
		if c.Accounts != tc.rows*20/100 || c.Tasks != tc.rows*15/100 {
			t.Errorf("HarnessDataset(%d): mix %+v", tc.rows, c)
		}
	}
}

func TestHarnessConfigValidate(t *testing.T) {
	ok := DefaultHarnessConfig(ScenarioServe, "", t.TempDir())
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if DefaultHarnessConfig(ScenarioMemory, "", "x").Rows != DefaultMemoryRows {
		t.Fatal("memory default rows")
	}
	for field, mut := range map[string]func(*HarnessConfig){
		"Scenario":   func(c *HarnessConfig) { c.Scenario = "x" },
		"AdminToken": func(c *HarnessConfig) { c.Server = "http://h" },
		"Binary":     func(c *HarnessConfig) { c.Scenario = ScenarioFailover },
		"Dir":        func(c *HarnessConfig) { c.Dir = "" },
		"Rows":       func(c *HarnessConfig) { c.Rows = 99 },
		"Devices":    func(c *HarnessConfig) { c.Devices = 0 },
		"Duration":   func(c *HarnessConfig) { c.Duration = time.Millisecond },
		"PushRate":   func(c *HarnessConfig) { c.PushRate = -1 },
		"IngestRate": func(c *HarnessConfig) { c.IngestRate = -1 },
		"ServeArgs":  func(c *HarnessConfig) { c.Binary, c.ServeArgs = "offsync", nil },
	} {
		c := ok
		mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func TestAnswerRows(t *testing.T) {
	id, _ := codec.GUIDBytes("6f9619ff-8b86-4011-b42d-00c04fc964ff")
	owner, _ := codec.GUIDBytes("4b216a3d-8115-4b69-9073-4ef515105bc4")
	look, _ := codec.GUIDBytes("8003b8e9-3518-442c-804b-d09b9bde1fba")
	res := codec.PullResponse{Refs: [][]byte{owner}, Entities: []codec.EntityChanges{{
		Entity: "task", Columns: []string{"subject", "regardingobjectid", "prioritycode"},
		Rows:         [][]any{{id, int8(0), int8(-1), int64(5), uint16(6), uint8(7), "Call", look, nil}},
		PatchColumns: []string{"prioritycode"}, Patches: [][]any{{id, int8(0), int8(-1), int64(5), int64(8), uint64(9), int8(2)}},
		Removals: [][]byte{look},
	}}}
	rows, err := answerRows(&res)
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows = %+v, %v", rows, err)
	}
	r := rows[0]
	if r.ID != "6f9619ff-8b86-4011-b42d-00c04fc964ff" || r.OwnerID != "4b216a3d-8115-4b69-9073-4ef515105bc4" || r.OwningBusinessUnit != "" ||
		r.CreatedOn != 5 || r.ModifiedOn != 6 || r.Version != 7 || r.Attrs["subject"] != "Call" ||
		r.Attrs["regardingobjectid"] != "8003b8e9-3518-442c-804b-d09b9bde1fba" || len(r.Attrs) != 2 {
		t.Fatalf("upsert = %+v", r)
	}
	if p := rows[1]; p.Version != 9 || len(p.Attrs) != 1 || p.Attrs["prioritycode"] != int8(2) {
		t.Fatalf("patch = %+v", p)
	}
	if rows[2].ID != "8003b8e9-3518-442c-804b-d09b9bde1fba" || rows[2].Attrs != nil {
		t.Fatalf("removal = %+v", rows[2])
	}
	var b BytesBaseline
	if err := compareAnswers(&b, []pullAnswer{{resp: res, wire: make([]byte, 40)}}, false); err != nil || b.Answers != 1 || b.Rows != 3 || b.WireBytes != 40 || b.RatioVsJSONGzip <= 0 {
		t.Fatalf("baseline = %+v, %v", b, err)
	}
	res.Entities[0].Rows[0] = res.Entities[0].Rows[0][:5]
	if _, err := answerRows(&res); err == nil {
		t.Fatal("a short row was accepted")
	}
}

func TestReservoirKeepsUniformSample(t *testing.T) {
	i := 0
	r := &reservoir{size: 10, rnd: func(n int) int { i++; return (i * 7) % n }}
	for k := range 1000 {
		r.offer(pullAnswer{wire: []byte{byte(k)}})
	}
	if got := r.answers(); len(got) != 10 || r.seen != 1000 {
		t.Fatalf("kept %d of %d", len(got), r.seen)
	}
}

func TestMemoryServeArgsMakeRoomForTheStreams(t *testing.T) {
	c := HarnessConfig{Binary: "offsync", ServeArgs: []string{"serve"}, Streams: 10_000}
	got := memoryServeArgs(c)
	if strings.Join(got, " ") != "serve --max-connections 10256" || len(c.ServeArgs) != 1 {
		t.Fatalf("child server args = %q (config's %q)", got, c.ServeArgs)
	}
	c.Server = "http://127.0.0.1:1"
	if got := memoryServeArgs(c); strings.Join(got, " ") != "serve" {
		t.Fatalf("running server args = %q", got)
	}
}
