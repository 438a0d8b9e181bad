// Package testcerts makes throwaway X.509 material for TLS tests: a CA, a
// server certificate for 127.0.0.1/localhost and a client certificate, all
// generated in memory with crypto/x509 and written as PEM files on request.
package testcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Pair is a certificate with its key, in PEM.
type Pair struct {
	CertPEM, KeyPEM []byte
	cert            *x509.Certificate
	key             *ecdsa.PrivateKey
}

// TLS is the pair as a tls.Certificate.
func (p Pair) TLS() tls.Certificate {
	c, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	if err != nil {
		panic(err)
	}
	return c
}

// Write stores the pair as dir/name.crt and dir/name.key and returns the paths.
func (p Pair) Write(dir, name string) (certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err = os.WriteFile(certFile, p.CertPEM, 0o644); err != nil {
		return
	}
	err = os.WriteFile(keyFile, p.KeyPEM, 0o644) // tests run the server as another OS user
	return
}

// Set is a CA with a server and a client certificate it signed.
type Set struct {
	CA, Server, Client Pair
}

// New makes a fresh CA and issues a server certificate (DNS localhost,
// kt.test, IP 127.0.0.1) and a client certificate (CN kt_fdw).
func New() (*Set, error) {
	ca, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "kt_fdw test CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil)
	if err != nil {
		return nil, err
	}
	srv, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kt.test"},
		DNSNames:    []string{"localhost", "kt.test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, &ca)
	if err != nil {
		return nil, err
	}
	cli, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kt_fdw"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, &ca)
	if err != nil {
		return nil, err
	}
	return &Set{CA: ca, Server: srv, Client: cli}, nil
}

// Pool is a cert pool holding the CA.
func (s *Set) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.CA.cert)
	return p
}

// ServerConfig serves the server certificate; mutual=true requires a client
// certificate signed by the CA.
func (s *Set) ServerConfig(mutual bool) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{s.Server.TLS()}, MinVersion: tls.VersionTLS12}
	if mutual {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = s.Pool()
	}
	return cfg
}

var serial int64

func issue(tmpl *x509.Certificate, parent *Pair) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	serial++
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano() + serial)
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return Pair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return Pair{}, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		cert:    cert,
		key:     key,
	}, nil
}
