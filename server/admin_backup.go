package server

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// GET /v1/admin/backup streams a backup file of this node's database (see
// engine.Backup for the format): consistent at one version, taken online
// (writes go on while it streams), one at a time per node. The version
// is in the X-Offsync-Version header; X-Offsync-Backup-Estimate is
// Badger's size on disk, for progress bars (the file is usually smaller).
// A backup that fails half way is cut off without its trailer, which
// offsync backup and offsync restore detect.

// Backup headers.
const (
	HeaderVersion        = "X-Offsync-Version"
	HeaderBackupEstimate = "X-Offsync-Backup-Estimate"
)

// CodeBackupRunning (429): a backup is already streaming from this node.
const CodeBackupRunning = "backup_running"

// backupWriteTimeout bounds one write of a backup to its client: a client
// that stops reading is cut off, a slow but steady one is not.
const backupWriteTimeout = time.Minute

// backupSource writes backups (engine.Engine).
type backupSource interface {
	Backup(w io.Writer, begin func(version uint64)) (int64, error)
	Size() (lsm, vlog int64)
}

func (s *Server) adminBackup(w http.ResponseWriter, r *http.Request) {
	src, ok := s.r.(backupSource)
	if !ok {
		writeError(w, http.StatusNotFound, CodeNotFound, "this server cannot take backups")
		return
	}
	if !s.backupBusy.CompareAndSwap(false, true) {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, CodeBackupRunning, "a backup is already running on this node; retry when it ends")
		return
	}
	defer s.backupBusy.Store(false)
	lsm, vlog := src.Size()
	rc := http.NewResponseController(w)
	bw := &deadlineWriter{w: w, rc: rc}
	var version uint64
	n, err := src.Backup(bw, func(v uint64) {
		version = v
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="offsync-%d.backup"`, v))
		h.Set(HeaderVersion, strconv.FormatUint(v, 10))
		h.Set(HeaderBackupEstimate, strconv.FormatInt(lsm+vlog, 10))
	})
	if err != nil {
		if bw.n == 0 {
			s.writeErr(w, r, err)
			return
		}
		// Cut off without a trailer: the client sees it.
		s.log.Warn("backup failed", "version", version, "bytes", n, "err", err)
		return
	}
	s.log.Info("backup sent", "version", version, "bytes", n)
}

// deadlineWriter sets a write deadline before each write.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
	n  int64
}

// Write implements io.Writer.
func (d *deadlineWriter) Write(p []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(backupWriteTimeout))
	n, err := d.w.Write(p)
	d.n += int64(n)
	return n, err
}
