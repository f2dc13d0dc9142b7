package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// readEvent reads the next "event:" name from an SSE stream.
func readEvent(t *testing.T, sc *bufio.Scanner) (string, string) {
	t.Helper()
	var name, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && name != "":
			return name, data
		}
	}
	t.Fatalf("stream ended: %v", sc.Err())
	return "", ""
}

func TestDeviceEventsSayWhenDataIsDue(t *testing.T) {
	ts, e := newDemoServerWith(t, nil)
	token, user := fieldSalesToken(t, ts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/sync/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", err, resp)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if name, data := readEvent(t, sc); name != "ready" || !strings.Contains(data, fmt.Sprintf(`"version":%d`, e.Applied())) {
		t.Fatalf("first event %s %s", name, data)
	}
	body := fmt.Sprintf(`{"records":[{"entity":"task","id":"7a5c0000-0000-4000-8000-000000000001","ownerid":%q,"attributes":{"subject":"Call back"}}]}`, user)
	if r, b := do(t, "POST", ts.URL+"/v1/records", []byte(body), nil); r.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", r.StatusCode, b)
	}
	if name, data := readEvent(t, sc); name != "changed" || !strings.Contains(data, `"task"`) {
		t.Fatalf("after an ingest: %s %s", name, data)
	}
	// A metadata publish is announced as such.
	sch := e.Schema()
	d := *sch
	d.Entities = append(d.Entities[:0:0], sch.Entities...)
	d.Entities[0].DisplayName = "Accounts (renamed)"
	draft, _ := json.Marshal(map[string]any{"entities": d.Entities})
	if r, b := do(t, "PUT", ts.URL+"/v1/admin/schema/draft", draft, nil); r.StatusCode != 200 {
		t.Fatalf("draft: %d %s", r.StatusCode, b)
	}
	if r, b := do(t, "POST", ts.URL+"/v1/admin/schema/publish", nil, nil); r.StatusCode != 200 {
		t.Fatalf("publish: %d %s", r.StatusCode, b)
	}
	if name, data := readEvent(t, sc); name != "metadata" || !strings.Contains(data, `"metadataVersion":2`) {
		t.Fatalf("after a metadata publish: %s %s", name, data)
	}
}
