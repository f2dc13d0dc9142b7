package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"
)

// envTLSCA names a PEM file of the CA that signed the servers'
// certificates, for clusters serving HTTPS with a private CA.
const envTLSCA = "OFFSYNC_TLS_CA"

// trustingClient returns an HTTP client that trusts $OFFSYNC_TLS_CA on top
// of the system's roots, or nil (the default client) when it is unset.
func trustingClient(timeout time.Duration) (*http.Client, error) {
	path := os.Getenv(envTLSCA)
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", envTLSCA, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read %s: %s holds no PEM certificate", envTLSCA, path)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}
