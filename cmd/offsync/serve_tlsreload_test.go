package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offsync/offsync/replication/clustertest"
)

// TestServeReloadsTLSOnSIGHUP starts a TLS node in-process, replaces its
// certificate files with a new certificate and sends SIGHUP: new HTTPS
// connections and new connections to its Raft listener see the new
// certificate's serial, and the node still reaches itself over HTTPS
// (cluster status asks each member, this one included).
func TestServeReloadsTLSOnSIGHUP(t *testing.T) {
	pki := clustertest.WritePKI(t, t.TempDir())
	t.Setenv(envTLSCA, pki.CA)
	httpAddr, raftAddr, data := freeAddr(t), freeAddr(t), t.TempDir() // removed after the cleanup below
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, "serve", "--data", data, "--http", httpAddr, "--raft", raftAddr, "--admin-token", e2eToken,
			"--tls-cert", pki.Cert, "--tls-key", pki.Key, "--tls-ca", pki.CA)
		done <- err
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitReadyWith(t, trustedClient(t, pki.CA), "https://"+httpAddr)

	caPEM, err := os.ReadFile(pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	serial := func(addr string, mutual bool) int64 {
		t.Helper()
		cfg := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
		if mutual {
			cert, err := tls.LoadX509KeyPair(pki.Cert, pki.Key)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if h, r := serial(httpAddr, false), serial(raftAddr, true); h != 2 || r != 2 {
		t.Fatalf("serials before: https %d, raft %d, want 2", h, r)
	}

	pki.Issue(t, 42, pki.Cert, pki.Key)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for serial(httpAddr, false) != 42 || serial(raftAddr, true) != 42 {
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP: https serial %d, raft serial %d, want 42", serial(httpAddr, false), serial(raftAddr, true))
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := run(t, context.Background(), "cluster", "status", "--server", "https://"+httpAddr, "-o", "json", "--admin-token", e2eToken)
	var ms []struct{ Ready bool }
	if err != nil || json.Unmarshal([]byte(out), &ms) != nil || len(ms) != 1 || !ms[0].Ready {
		t.Fatalf("cluster status over the new certificate: %v\n%s", err, strings.TrimSpace(out))
	}
}

// TestServeIgnoresSIGHUPWithoutTLS: SIGHUP, which reloads certificates,
// does not end a node that has none.
func TestServeIgnoresSIGHUPWithoutTLS(t *testing.T) {
	addr, data := freeAddr(t), t.TempDir() // removed after the cleanup below
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, "serve", "--data", data, "--http", addr, "--admin-token", e2eToken)
		done <- err
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitReady(t, "http://"+addr, 60*time.Second)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("serve returned after SIGHUP: %v", err)
	default:
	}
	waitReady(t, "http://"+addr, 10*time.Second)
}
