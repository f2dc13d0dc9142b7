package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestAdminTokensModel issues and revokes admin tokens at random and
// checks, after each command, that exactly the live ones authenticate and
// that the list matches a map kept alongside (seeded; the seed is
// printed).
func TestAdminTokensModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	e, _ := openTest(t)
	type entry struct {
		secret, name string
		live         bool
	}
	model := map[string]*entry{}
	var ids []string
	apply := func(cmd *Command) *Result {
		t.Helper()
		res, err := e.Apply(e.Applied()+1, cmd)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for step := range 60 {
		now := int64(1000 + step)
		if len(ids) == 0 || rng.IntN(3) > 0 {
			id := fmt.Sprintf("00000000-0000-4000-8000-%012d", step)
			secret := fmt.Sprintf("ofa_secret-%d-%d", seed, step)
			name := fmt.Sprintf("ops-%d", rng.IntN(4)) // names may repeat
			res := apply(&Command{Kind: KindIssueAdminToken, Now: now, AdminToken: &AdminToken{ID: id, Name: name, Hash: HashTokenSecret(secret)}})
			if res.Err != nil {
				t.Fatalf("step %d: issue: %v", step, res.Err)
			}
			model[id] = &entry{secret: secret, name: name, live: true}
			ids = append(ids, id)
		} else {
			id := ids[rng.IntN(len(ids))]
			if res := apply(&Command{Kind: KindRevokeAdminToken, Now: now, Target: &Target{ID: id}}); res.Err != nil {
				t.Fatalf("step %d: revoke: %v", step, res.Err)
			}
			model[id].live = false
		}
		for id, m := range model {
			tok, err := e.AuthenticateAdmin(m.secret)
			if m.live && (err != nil || tok.ID != id || tok.Name != m.name) {
				t.Fatalf("step %d: live token %s: %+v %v", step, id, tok, err)
			}
			if !m.live && !errors.Is(err, ErrNotFound) {
				t.Fatalf("step %d: revoked token %s still authenticates", step, id)
			}
		}
		list, err := e.AdminTokens()
		if err != nil || len(list) != len(model) {
			t.Fatalf("step %d: list %d tokens, want %d (%v)", step, len(list), len(model), err)
		}
		for _, tok := range list {
			if tok.Revoked == model[tok.ID].live || tok.Hash == "" {
				t.Fatalf("step %d: listed %+v", step, tok)
			}
		}
	}
	if _, err := e.AuthenticateAdmin("ofa_never-issued"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown secret: %v", err)
	}
}

func TestAdminTokenRefusals(t *testing.T) {
	e, _ := openTest(t)
	const id = "00000000-0000-4000-8000-000000000001"
	hash := HashTokenSecret("ofa_x")
	for _, c := range []struct {
		cmd  *Command
		want error
	}{
		{&Command{Kind: KindIssueAdminToken, AdminToken: &AdminToken{ID: id, Name: " ", Hash: hash}}, ErrInvalid},
		{&Command{Kind: KindIssueAdminToken, AdminToken: &AdminToken{ID: id, Name: "ops", Hash: "short"}}, ErrInvalid},
		{&Command{Kind: KindIssueAdminToken, AdminToken: &AdminToken{ID: "nope", Name: "ops", Hash: hash}}, ErrInvalid},
		{&Command{Kind: KindIssueAdminToken}, ErrInvalid},
		{&Command{Kind: KindRevokeAdminToken, Target: &Target{ID: id}}, ErrNotFound},
		{&Command{Kind: KindIssueAdminToken, AdminToken: &AdminToken{ID: id, Name: "ops", Hash: hash}}, nil},
		{&Command{Kind: KindIssueAdminToken, AdminToken: &AdminToken{ID: id, Name: "again", Hash: hash}}, ErrConflict},
	} {
		res, err := e.Apply(e.Applied()+1, c.cmd)
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res.Err, c.want) || (c.want == nil) != (res.Err == nil) {
			t.Fatalf("%s %+v: %v, want %v", c.cmd.Kind, c.cmd.AdminToken, res.Err, c.want)
		}
	}
}
