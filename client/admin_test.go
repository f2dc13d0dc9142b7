package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testToken = "admin-token-for-tests"

// newTestAdmin serves h and returns an Admin pointed at it.
func newTestAdmin(t *testing.T, h http.HandlerFunc) *Admin {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	a, err := NewAdmin(ts.URL+"/", testToken)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewAdminValidates(t *testing.T) {
	for _, c := range []struct{ server, token string }{
		{"", testToken},
		{"127.0.0.1:7070", testToken},
		{"ftp://example.com", testToken},
		{"http://", testToken},
		{"http://example.com/?x=1", testToken},
		{"http://user:pw@example.com", testToken},
		{"http://example.com", ""},
		{"http://example.com", "two words"},
		{"http://example.com", "line\nbreak"},
	} {
		if _, err := NewAdmin(c.server, c.token); !errors.Is(err, ErrConfig) {
			t.Errorf("NewAdmin(%q, %q) = %v, want ErrConfig", c.server, c.token, err)
		}
	}
	a, err := NewAdmin("https://offsync.example.com/prefix/", testToken)
	if err != nil {
		t.Fatal(err)
	}
	if a.Server != "https://offsync.example.com/prefix" || a.HTTP == nil || a.HTTP.Timeout != DefaultTimeout {
		t.Fatalf("admin %+v", a)
	}
}

func TestDoSendsJSONAndDecodes(t *testing.T) {
	a := newTestAdmin(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization %q", got)
		}
		if r.Method != http.MethodPut || r.URL.Path != "/v1/admin/users/u1" || r.URL.Query().Get("move") != "true" {
			t.Errorf("request %s %s", r.Method, r.URL)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		b, _ := io.ReadAll(r.Body)
		if string(b) != `{"name":"Ann"}` {
			t.Errorf("body %s", b)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"version": 42}`)
	})
	var out struct{ Version uint64 }
	if err := a.Do(context.Background(), http.MethodPut, "/v1/admin/users/u1?move=true", map[string]string{"name": "Ann"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.Version != 42 {
		t.Fatalf("version %d", out.Version)
	}
}

func TestDoWithoutBodyOrOut(t *testing.T) {
	a := newTestAdmin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
			t.Errorf("unexpected body: length %d, type %q", r.ContentLength, r.Header.Get("Content-Type"))
		}
		io.WriteString(w, `not even json`)
	})
	if err := a.Do(context.Background(), http.MethodDelete, "/v1/admin/tokens/t1", nil, nil); err != nil {
		t.Fatal(err)
	}
	var raw json.RawMessage
	if err := a.Do(context.Background(), http.MethodGet, "/v1/admin/users", nil, &raw); !errors.Is(err, ErrResponse) {
		t.Fatalf("undecodable 2xx: %v, want ErrResponse", err)
	}
}

func TestDoMapsErrors(t *testing.T) {
	for _, c := range []struct {
		name        string
		status      int
		body        string
		wantCode    string
		wantMessage string
		want        error
	}{
		{"conflict", 409, `{"code":"conflict","message":"users[0]: user x is already a member of profile p"}`, "conflict", "users[0]: user x is already a member of profile p", ErrConflict},
		{"unauthorized", 401, `{"code":"unauthorized","message":"a valid admin token is required"}`, "unauthorized", "a valid admin token is required", ErrUnauthorized},
		{"not found", 404, `{"code":"not_found","message":"profile x not found"}`, "not_found", "profile x not found", ErrNotFound},
		{"invalid", 400, `{"code":"invalid","message":"name: required"}`, "invalid", "name: required", ErrInvalid},
		{"bad request", 400, `{"code":"bad_request","message":"decode body"}`, "bad_request", "decode body", ErrBadRequest},
		{"too large", 413, `{"code":"too_large","message":"big"}`, "too_large", "big", ErrTooLarge},
		{"forbidden", 403, `{"code":"forbidden","message":"this device token syncs for app x only"}`, "forbidden", "this device token syncs for app x only", ErrForbidden},
		{"no profile", 403, `{"code":"no_profile","message":"m"}`, "no_profile", "m", ErrForbidden},
		{"unavailable", 503, `{"code":"unavailable","message":"retry"}`, "unavailable", "retry", ErrUnavailable},
		{"unknown code, known status", 409, `{"code":"stale","message":"m"}`, "stale", "m", ErrConflict},
		{"html page", 502, "<html>\n<body>Bad   Gateway</body></html>", "http_502", "<html> <body>Bad Gateway</body></html>", nil},
		{"empty body", 404, "", "not_found", "Not Found", ErrNotFound},
		{"internal", 500, `{"code":"internal","message":"internal error"}`, "internal", "internal error", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAdmin(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			})
			err := a.Do(context.Background(), http.MethodGet, "/v1/admin/x", nil, nil)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err %v (%T), want *APIError", err, err)
			}
			if ae.Status != c.status || ae.Code != c.wantCode || ae.Message != c.wantMessage {
				t.Fatalf("got %+v", ae)
			}
			if err.Error() != c.wantCode+": "+c.wantMessage {
				t.Fatalf("Error() = %q", err.Error())
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("errors.Is(%v, %v) = false", err, c.want)
			}
			if c.want == nil && errors.Unwrap(err) != nil {
				t.Fatalf("unexpected sentinel %v", errors.Unwrap(err))
			}
		})
	}
}

func TestDoLongErrorBodyIsCut(t *testing.T) {
	a := newTestAdmin(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, strings.Repeat("é", 1000))
	})
	var ae *APIError
	if err := a.Do(context.Background(), http.MethodGet, "/", nil, nil); !errors.As(err, &ae) {
		t.Fatal(err)
	}
	if len(ae.Message) > 210 || !strings.HasSuffix(ae.Message, "...") || !strings.HasPrefix(ae.Message, "éé") {
		t.Fatalf("message %q", ae.Message)
	}
}

func TestDoTransportErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := ts.URL
	ts.Close()
	a, err := NewAdmin(url, testToken)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Do(context.Background(), http.MethodGet, "/v1/admin/users", nil, nil)
	var ae *APIError
	if err == nil || errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "send request: ") {
		t.Fatalf("closed server: %v", err)
	}

	a = newTestAdmin(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.Do(ctx, http.MethodGet, "/slow", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
	if err := a.Do(context.Background(), http.MethodGet, "/x", func() {}, nil); err == nil || !strings.HasPrefix(err.Error(), "encode request: ") {
		t.Fatalf("unencodable body: %v", err)
	}
}
