// Command ktdev runs the kt_fdw development and test server: a pure-Go,
// in-memory stand-in that speaks Kyoto Tycoon's HTTP (TSV-RPC, REST) and
// binary protocols as the golden transcripts show. It is NOT a replacement
// for Kyoto Tycoon: nothing is persisted, there is no update log and no
// replication, and play_script runs native Go procedures instead of Lua.
//
// Usage:
//
//	ktdev [flags] [db ...]
//
// Databases are named like ktserver's arguments (":", "*", "%", "x.kch",
// "y.kct", ...); default "*" (DB 0, hash) and "%" (DB 1, tree). The server
// prints "ktdev listening on HOST:PORT" once it accepts connections and
// exits on SIGINT/SIGTERM.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

const usageText = `ktdev: the kt_fdw development and test server.

A Kyoto Tycoon-compatible server for development and tests: it speaks KT's
HTTP (TSV-RPC, RESTful) and binary protocols, but it is NOT a replacement for
Kyoto Tycoon: all databases live in memory (nothing is persisted), there is no
update log and no replication, and play_script runs built-in Go procedures
instead of Lua.

Usage: ktdev [flags] [db ...]

Databases are named like ktserver's arguments: ":" (stash), "*" (cache hash),
"%%" (cache tree), "-"/"+" (prototype hash/tree), or names ending in .kch/.kcd
(hash) or .kct/.kcf (tree). Default: "*" (DB 0) and "%%" (DB 1).

Flags:
`

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if err := run(os.Args[1:], os.Stdout, os.Stderr, sig); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "ktdev: %v\n", err)
		os.Exit(1)
	}
}

// run starts the server, prints the listening line to stdout and serves
// until stop delivers a signal.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) error {
	fs := flag.NewFlagSet("ktdev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 1978, "TCP port (0 = pick a free one)")
	tlsCert := fs.String("tls-cert", "", "serve TLS with this certificate (PEM)")
	tlsKey := fs.String("tls-key", "", "private key of -tls-cert (PEM)")
	tlsClientCA := fs.String("tls-client-ca", "", "require client certificates signed by this CA (PEM; mutual TLS)")
	scrTest := fs.Bool("scr-test", false, "enable the golden test.lua procedures (echo, put, fail, noret, boom)")
	scrKTFDW := fs.Bool("scr-ktfdw", false, "enable kt_fdw's procedures (ktfdwapply, ktfdwversion), like ktserver -scr sql/kt_fdw.lua")
	faultKind := fs.String("fault", "none", "inject a fault: none, stall, close, garbage, refuse")
	faultProc := fs.String("fault-proc", "", "restrict the fault to one procedure (e.g. get, bin_set_bulk, rest_put)")
	faultStall := fs.Duration("fault-stall", 0, "how long -fault stall waits (0 = forever)")
	faultTimes := fs.Int("fault-times", 0, "number of requests the fault hits (0 = all)")
	tout := fs.Duration("tout", 30*time.Second, "timeout of each read/write inside a request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kind, ok := ktdev.ParseFaultKind(*faultKind)
	if !ok {
		return errors.Newf("invalid -fault %q (none, stall, close, garbage, refuse)", *faultKind)
	}
	cfg := ktdev.Config{
		Addr:         net.JoinHostPort(*host, strconv.Itoa(*port)),
		DBs:          fs.Args(),
		TestScripts:  *scrTest,
		KTFDWScripts: *scrKTFDW,
		Fault:        ktdev.Fault{Kind: kind, Proc: *faultProc, Stall: *faultStall, Times: *faultTimes},
		IOTimeout:    *tout,
		Logf: func(format string, a ...any) {
			fmt.Fprintf(stderr, format+"\n", a...)
		},
	}
	if *tlsCert != "" || *tlsKey != "" {
		tc, err := loadTLS(*tlsCert, *tlsKey, *tlsClientCA)
		if err != nil {
			return err
		}
		cfg.TLS = tc
	} else if *tlsClientCA != "" {
		return errors.New("-tls-client-ca needs -tls-cert and -tls-key")
	}
	srv, err := ktdev.Start(cfg)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "ktdev listening on %s\n", srv.Addr()); err != nil {
		_ = srv.Close()
		return errors.Wrap(err, "write listening line")
	}
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	<-stop
	return srv.Close()
}

func loadTLS(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("-tls-cert and -tls-key must be given together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, errors.Wrap(err, "load TLS certificate")
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCAFile != "" {
		pem, err := os.ReadFile(clientCAFile)
		if err != nil {
			return nil, errors.Wrap(err, "read client CA")
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.Newf("no certificate found in %s", clientCAFile)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}
