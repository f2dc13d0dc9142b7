package server

import (
	"net/http"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
)

// devicePush handles POST /v1/sync/push: the device's offline mutations,
// validated and applied in one replicated command against the state when
// it applies. Each gets its own result; a retry of the same mutation ids
// from the same device applies nothing twice.
func (s *Server) devicePush(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.deviceToken(w, r)
	if !ok {
		return
	}
	app, ok := s.deviceApp(w, r, tok)
	if !ok {
		return
	}
	body, format, err := s.readFormatted(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	// The mutation cap is checked while decoding, before the mutations
	// are allocated: a small body can claim millions of them.
	req, err := codec.DecodePushRequest(body, format, engine.MaxMutationsPerPush)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	p := &engine.Push{User: tok.UserID, Device: tok.ID, App: app}
	for _, m := range req.Mutations {
		p.Mutations = append(p.Mutations, engine.Mutation{ID: m.ID, Entity: m.Entity, RowID: m.RowID, Op: engine.MutationOp(m.Op), Attrs: m.Attrs, BaseVersion: m.BaseVersion})
	}
	res, err := s.propose(r.Context(), &engine.Command{Kind: engine.KindPush, Push: p})
	if err != nil {
		s.deviceErr(w, r, err)
		return
	}
	s.auditRejections(r, tok, app, p, res.Mutations)
	out := codec.PushResponse{Version: res.Version, Results: []codec.PushResult{}}
	for _, m := range res.Mutations {
		out.Results = append(out.Results, codec.PushResult{ID: m.ID, Applied: m.Applied, Version: m.Version, Code: m.Code, Message: m.Message})
	}
	s.writeDevice(w, r, &out, &out)
}
