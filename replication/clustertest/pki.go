package clustertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI names the PEM files WritePKI wrote.
type PKI struct {
	// CA is the certificate authority's certificate, CAKey its key.
	CA, CAKey string
	// Cert and Key are a node certificate signed by the CA (serial 2),
	// valid for localhost and 127.0.0.1, for server and client
	// authentication.
	Cert, Key string
}

// WritePKI writes a fresh CA and one node certificate under dir, for TLS
// tests on loopback.
func WritePKI(t testing.TB, dir string) PKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "offsync test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		t.Fatal(err)
	}
	p := PKI{CA: filepath.Join(dir, "ca.pem"), CAKey: filepath.Join(dir, "ca-key.pem"),
		Cert: filepath.Join(dir, "node.pem"), Key: filepath.Join(dir, "node-key.pem")}
	writePEM(t, p.CA, "CERTIFICATE", caDER)
	writePEM(t, p.CAKey, "EC PRIVATE KEY", caKeyDER)
	p.Issue(t, 2, p.Cert, p.Key)
	return p
}

// Issue writes a new node certificate signed by the CA, with the given
// serial number, to certFile and keyFile. Each file is replaced at once
// (written aside, then renamed), as a careful operator would.
func (p PKI) Issue(t testing.TB, serial int64, certFile, keyFile string) {
	t.Helper()
	ca, caKey := readCA(t, p)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "offsync node"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	writePEM(t, certFile, "CERTIFICATE", der)
}

// readCA reads the CA's certificate and key back.
func readCA(t testing.TB, p PKI) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	block := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			t.Fatalf("%s holds no PEM block", path)
		}
		return blk.Bytes
	}
	ca, err := x509.ParseCertificate(block(p.CA))
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParseECPrivateKey(block(p.CAKey))
	if err != nil {
		t.Fatal(err)
	}
	return ca, key
}

// writePEM replaces path with one PEM block (written aside, then renamed).
func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
