package client

import (
	"errors"
	"strings"
	"testing"
)

func TestReadEvents(t *testing.T) {
	stream := ": comment\n\nevent: ready\ndata: {\"version\":1}\n\nevent: changed\ndata: a\ndata: b\nid: 7\n\ndata: orphan\n\nevent: metadata\n"
	var got []Event
	if err := readEvents(strings.NewReader(stream), func(e Event) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []Event{{Name: "ready", Data: `{"version":1}`}, {Name: "changed", Data: "a\nb"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v (an event without a blank line after it is not complete)", got, want)
	}
	stop := errors.New("stop")
	if err := readEvents(strings.NewReader(stream), func(Event) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("fn's error: %v", err)
	}
}

// FuzzReadEvents: any stream reads without a panic, and every event it
// yields has a name and came from an "event: " line.
func FuzzReadEvents(f *testing.F) {
	f.Add("event: ready\ndata: {}\n\n")
	f.Add("event: changed\ndata: a\ndata: b\n\n: ping\n\n")
	f.Add(strings.Repeat("data: x", 10000))
	f.Fuzz(func(t *testing.T, s string) {
		_ = readEvents(strings.NewReader(s), func(e Event) error {
			if e.Name == "" || !strings.Contains(s, "event: "+e.Name) {
				t.Fatalf("event %+v from %q", e, s)
			}
			return nil
		})
	})
}
