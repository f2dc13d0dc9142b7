package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// TestHarnessDevicesUseTheAnswerDictionary: a harness device fetches
// its metadata once an answer names a version it has no dictionary of,
// says in its next pull that it holds it and decodes the answer coded
// with it; the static baseline serves that answer again, header and
// all, and its devices decode it with the dictionaries of the recorded
// answers.
func TestHarnessDevicesUseTheAnswerDictionary(t *testing.T) {
	const mv = 77
	md, err := codec.Marshal(map[string]any{"metadataVersion": mv, "businessUnit": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"entities": []any{map[string]any{"name": "task", "attributes": []any{map[string]any{"n": "subject"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	dict, err := codec.DictFromMetadata(md)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := codec.GUIDBytes("6f9619ff-8b86-4011-b42d-00c04fc964ff")
	var asked []uint32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/sync/metadata" {
			_, _ = w.Write(md)
			return
		}
		body, _ := io.ReadAll(r.Body)
		req, _ := codec.DecodePullRequest(body, codec.FormatMsgpack)
		asked = append(asked, req.Dict)
		ans := codec.PullResponse{Version: 3, MetadataVersion: mv, Cursor: "c3", Entities: []codec.EntityChanges{{Entity: "task",
			Columns: []string{"subject"}, Rows: [][]any{{id, int64(-1), int64(-1), int64(1), int64(2), int64(3), "Call"}}}}}
		if req.Dict != mv {
			b, _ := codec.MarshalCompact(&ans)
			_, _ = w.Write(b)
			return
		}
		ans.Cursor, ans.CursorBytes = "", []byte{9, 9}
		b, _ := codec.MarshalCompact(&ans)
		packed := codec.CompressDict(dict, nil, b)
		w.Header().Set("Content-Encoding", "zstd")
		w.Header().Set(client.DictHeader, dict.Name())
		_, _ = w.Write(packed)
	}))
	t.Cleanup(ts.Close)
	p := &puller{hc: newHTTPClient(2), url: ts.URL + "/v1/sync/pull", dicts: newDictSet(ts.URL)}
	ctx := context.Background()
	var answers []pullAnswer
	for range 2 {
		a, err := p.pull(ctx, "tok", "")
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, a)
	}
	if len(asked) != 2 || asked[0] != 0 || asked[1] != mv || answers[1].dict == nil || answers[1].resp.Cursor != "CQk" || answers[1].changes() != 1 {
		t.Fatalf("pulls held %v; second answer %+v", asked, answers[1].resp)
	}
	s, err := startStatic(answers[1:], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	sp := &puller{hc: newHTTPClient(2), url: s.url + "/v1/sync/pull", dicts: dictsOf(answers)}
	a, err := sp.pull(ctx, "tok", "")
	if err != nil || a.changes() != 1 || !bytes.Equal(a.wire, answers[1].wire) {
		t.Fatalf("static replay: %v", err)
	}
	if _, err := (&puller{hc: newHTTPClient(2), url: s.url + "/v1/sync/pull"}).pull(ctx, "tok", ""); err == nil {
		t.Fatal("a device without the dictionary decoded an answer coded with it")
	}
}
