package replication

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// logLines decodes the JSON lines written to buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not one JSON object a line: %q", l)
		}
		out = append(out, m)
	}
	return out
}

func TestHCLogAdapterLevelsAndFields(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHCLogger(l, "raft", slog.LevelWarn)
	h.Info("routine")                                       // below Raft's own level
	h.Named("net").With("peer", "n2").Warn("slow", "ms", 7) // kept, with its fields
	h.Error("broken", "servers", hclog.Fmt("%d voters", 3))
	lines := logLines(t, &buf)
	if len(lines) != 2 {
		t.Fatalf("lines: %v", lines)
	}
	w := lines[0]
	if w["level"] != "WARN" || w["msg"] != "slow" || w["logger"] != "raft.net" || w["peer"] != "n2" || w["ms"] != float64(7) {
		t.Fatalf("warn line: %v", w)
	}
	if strings.Contains(w["msg"].(string), "[WARN]") || lines[1]["level"] != "ERROR" || lines[1]["servers"] != "3 voters" {
		t.Fatalf("lines: %v", lines)
	}
	if h.IsInfo() || !h.IsWarn() {
		t.Fatal("IsInfo/IsWarn do not follow the level")
	}
}

func TestHCLogAdapterFirstElectionIsNotAWarning(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := newHCLogger(l, "raft", slog.LevelInfo)
	const msg = "heartbeat timeout reached, starting election"
	h.Warn(msg, "last-leader-addr", "", "last-leader-id", "")                                         // no leader known yet: a start
	h.Warn(msg, "last-leader-addr", raft.ServerAddress("a:1"), "last-leader-id", raft.ServerID("n1")) // the leader went away
	lines := logLines(t, &buf)
	if len(lines) != 2 || lines[0]["level"] != "INFO" || lines[1]["level"] != "WARN" {
		t.Fatalf("lines: %v", lines)
	}
}
