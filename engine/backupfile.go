package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
)

// A backup file (offsync backup, GET /v1/admin/backup) is a Badger backup
// in a small frame, so that a cut or damaged file is refused on restore
// rather than loaded in part:
//
//	header   "OFFSYNCBAK1\n" (12 bytes), version (uint64, big endian)
//	chunks   length (uint32, big endian, 1..MaxBackupChunk), bytes
//	trailer  length 0, total bytes of the chunks (uint64), SHA-256 of
//	         the header and the chunks' bytes (32 bytes)
//
// The version is the applied version the backup holds exactly.

const backupMagic = "OFFSYNCBAK1\n"

// MaxBackupChunk caps one chunk of a backup file.
const MaxBackupChunk = 1 << 20

// ErrBadBackup means a backup file is cut short, damaged or not a backup.
var ErrBadBackup = errors.New("bad backup file")

// BackupWriter frames a Badger backup stream as a backup file. Nothing is
// written before the first Write or Close.
type BackupWriter struct {
	w       io.Writer
	version uint64
	sum     hash.Hash
	total   uint64
	n       int64 // bytes written to w
	started bool
}

// NewBackupWriter returns a writer of a backup file at version to w.
func NewBackupWriter(w io.Writer, version uint64) *BackupWriter {
	return &BackupWriter{w: w, version: version, sum: sha256.New()}
}

func (b *BackupWriter) put(p []byte, hashed bool) error {
	if hashed {
		b.sum.Write(p)
	}
	n, err := b.w.Write(p)
	b.n += int64(n)
	if err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

func (b *BackupWriter) start() error {
	if b.started {
		return nil
	}
	b.started = true
	hdr := binary.BigEndian.AppendUint64([]byte(backupMagic), b.version)
	return b.put(hdr, true)
}

// Write writes p as chunks.
func (b *BackupWriter) Write(p []byte) (int, error) {
	if err := b.start(); err != nil {
		return 0, err
	}
	done := 0
	for len(p) > 0 {
		c := p[:min(len(p), MaxBackupChunk)]
		if err := b.put(binary.BigEndian.AppendUint32(nil, uint32(len(c))), false); err != nil {
			return done, err
		}
		if err := b.put(c, true); err != nil {
			return done, err
		}
		b.total += uint64(len(c))
		done += len(c)
		p = p[len(c):]
	}
	return done, nil
}

// Close writes the trailer. It does not close the underlying writer.
func (b *BackupWriter) Close() error {
	if err := b.start(); err != nil {
		return err
	}
	tr := binary.BigEndian.AppendUint32(nil, 0)
	tr = binary.BigEndian.AppendUint64(tr, b.total)
	return b.put(b.sum.Sum(tr), false)
}

// OpenBackup reads a backup file's header and returns its version and a
// reader of the Badger backup inside. The reader ends with io.EOF only
// after the trailer matched; a cut or damaged file ends it with
// ErrBadBackup (wrapped).
func OpenBackup(r io.Reader) (uint64, io.Reader, error) {
	hdr := make([]byte, len(backupMagic)+8)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return 0, nil, fmt.Errorf("read backup header: %v: %w", err, ErrBadBackup)
	}
	if string(hdr[:len(backupMagic)]) != backupMagic {
		return 0, nil, fmt.Errorf("read backup header: not an offsync backup: %w", ErrBadBackup)
	}
	br := &backupReader{r: r, sum: sha256.New()}
	br.sum.Write(hdr)
	return binary.BigEndian.Uint64(hdr[len(backupMagic):]), br, nil
}

// backupReader reads the chunks of a backup file.
type backupReader struct {
	r     io.Reader
	sum   hash.Hash
	left  uint32 // bytes left in the current chunk
	total uint64
	err   error // sticky: io.EOF after a good trailer
}

// Read implements io.Reader.
func (b *backupReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left == 0 {
		var l [4]byte
		if _, err := io.ReadFull(b.r, l[:]); err != nil {
			b.err = fmt.Errorf("read backup: cut short: %w", ErrBadBackup)
			return 0, b.err
		}
		b.left = binary.BigEndian.Uint32(l[:])
		if b.left > MaxBackupChunk {
			b.err = fmt.Errorf("read backup: chunk of %d bytes: %w", b.left, ErrBadBackup)
			return 0, b.err
		}
		if b.left == 0 {
			b.err = b.trailer()
			return 0, b.err
		}
	}
	n, err := b.r.Read(p[:min(len(p), int(b.left))])
	b.sum.Write(p[:n])
	b.left -= uint32(n)
	b.total += uint64(n)
	if err == io.EOF {
		if n == 0 {
			b.err = fmt.Errorf("read backup: cut short: %w", ErrBadBackup)
			return 0, b.err
		}
		err = nil // the next Read finds the rest or the cut
	}
	if err != nil && err != io.EOF {
		b.err = fmt.Errorf("read backup: %w", err)
		return n, b.err
	}
	return n, nil
}

func (b *backupReader) trailer() error {
	var t [8 + sha256.Size]byte
	if _, err := io.ReadFull(b.r, t[:]); err != nil {
		return fmt.Errorf("read backup trailer: cut short: %w", ErrBadBackup)
	}
	if binary.BigEndian.Uint64(t[:8]) != b.total {
		return fmt.Errorf("read backup trailer: %d bytes announced, %d read: %w", binary.BigEndian.Uint64(t[:8]), b.total, ErrBadBackup)
	}
	if string(b.sum.Sum(nil)) != string(t[8:]) {
		return fmt.Errorf("read backup trailer: checksum mismatch: %w", ErrBadBackup)
	}
	return io.EOF
}
