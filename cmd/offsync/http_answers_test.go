package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// plainHTTP sends requests without Go's automatic Accept-Encoding, as curl
// does.
var plainHTTP = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func TestFormBodyIsAnUnsupportedContentType(t *testing.T) {
	a := newAdminEnv(t)
	req, _ := http.NewRequest(http.MethodPost, a.base+"/v1/records", strings.NewReader("entity=account"))
	req.Header.Set("Authorization", "Bearer "+adminTestToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := plainHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Code, Message string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(e.Message, `unsupported Content-Type "application/x-www-form-urlencoded"`) ||
		strings.Contains(e.Message, "encoding") {
		t.Fatalf("%d %+v", resp.StatusCode, e)
	}
}

func TestAcceptJSONIsUncompressedUnlessAsked(t *testing.T) {
	a := newAdminEnv(t)
	var prof struct{ Users []string }
	a.json(&prof, "profile", "get", "Field Sales")
	var tok struct{ Token string }
	a.json(&tok, "token", "create", "--user", prof.Users[0])
	pull := func(acceptEncoding string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, a.base+"/v1/sync/pull", strings.NewReader(`{"cursor":""}`))
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		resp, err := plainHTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	resp := pull("")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !json.Valid(body) {
		t.Fatalf("%d %q: %.100q", resp.StatusCode, resp.Header.Get("Content-Encoding"), body)
	}
	if resp := pull("zstd"); resp.Header.Get("Content-Encoding") != "zstd" {
		t.Fatalf("asked for zstd, got %q", resp.Header.Get("Content-Encoding"))
	}
}
