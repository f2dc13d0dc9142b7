package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/offsync/offsync/replication/clustertest"
)

// TestServeClusterOverTLS runs two nodes in-process with --tls-*: HTTPS
// for clients, mutual TLS on Raft, and HTTPS between nodes. A write on the
// follower is forwarded to the leader, the CLI (trusting the CA through
// OFFSYNC_TLS_CA) lists both members, and plain HTTP is refused.
func TestServeClusterOverTLS(t *testing.T) {
	pki := clustertest.WritePKI(t, t.TempDir())
	t.Setenv(envTLSCA, pki.CA)
	t.Setenv("OFFSYNC_ADMIN_TOKEN", e2eToken)
	tlsFlags := []string{"--tls-cert", pki.Cert, "--tls-key", pki.Key, "--tls-ca", pki.CA, "--admin-token", e2eToken}
	ctx, cancel := context.WithCancel(context.Background())
	var done []chan error
	t.Cleanup(func() {
		cancel()
		for _, d := range done {
			<-d
		}
	})
	serve := func(args ...string) string {
		addr := freeAddr(t)
		d := make(chan error, 1)
		done = append(done, d)
		go func() {
			_, err := run(t, ctx, append(append([]string{"serve", "--data", t.TempDir(), "--http", addr, "--raft", freeAddr(t)}, tlsFlags...), args...)...)
			d <- err
		}()
		return "https://" + addr
	}
	hc := trustedClient(t, pki.CA)
	n1 := serve("--node-id", "n1")
	waitReadyWith(t, hc, n1)
	n2 := serve("--node-id", "n2", "--join", n1)
	waitReadyWith(t, hc, n2)

	// The cluster status lists both members once n2 has registered.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := run(t, ctx, "cluster", "status", "--server", n2, "-o", "json")
		var members []struct {
			ID    string
			Ready bool
		}
		if err == nil && json.Unmarshal([]byte(out), &members) == nil && len(members) == 2 && members[0].Ready && members[1].Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster status over TLS: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	draft := `{"entities":[{"name":"account","offline":true,"attributes":[{"name":"name","type":"string","required":true}]}]}`
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/v1/admin/schema/draft", draft},
		{"POST", "/v1/admin/schema/publish", ""},
	} {
		req, _ := http.NewRequest(c.method, n2+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s %s on the follower over TLS: %v %v", c.method, c.path, resp, err)
		}
		resp.Body.Close()
	}
	if out, err := run(t, ctx, "entity", "list", "--server", n1); err != nil || !strings.Contains(out, "account") {
		t.Fatalf("the leader does not hold the follower's write: %v\n%s", err, out)
	}
	// Plain HTTP gets no answer a client could read.
	if resp, err := http.Get("http://" + strings.TrimPrefix(n1, "https://") + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Fatal("a TLS node answered plain HTTP")
	}
	// Without the CA, a client refuses the node's certificate.
	os.Unsetenv(envTLSCA)
	if _, err := run(t, ctx, "cluster", "status", "--server", n1); err == nil {
		t.Fatal("a client without the CA trusted the node")
	}
}

// trustedClient is an HTTP client that trusts the CA in caFile.
func trustedClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// waitReadyWith waits until base answers /readyz with 200 through hc.
func waitReadyWith(t *testing.T, hc *http.Client, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := hc.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready", base)
}

// TestServeRefusesAnUnreachableHTTPAddressInACluster: a cluster node that
// listens on every interface must say which address the others reach.
func TestServeRefusesAnUnreachableHTTPAddressInACluster(t *testing.T) {
	port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := run(t, ctx, "serve", "--data", t.TempDir(), "--http", "0.0.0.0:"+port, "--raft", freeAddr(t), "--admin-token", e2eToken)
	if err == nil || !strings.Contains(err.Error(), "--http-advertise") {
		t.Fatalf("serve --http 0.0.0.0 in a cluster: %v\n%s", err, out)
	}
}
