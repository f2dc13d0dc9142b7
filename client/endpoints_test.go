package client

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEndpointsLearnPreferAndPersist: learned members come after the
// configured ones, the node that last answered comes first, a device on
// https learns no plain-http member, bad entries are skipped, and a store
// reopened without servers uses the ones it recorded.
func TestEndpointsLearnPreferAndPersist(t *testing.T) {
	store := tempStore(t)
	d, err := OpenDevice(DeviceConfig{Store: store, Server: "https://a.example/", Servers: []string{"https://b.example", "https://a.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Endpoints(), []string{"https://a.example", "https://b.example"}; !slices.Equal(got, want) {
		t.Fatalf("configured endpoints %v, want %v", got, want)
	}
	d.learnFrom("https://a.example", "https://c.example, http://d.example,not a url,https://b.example,https://u:p@e.example")
	d.eps.answered("https://c.example")
	if got, want := d.Endpoints(), []string{"https://c.example", "https://a.example", "https://b.example"}; !slices.Equal(got, want) {
		t.Fatalf("after learning %v, want %v", got, want)
	}
	if err := d.saveEndpoints(); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d, err = OpenDevice(DeviceConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got, want := d.Endpoints(), []string{"https://c.example", "https://a.example", "https://b.example"}; !slices.Equal(got, want) {
		t.Fatalf("reopened without servers: %v, want %v", got, want)
	}
	d.eps.failed("https://c.example")
	if got := d.Endpoints()[0]; got != "https://a.example" {
		t.Fatalf("after c failed, %s comes first", got)
	}
	d.eps.answered("https://c.example")
	if err := d.saveEndpoints(); err != nil {
		t.Fatal(err)
	}
	d.Close()
	// Pointed at another node on purpose: what it learned from the old
	// ones (their members, the last that answered) goes.
	d, err = OpenDevice(DeviceConfig{Store: store, Server: "https://z.example"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Endpoints(), []string{"https://z.example"}; !slices.Equal(got, want) {
		t.Fatalf("pointed elsewhere: %v, want %v", got, want)
	}
	if err := d.saveEndpoints(); err != nil { // as its next sync does
		t.Fatal(err)
	}
	d.Close()
	d, err = OpenDevice(DeviceConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Endpoints(), []string{"https://z.example"}; !slices.Equal(got, want) {
		t.Fatalf("reopened after being pointed elsewhere: %v, want %v", got, want)
	}
	// Over http, plain-http members are fine.
	e, err := newEndpoints([]string{"http://a.example"})
	if err != nil {
		t.Fatal(err)
	}
	e.learn("http://a.example", "http://b.example")
	if got := e.order(); !slices.Equal(got, []string{"http://a.example", "http://b.example"}) {
		t.Fatalf("http device: %v", got)
	}
}

// TestOpenDeviceChecksServersAndRetry: a server that is not an http(s)
// base URL, and a bad RetryConfig, are refused naming the field.
func TestOpenDeviceChecksServersAndRetry(t *testing.T) {
	for _, c := range []struct {
		cfg  DeviceConfig
		want string
	}{
		{DeviceConfig{Server: "ftp://a"}, `Server "ftp://a"`},
		{DeviceConfig{Server: "http://a", Servers: []string{"http://b?x=1"}}, `Server "http://b?x=1"`},
		{DeviceConfig{Server: "http://a", Retry: RetryConfig{Rounds: 0, BaseDelay: time.Second}}, "Rounds"},
		{DeviceConfig{Server: "http://a", Retry: RetryConfig{Rounds: 2, BaseDelay: time.Second, MaxDelay: time.Millisecond}}, "MaxDelay"},
	} {
		c.cfg.Store = tempStore(t)
		d, err := OpenDevice(c.cfg)
		if err == nil {
			d.Close()
			t.Fatalf("%+v: opened", c.cfg)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want it to name %s", c.cfg, err, c.want)
		}
	}
}

// TestRetryPauseIsBoundedAndJittered: pauses grow, stay within half and
// one and a half times the doubled base, and never pass MaxDelay.
func TestRetryPauseIsBoundedAndJittered(t *testing.T) {
	c := RetryConfig{Rounds: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for round := 1; round < 10; round++ {
		base := min(c.BaseDelay<<(round-1), c.MaxDelay)
		for range 50 {
			p := c.pause(round)
			if p < base/2 || p > c.MaxDelay || p >= base*3/2 {
				t.Fatalf("round %d: pause %v, base %v", round, p, base)
			}
		}
	}
}

// FuzzLearnMembers: whatever a node sends in Offsync-Members, learning it
// never panics, keeps at most maxLearned members, each a normalized
// http(s) base URL named once, none over plain http for a device that
// talks https, and never touches the configured endpoints.
func FuzzLearnMembers(f *testing.F) {
	f.Add("https://a.example", "https://a.example:7070,https://b.example:7070")
	f.Add("http://127.0.0.1:7070", "http://127.0.0.1:7071, http://127.0.0.1:7072/,,http://127.0.0.1:7071")
	f.Add("https://a.example", "http://b.example,ftp://c,https://u:p@d,https://e?x=1,https://[::1]:7070")
	f.Fuzz(func(t *testing.T, from, header string) {
		e, err := newEndpoints([]string{"https://configured.example"})
		if err != nil {
			t.Fatal(err)
		}
		e.learn(from, header)
		learned, _ := e.current()
		if len(learned) > maxLearned {
			t.Fatalf("%d members learned", len(learned))
		}
		seen := map[string]bool{}
		for _, u := range learned {
			if n, err := normalizeEndpoint(u); err != nil || n != u {
				t.Fatalf("learned %q, which normalizes to %q (%v)", u, n, err)
			}
			if seen[u] {
				t.Fatalf("learned %q twice", u)
			}
			seen[u] = true
			if strings.HasPrefix(u, "http://") && !strings.HasPrefix(from, "http://") {
				t.Fatalf("learned %q over plain http from %q", u, from)
			}
		}
		if order := e.order(); len(order) == 0 || order[0] != "https://configured.example" {
			t.Fatalf("the configured endpoint is not first: %v", order)
		}
	})
}
