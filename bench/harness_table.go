package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/offsync/offsync/dataset"
)

// WriteTable writes r for people: the machine and the load, the pull
// classes side by side (serve), every metric, the targets, and the notes.
func WriteTable(w io.Writer, r *HarnessResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	m := r.Machine
	dirty := ""
	if m.Modified {
		dirty = " (modified)"
	}
	fmt.Fprintf(tw, "offsync bench, %s scenario (%s, started %s)\n", r.Scenario, r.Elapsed, r.Started)
	fmt.Fprintf(tw, "machine\t%d cores %s, %.0f MiB, %s %s/%s, commit %s%s\n", m.Cores, m.CPU, m.MemoryMiB, m.GoVersion, m.OS, m.Arch, m.Commit, dirty)
	d := r.Dataset
	name := "CRM-" + d.Size
	if d.Kind == dataset.KindNoisy {
		name = "CRM-noisy " + d.Size
	}
	if d.Rows > 0 {
		fmt.Fprintf(tw, "dataset\t%s: %d rows, %d users, %d business units, seed %d (loaded: %v)\n", name, d.Rows, d.Users, d.BusinessUnits, d.Seed, d.Loaded)
	} else {
		fmt.Fprintf(tw, "dataset\tCRM-%s, seed %d\n", d.Size, d.Seed)
	}
	u := r.Run
	fmt.Fprintf(tw, "run\tserver %s", u.Server)
	if u.RSSSource != "" {
		fmt.Fprintf(tw, " (RSS from %s)", u.RSSSource)
	}
	fmt.Fprintf(tw, "; %d devices", u.Devices)
	if u.Users > 0 {
		fmt.Fprintf(tw, " of %d users", u.Users)
	}
	fmt.Fprintf(tw, " for %gs; push %d mutations/s, ingest %d rows/s", u.Duration, u.PushRate, u.IngestRate)
	if u.Streams > 0 {
		fmt.Fprintf(tw, "; %d event streams", u.Streams)
	}
	for _, p := range slices.Sorted(maps.Keys(u.Profiles)) {
		fmt.Fprintf(tw, "; %d %s", u.Profiles[p], p)
	}
	fmt.Fprintln(tw)
	if s := r.Serve; s != nil {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "pulls\tcount\tpulls/s\tp50 ms\tp99 ms\tp99.9 ms\tbytes/pull")
		for _, row := range []struct {
			name string
			l    Latency
		}{{"no-change", s.NoChange}, {"delta", s.Delta}, {"all", s.All}, {"static", s.Static}} {
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.0f\n", row.name, row.l.Count, row.l.PerSec, row.l.P50, row.l.P99, row.l.P999, row.l.MeanBytes)
		}
		fmt.Fprintf(tw, "cpu\tserver %.1f s and harness %.1f s over %.1f s; static run %.1f s over %.1f s\n",
			s.ServerCPUSeconds, s.HarnessCPUSeconds, s.WindowSeconds, s.StaticCPUSeconds, s.StaticWindowSeconds)
		fl := s.FirstLoad
		fmt.Fprintf(tw, "first loads\t%d, %.0f rows and %.0f B each (%d pulls); shared pages: %.0f%% of the bytes, %d fetches of %d distinct pages (sharing %.1fx)\n",
			fl.Latency.Count, fl.MeanRows, fl.Latency.MeanBytes, fl.Pulls, 100*fl.PageByteShare, fl.PageFetches, fl.DistinctPages, fl.SharingRatio)
	}
	if r.Failover != nil {
		writeFailoverKills(tw, r.Failover)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "metric\tvalue")
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		fmt.Fprintf(tw, "%s\t%s\n", k, formatMetric(r.Metrics[k]))
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "target\tvalue\ttarget\t")
		for _, t := range r.Targets {
			verdict := "met"
			if !t.Met {
				verdict = "MISSED"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Metric, formatMetric(t.Value), t.Target, verdict)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	for _, n := range r.Notes {
		if _, err := fmt.Fprintf(w, "note: %s\n", n); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// formatMetric prints a value with about four significant digits.
func formatMetric(v float64) string {
	switch {
	case v == float64(int64(v)) && v < 1e15 && v > -1e15:
		return strconv.FormatInt(int64(v), 10)
	case v >= 100 || v <= -100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}
