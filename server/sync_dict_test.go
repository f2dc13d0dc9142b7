package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/offsync/offsync/codec"
)

// dictPull pulls with the dictionary of mv held (0: none) and returns the
// status, the answer's headers and its body as received.
func dictPull(t *testing.T, url, token, cursor string, mv uint32, accept string) (int, http.Header, []byte) {
	t.Helper()
	body, _ := codec.Marshal(codec.PullRequest{Cursor: cursor, Dict: mv})
	req, _ := http.NewRequest("POST", url+"/v1/sync/pull", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/msgpack")
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", "zstd, gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestPullWithTheAnswerDictionary: a device that holds its current
// metadata, and says so, gets its small answers coded with the
// dictionary it builds from that metadata alone (header
// Offsync-Dictionary) and its cursor as bytes, smaller than the same
// answer without; one holding stale metadata, or asking for JSON, gets
// the answer every device gets; and either cursor works for the next pull.
func TestPullWithTheAnswerDictionary(t *testing.T) {
	ts, _ := newDemoServer(t)
	token, user := fieldSalesToken(t, ts)
	cursor := syncAll(t, ts.URL, token, "")
	code, md, _ := getMetadata(t, ts, token, "")
	if code != 200 || md.BusinessUnit == "" || md.MetadataVersion == 0 {
		t.Fatalf("metadata: %d %+v", code, md)
	}
	// The dictionary as a device builds it from the metadata answer.
	var ents []codec.DictEntity
	for _, e := range md.Entities {
		de := codec.DictEntity{Name: e.Name}
		for _, a := range e.Attributes {
			de.Columns = append(de.Columns, a.Name)
		}
		ents = append(ents, de)
	}
	bu, _ := codec.GUIDBytes(md.BusinessUnit)
	dict, err := codec.NewDict(uint32(md.MetadataVersion), bu, ents)
	if err != nil {
		t.Fatal(err)
	}
	// The Go device builds it from the msgpack metadata: the same bytes.
	req, _ := http.NewRequest("GET", ts.URL+"/v1/sync/metadata", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	mdWire, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fromWire, err := codec.DictFromMetadata(mdWire)
	if err != nil || fromWire.ID != dict.ID || !bytes.Equal(fromWire.Content(), dict.Content()) {
		t.Fatalf("dictionary from the msgpack metadata differs (%v):\n%x\n%x", err, fromWire.Content(), dict.Content())
	}
	// A task of the user's: a small delta for the device.
	task := "7a5c0000-0000-4000-8000-000000000001"
	rec := fmt.Sprintf(`{"records":[{"entity":"task","id":%q,"ownerid":%q,"attributes":{"subject":"Call back about the renewal"}}]}`, task, user)
	if resp, b := do(t, "POST", ts.URL+"/v1/records", []byte(rec), map[string]string{"Content-Type": "application/json"}); resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	mv := uint32(md.MetadataVersion)
	code, h, plainWire := dictPull(t, ts.URL, token, cursor, 0, "application/msgpack")
	if code != 200 || h.Get(dictHeader) != "" {
		t.Fatalf("pull without a dictionary: %d %v", code, h)
	}
	code, h, wire := dictPull(t, ts.URL, token, cursor, mv, "application/msgpack")
	if code != 200 || h.Get(dictHeader) != dict.Name() || h.Get("Content-Encoding") != "zstd" {
		t.Fatalf("pull with the dictionary: %d %v", code, h)
	}
	if len(wire) >= len(plainWire) {
		t.Fatalf("with the dictionary %d bytes, without %d", len(wire), len(plainWire))
	}
	t.Logf("one-task delta: %d bytes with the dictionary, %d without", len(wire), len(plainWire))
	raw, err := codec.DecompressDict(dict, wire, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := codec.DecodePullResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\xa2cb\xc4")) || pr.Cursor == "" || len(pr.Entities) != 1 || pr.Entities[0].Entity != "task" {
		t.Fatalf("answer: %+v", pr)
	}
	if _, err := codec.Decompress(codec.Zstd, wire, 1<<20); err == nil {
		t.Fatal("plain zstd decoded an answer coded with the dictionary")
	}
	// The cursor of the answer coded with the dictionary is a cursor.
	code, h, wire = dictPull(t, ts.URL, token, pr.Cursor, mv, "application/msgpack")
	if code != 200 || h.Get(dictHeader) != "" || len(wire) > 64 {
		t.Fatalf("no-change pull: %d %v %d bytes", code, h, len(wire))
	}
	quiet, err := codec.DecodePullResponse(wire)
	if err != nil || quiet.Cursor == "" || quiet.MetadataVersion != md.MetadataVersion || len(quiet.Entities) != 0 {
		t.Fatalf("no-change answer: %+v %v", quiet, err)
	}
	t.Logf("no-change answer: %d bytes", len(wire))
	// Stale metadata, or JSON: no dictionary, the cursor as text.
	for _, c := range []struct {
		mv     uint32
		accept string
	}{{mv + 1, "application/msgpack"}, {mv, "application/json"}} {
		code, h, wire := dictPull(t, ts.URL, token, cursor, c.mv, c.accept)
		if code != 200 || h.Get(dictHeader) != "" || bytes.Contains(wire, []byte("\xa2cb\xc4")) {
			t.Fatalf("dict %d, %s: %d %v", c.mv, c.accept, code, h)
		}
	}
}
