package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/offsync/offsync/replication"
)

// Leadership transfer: POST /v1/admin/cluster/leader hands leadership to
// another voter (`offsync cluster transfer-leader`), so that a leader can
// be stopped for maintenance without an election timeout's worth of
// refused writes. Like membership changes it runs on the leader; any
// other node relays it there.

// leaderTransferrer hands leadership over (replication.Node).
type leaderTransferrer interface {
	TransferLeadership(to string, timeout time.Duration) (string, error)
}

// TransferLeaderRequest asks for a leadership transfer: to the voter To,
// or, when To is empty, to the most up-to-date other voter.
type TransferLeaderRequest struct {
	To string `json:"to,omitempty"`
}

// TransferLeaderAnswer names the new leader.
type TransferLeaderAnswer struct {
	Leader string `json:"leader"`
}

// clusterTransferLeader handles POST /v1/admin/cluster/leader. It answers
// once a new leader is known.
func (s *Server) clusterTransferLeader(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var req TransferLeaderRequest
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || dec.More() {
			writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("decode JSON body: not a transfer request (%v)", err))
			return
		}
	}
	lt, ok := s.w.(leaderTransferrer)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this node has no cluster")
		return
	}
	var ans TransferLeaderAnswer
	ans.Leader, err = lt.TransferLeadership(req.To, s.cfg.WriteTimeout)
	switch {
	case errors.Is(err, replication.ErrNotLeader):
		s.relayToLeader(w, r, body)
	case errors.Is(err, replication.ErrUnknownMember):
		writeError(w, http.StatusNotFound, CodeNotFound, "no member has that id")
	case errors.Is(err, replication.ErrInvalid):
		writeError(w, http.StatusBadRequest, CodeInvalid, err.Error())
	case errors.Is(err, replication.ErrTimeout):
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, err.Error())
	case err != nil:
		writeError(w, http.StatusConflict, CodeConflict, err.Error())
	default:
		writeJSON(w, http.StatusOK, ans)
	}
}
