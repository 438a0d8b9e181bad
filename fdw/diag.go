package fdw

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// DiagHost is one row of kt_fdw_diag(): what an upgrade needs to know of
// one KT host of a server (every host of a failover list is asked, on a
// connection of its own, so a host in back-off is not skipped).
type DiagHost struct {
	Addr      string
	KTVersion string // the report's conf_kt_version
	Databases string // "0 (*), 1 (%)"
	Protocol  string // the kt_fdw.lua protocol the host runs; "" without kt_fdw.lua
	Error     string // why the host could not be asked; the fields above are then partial
}

// Diag asks every host of a server, in the background.
type Diag struct {
	op    *Op
	hosts []DiagHost
}

// StartDiag starts asking srv's hosts (report and ktfdwversion each).
func StartDiag(srv fdwtype.Server) *Diag {
	addrs := srv.Opts.Addrs()
	d := &Diag{hosts: make([]DiagHost, len(addrs))}
	d.op = startOp(func(ctx context.Context) *fdwtype.Status {
		for i, addr := range addrs {
			d.hosts[i] = diagHost(ctx, srv, addr)
		}
		return nil
	})
	return d
}

// Wait polls for at most d.
func (d *Diag) Wait(wait time.Duration) (bool, *fdwtype.Status) { return d.op.Wait(wait) }

// Hosts is the result once Wait finished.
func (d *Diag) Hosts() []DiagHost { return d.hosts }

// Close cancels what is still running.
func (d *Diag) Close() { d.op.Cancel() }

func diagHost(ctx context.Context, srv fdwtype.Server, addr string) DiagHost {
	h := DiagHost{Addr: addr}
	one := srv.Opts
	one.Host, one.Port = fdwtype.SplitHostEntry(addr, srv.Opts.Port)
	oc := OpContext{ServerOID: srv.OID, Server: srv.Name, Addr: addr, Op: "report",
		Timeout: one.Timeout, ConnectTimeout: one.ConnectTimeout}
	r, err := dialOneKT(one)
	if err != nil {
		h.Error = KTStatus(oc, err).Message
		return h
	}
	defer r.Close()
	kr := r.(ktRemote)
	var rep map[string]string
	if st := call(ctx, oc, func(ctx context.Context) error {
		rep, err = kr.c.Report(ctx)
		return err
	}); st != nil {
		h.Error = st.Message
		return h
	}
	h.KTVersion = rep["conf_kt_version"]
	var dbs []string
	for _, db := range databasesFromReport(rep) {
		dbs = append(dbs, fmt.Sprintf("%d (%s)", db.Index, db.Name))
	}
	h.Databases = strings.Join(dbs, ", ")
	oc.Op = ktscript.ProcVersion
	var found bool
	if st := call(ctx, oc, func(ctx context.Context) error {
		h.Protocol, found, err = kr.ScriptVersion(ctx)
		return err
	}); st != nil {
		h.Error = st.Message
	} else if !found {
		h.Protocol = ""
	}
	return h
}
