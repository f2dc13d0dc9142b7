// Package server is offsync's HTTP face, built on net/http route patterns:
// the ingest API for back-office systems (/v1/records), the admin API
// (/v1/admin/), and the ops endpoints (/healthz, /readyz, /metrics).
//
// It never touches Badger: writes go through a Writer (the replication
// node, so every change is a replicated engine command) and reads through a
// Reader (the engine's read transactions). Wall-clock time is read here,
// before proposing, and travels inside the command.
//
// Every failure is a JSON body {"code": ..., "message": ...} with a 4xx
// status for bad input (503 when the node cannot serve), never a panic and
// never a partial write.
package server
