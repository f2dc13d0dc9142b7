package replication_test

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/offsync/offsync/replication"
	"github.com/offsync/offsync/replication/clustertest"
)

// mutualServer accepts mutual-TLS connections with r's node config and
// completes their handshakes; it returns the address.
func mutualServer(t *testing.T, r *replication.CertReloader) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(ln, r.Config())
	t.Cleanup(func() { tl.Close() })
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// serialSeen dials addr with r's node config (a client certificate, the
// server checked against the current CA) and returns the serial of the
// server's certificate.
func serialSeen(t *testing.T, r *replication.CertReloader, addr string) int64 {
	t.Helper()
	c, err := tls.Dial("tcp", addr, replication.DialTLS(r.Config(), "127.0.0.1"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// waitSerial waits until a new connection sees serial.
func waitSerial(t *testing.T, r *replication.CertReloader, addr string, serial int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for serialSeen(t, r, addr) != serial {
		if time.Now().After(deadline) {
			t.Fatalf("new connections still see serial %d, want %d", serialSeen(t, r, addr), serial)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCertReloader: replaced certificate files are used by new
// connections after a signal or, without one, once the poll sees the
// files change; files that do not load leave the material in use; a new
// CA (with new certificates) is trusted at once.
func TestCertReloader(t *testing.T) {
	pki := clustertest.WritePKI(t, t.TempDir())
	r, err := replication.NewCertReloader(pki.Cert, pki.Key, pki.CA, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := mutualServer(t, r)
	if got := serialSeen(t, r, addr); got != 2 {
		t.Fatalf("serial %d, want 2", got)
	}

	// A signal reloads (the poll is too slow to matter here).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	go r.Watch(ctx, time.Hour, hup)
	pki.Issue(t, 7, pki.Cert, pki.Key)
	hup <- syscall.SIGHUP
	waitSerial(t, r, addr, 7)

	// Files that do not load: the old material stays.
	if err := os.WriteFile(pki.Cert, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(); err == nil {
		t.Fatal("Reload accepted a broken certificate file")
	}
	if got := serialSeen(t, r, addr); got != 7 {
		t.Fatalf("after a failed reload: serial %d, want 7", got)
	}

	// The poll notices changed files by itself.
	go r.Watch(ctx, 10*time.Millisecond, nil)
	pki.Issue(t, 8, pki.Cert, pki.Key)
	waitSerial(t, r, addr, 8)

	// A new CA and certificates signed by it replace the old ones.
	fresh := clustertest.WritePKI(t, t.TempDir())
	for _, f := range [][2]string{{fresh.CA, pki.CA}, {fresh.Cert, pki.Cert}, {fresh.Key, pki.Key}} {
		b, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f[1]+".new", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f[1]+".new", f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := serialSeen(t, r, addr); got != 2 {
		t.Fatalf("after a new CA: serial %d, want 2", got)
	}
	// A node of another CA is still refused.
	stranger := clustertest.WritePKI(t, t.TempDir())
	cfg, err := replication.LoadTLS(stranger.Cert, stranger.Key, stranger.CA)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ServerName = "127.0.0.1"
	if c, err := tls.Dial("tcp", addr, cfg); err == nil {
		c.Close()
		t.Fatal("a node of another CA completed a handshake")
	}
}
