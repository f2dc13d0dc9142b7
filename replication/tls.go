package replication

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// LoadTLS builds the TLS config of a node from PEM files: its certificate
// and key, and the CA that signed every node's certificate. The config
// serves (Certificates), verifies the nodes it dials (RootCAs) and, on the
// Raft transport, requires client certificates signed by the same CA
// (ClientCAs): only nodes holding such a certificate can join the log.
// Node certificates need the node's host names or IPs as SANs, and both
// the server and client auth key usages.
func LoadTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" || caFile == "" {
		return nil, fmt.Errorf("load tls: the certificate, the key and the CA are all needed: %w", ErrInvalid)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load tls key pair: %w", err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("load tls ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("load tls ca: %s holds no PEM certificate: %w", caFile, ErrInvalid)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert}, RootCAs: pool, ClientCAs: pool,
		MinVersion: tls.VersionTLS12,
	}, nil
}
