package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
)

// TestAppAdminCalls: the app calls, the token call and the profile put
// send the routes and bodies docs/admin-api.md gives (an app by name in
// the path, escaped; the app of a token and a profile by name), and sync
// errors filter by app.
func TestAppAdminCalls(t *testing.T) {
	type req struct{ method, uri, body string }
	var got []req
	a := newTestAdmin(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, req{r.Method, r.URL.RequestURI(), string(b)})
		switch {
		case r.URL.Path == "/v1/admin/apps":
			io.WriteString(w, `[{"id":"a1","name":"Field Service","entities":["account","task"]}]`)
		case r.URL.Path == "/v1/admin/apps/Field Service/included":
			io.WriteString(w, `[{"name":"task","relationships":[{"attribute":"regardingobjectid","targets":["account"]}]}]`)
		case r.URL.Path == "/v1/admin/apps/Field Service" && r.Method == http.MethodGet:
			io.WriteString(w, `{"id":"a1","name":"Field Service","entities":["account","task"]}`)
		case r.URL.Path == "/v1/admin/sync-errors":
			io.WriteString(w, `{"items":[]}`)
		case r.Method == http.MethodPost:
			io.WriteString(w, `{"token":"ofs_x","id":"t1","userId":"u1","app":"a1"}`)
		default:
			io.WriteString(w, `{"version":9}`)
		}
	})
	ctx := context.Background()
	apps, err := a.Apps(ctx)
	if err != nil || len(apps) != 1 || apps[0].Name != "Field Service" {
		t.Fatalf("apps %+v %v", apps, err)
	}
	if app, err := a.App(ctx, "Field Service"); err != nil || app.ID != "a1" || len(app.Entities) != 2 {
		t.Fatalf("app %+v %v", app, err)
	}
	inc, err := a.AppIncluded(ctx, "Field Service")
	if err != nil || len(inc) != 1 || inc[0].Relationships[0].Targets[0] != "account" {
		t.Fatalf("included %+v %v", inc, err)
	}
	if w, err := a.PutApp(ctx, App{ID: "a1", Name: "Field Service", Entities: []string{"task"}, Implicit: true}); err != nil || w.Version != 9 {
		t.Fatalf("put %+v %v", w, err)
	}
	if _, err := a.DeleteApp(ctx, "Field Service"); err != nil {
		t.Fatal(err)
	}
	if tok, err := a.IssueToken(ctx, "u1", "phone", "Field Service"); err != nil || tok.App != "a1" || tok.Token != "ofs_x" {
		t.Fatalf("token %+v %v", tok, err)
	}
	if _, err := a.PutProfile(ctx, Profile{ID: "p1", Name: "Techs", App: "Field Service", Rules: []json.RawMessage{json.RawMessage(`{"entity":"task","rows":["user"]}`)}}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SyncErrors(ctx, SyncErrorQuery{App: "Field Service"}); err != nil {
		t.Fatal(err)
	}
	want := []req{
		{"GET", "/v1/admin/apps", ""},
		{"GET", "/v1/admin/apps/Field%20Service", ""},
		{"GET", "/v1/admin/apps/Field%20Service/included", ""},
		{"PUT", "/v1/admin/apps/a1", `{"name":"Field Service","entities":["task"]}`},
		{"DELETE", "/v1/admin/apps/Field%20Service", ""},
		{"POST", "/v1/admin/users/u1/tokens", `{"name":"phone","app":"Field Service"}`},
		{"PUT", "/v1/admin/profiles/p1?move=true", `{"id":"p1","name":"Techs","app":"Field Service","rules":[{"entity":"task","rows":["user"]}]}`},
		{"GET", "/v1/admin/sync-errors?app=Field+Service", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("requests %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, err := range []error{
		func() error { _, err := a.App(ctx, ""); return err }(),
		func() error { _, err := a.PutApp(ctx, App{Name: "x"}); return err }(),
		func() error { _, err := a.IssueToken(ctx, "", "", ""); return err }(),
		func() error { _, err := a.PutProfile(ctx, Profile{}, false); return err }(),
	} {
		if !errors.Is(err, ErrConfig) {
			t.Errorf("missing id: %v, want ErrConfig", err)
		}
	}
}
