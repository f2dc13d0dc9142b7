package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/offsync/offsync/codec"
	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/replication"
)

// IngestResponse is the answer to an accepted ingest batch.
type IngestResponse struct {
	// Version is the version the whole batch was applied at.
	Version uint64 `json:"version" msgpack:"version"`
	// Count is how many records were written.
	Count int `json:"count" msgpack:"count"`
}

// ingest handles POST /v1/records: a batch of upserts and deletes, in JSON
// or msgpack, applied all or nothing.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request) {
	body, format, err := s.readFormatted(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	// The record cap is checked while decoding, before the records are
	// allocated: a small body can claim millions of them.
	batch, err := codec.DecodeBatch(body, format, s.cfg.MaxBatchRecords)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	res, err := s.propose(r.Context(), &engine.Command{Kind: engine.KindIngest, Records: batch.Records})
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.metrics.rows.Add(float64(res.Rows))
	writeJSON(w, http.StatusOK, IngestResponse{Version: res.Version, Count: res.Rows})
}

// propose stamps cmd with the wall-clock time and replicates it. A
// rejection by the engine comes back as an error.
func (s *Server) propose(ctx context.Context, cmd *engine.Command) (*engine.Result, error) {
	cmd.Now = s.now().UnixMilli()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	res, err := s.w.Propose(ctx, cmd)
	if errors.Is(err, replication.ErrNotLeader) {
		res, err = s.forward(ctx, cmd)
	}
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return res, nil
}

// getRecord handles GET /v1/records/{entity}/{id}: one current row.
func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	entity := r.PathValue("entity")
	if s.r.Schema().Entity(entity) == nil {
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("unknown entity %q", entity))
		return
	}
	row, err := s.r.Get(entity, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, row)
}
