package replication

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTLSReloadInterval is how often CertReloader.Watch looks at the
// files' modification times.
const DefaultTLSReloadInterval = 5 * time.Second

// CertReloader holds a node's TLS material (its certificate and key, and
// the CA that signed every node's certificate), read from PEM files, and
// reads them again on Reload, so that certificates are rotated without a
// restart. The configs it hands out look the material up at every
// handshake: new connections use the new material, open ones keep theirs.
type CertReloader struct {
	certFile, keyFile, caFile string
	log                       *slog.Logger
	cur                       atomic.Pointer[tlsMaterial]
	mu                        sync.Mutex // serializes Reload
	stamp                     string     // the files' sizes and times at the last attempt
}

// tlsMaterial is one generation of the files.
type tlsMaterial struct {
	cert *tls.Certificate
	pool *x509.CertPool
}

// NewCertReloader reads the files once; they must be valid.
func NewCertReloader(certFile, keyFile, caFile string, log *slog.Logger) (*CertReloader, error) {
	if certFile == "" || keyFile == "" || caFile == "" {
		return nil, fmt.Errorf("load tls: the certificate, the key and the CA are all needed: %w", ErrInvalid)
	}
	if log == nil {
		log = slog.Default()
	}
	r := &CertReloader{certFile: certFile, keyFile: keyFile, caFile: caFile, log: log}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the files again. On failure (a file missing, or a
// certificate that does not match its key, as while files are being
// replaced) the material in use stays and the error is returned.
func (r *CertReloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stamp = r.fileStamp()
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("load tls key pair: %w", err)
	}
	if cert.Leaf == nil && len(cert.Certificate) > 0 {
		cert.Leaf, _ = x509.ParseCertificate(cert.Certificate[0])
	}
	pem, err := os.ReadFile(r.caFile)
	if err != nil {
		return fmt.Errorf("load tls ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("load tls ca: %s holds no PEM certificate: %w", r.caFile, ErrInvalid)
	}
	r.cur.Store(&tlsMaterial{cert: &cert, pool: pool})
	return nil
}

// Serial is the serial number of the certificate in use, for logs.
func (r *CertReloader) Serial() string {
	if leaf := r.cur.Load().cert.Leaf; leaf != nil {
		return leaf.SerialNumber.String()
	}
	return ""
}

// fileStamp sums up the files' sizes and modification times.
func (r *CertReloader) fileStamp() string {
	s := ""
	for _, f := range []string{r.certFile, r.keyFile, r.caFile} {
		if fi, err := os.Stat(f); err == nil {
			s += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
		} else {
			s += "-;"
		}
	}
	return s
}

// Watch reloads when the files change (looked at every interval) and
// whenever now delivers (serve sends SIGHUP there), until ctx ends. It
// logs each reload and each failure.
func (r *CertReloader) Watch(ctx context.Context, interval time.Duration, now <-chan os.Signal) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-now:
		case <-t.C:
			r.mu.Lock()
			same := r.fileStamp() == r.stamp
			r.mu.Unlock()
			if same {
				continue
			}
		}
		if err := r.Reload(); err != nil {
			r.log.Warn("reload tls certificates; keeping the ones in use", "err", err)
			continue
		}
		r.log.Info("reloaded tls certificates", "serial", r.Serial())
	}
}

// Config is the node's TLS config between nodes. A listener given it
// (see serverTLS) presents the current certificate and requires client
// certificates signed by the current CA. To dial, turn it into a config
// for the target with DialTLS, which takes the material of the moment;
// used directly, it trusts only the system's roots and so fails closed.
func (r *CertReloader) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.cur.Load().cert, nil
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return r.cur.Load().cert, nil
		},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			m := r.cur.Load()
			return &tls.Config{
				MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*m.cert},
				ClientCAs: m.pool, ClientAuth: tls.RequireAndVerifyClientCert,
			}, nil
		},
	}
}

// ServerConfig serves the current certificate and asks clients for none
// (HTTPS for devices and admins).
func (r *CertReloader) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.cur.Load().cert, nil
		},
	}
}

// DialTLS returns the config to dial the node at host with: a copy of cfg
// naming host, or, for a config that picks its material per connection
// (a CertReloader's), one holding the material of the moment: its
// certificate, and its CA as the roots. crypto/tls checks the peer's
// certificate against those roots and host (a name or an IP).
func DialTLS(cfg *tls.Config, host string) *tls.Config {
	if cfg.GetConfigForClient != nil {
		if cur, err := cfg.GetConfigForClient(nil); err == nil && cur != nil {
			return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: cur.Certificates, RootCAs: cur.ClientCAs, ServerName: host}
		}
	}
	c := cfg.Clone()
	if c.ServerName == "" {
		c.ServerName = host
	}
	return c
}

// TLSDialer dials TLS connections with DialTLS(cfg, host of the address),
// for http.Transport.DialTLSContext: each new connection between nodes
// then uses the material of the moment.
func TLSDialer(cfg *tls.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		d := &tls.Dialer{Config: DialTLS(cfg, host)}
		return d.DialContext(ctx, network, addr)
	}
}
