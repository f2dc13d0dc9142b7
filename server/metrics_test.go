package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics with the admin token and parses it as the
// Prometheus text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := do(t, "GET", url+"/metrics", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	return fams
}

// lookup returns the value of the series of name whose labels include
// labels (name=value pairs): a gauge's or counter's value, a histogram's
// sample count.
func lookup(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
next:
	for _, m := range fams[name].GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// value is lookup, failing when there is no such series.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	v, ok := lookup(fams, name, labels...)
	if !ok {
		t.Fatalf("no series %s%v", name, labels)
	}
	return v
}

// TestMetricsRaftAndDeviceSeries: /metrics parses as Prometheus text, has
// the Raft, Badger, cache and stream series, and the pull, push, byte and
// apply counters move when a device pulls and pushes.
func TestMetricsRaftAndDeviceSeries(t *testing.T) {
	ts, _, e := demoNode(t, t.TempDir())
	token, _ := fieldSalesToken(t, ts)
	before := scrape(t, ts.URL)
	if value(t, before, "offsync_raft_state", "state", "Leader") != 1 || value(t, before, "offsync_raft_state", "state", "Follower") != 0 {
		t.Fatal("a lone node does not report itself Leader")
	}
	if v := value(t, before, "offsync_raft_applied_index"); v != float64(e.Applied()) {
		t.Fatalf("offsync_raft_applied_index %v, engine at %d", v, e.Applied())
	}
	if value(t, before, "offsync_raft_term") < 1 || value(t, before, "offsync_raft_commit_index") < value(t, before, "offsync_raft_applied_index") {
		t.Fatal("term or commit index out of place")
	}
	for _, name := range []string{"offsync_raft_last_index", "offsync_raft_lag_entries", "offsync_raft_leader_lag_versions", "offsync_raft_last_contact_seconds",
		"offsync_raft_last_snapshot_index", "offsync_raft_snapshot_restores_total", "offsync_badger_lsm_bytes", "offsync_badger_vlog_bytes", "offsync_event_streams_open"} {
		value(t, before, name)
	}
	value(t, before, "offsync_cache_hits_total", "cache", "rules")
	value(t, before, "offsync_cache_misses_total", "cache", "snapshot_pages")
	if value(t, before, "offsync_raft_apply_seconds") == 0 {
		t.Fatal("no apply observed after the demo load")
	}

	code, _, _ := devicePullRaw(t, ts.URL, token, "", nil)
	if code != 200 {
		t.Fatalf("pull: %d", code)
	}
	push := `{"mutations":[{"id":"m1","entity":"task","rowId":"70000000-0000-4000-8000-000000000001","op":"create","attributes":{"subject":"metrics"}}]}`
	req, _ := http.NewRequest("POST", ts.URL+"/v1/sync/push", bytes.NewReader([]byte(push)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _, _ := devicePullRaw(t, ts.URL, token, "not a cursor", nil); code != 400 {
		t.Fatalf("bad cursor: %d", code)
	}
	after := scrape(t, ts.URL)
	grew := func(name string, by float64, labels ...string) {
		t.Helper()
		b, _ := lookup(before, name, labels...)
		a := value(t, after, name, labels...)
		if a-b < by {
			t.Errorf("%s%v went from %v to %v, want +%v", name, labels, b, a, by)
		}
	}
	grew("offsync_pulls_total", 1, "outcome", "ok")
	grew("offsync_pulls_total", 1, "outcome", "refused")
	grew("offsync_pushes_total", 1, "outcome", "ok")
	grew("offsync_pull_resets_total", 1)
	grew("offsync_http_response_bytes_total", 100, "route", "POST /v1/sync/pull")
	grew("offsync_http_request_bytes_total", float64(len(push)), "route", "POST /v1/sync/push")
	grew("offsync_raft_applied_commands_total", 1)
}

// TestMetricsHandlerNeedsNoToken: the handler serve --metrics-public
// listens with answers /metrics without a token, and nothing else.
func TestMetricsHandlerNeedsNoToken(t *testing.T) {
	ts, s, _ := demoNode(t, t.TempDir())
	if r, _ := do(t, "GET", ts.URL+"/metrics", nil, map[string]string{"Authorization": ""}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics on the API address without a token: %d", r.StatusCode)
	}
	pub := httptest.NewServer(s.MetricsHandler())
	defer pub.Close()
	resp, err := http.Get(pub.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if resp.StatusCode != 200 || err != nil || fams["offsync_raft_term"] == nil {
		t.Fatalf("public /metrics: %d %v", resp.StatusCode, err)
	}
	if r, err := http.Get(pub.URL + "/v1/admin/users"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Fatalf("the public metrics address serves more than /metrics: %v", r.StatusCode)
	}
}
