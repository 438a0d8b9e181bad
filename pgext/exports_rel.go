//go:build ktfdw_ext

package main

/*
#include "ktfdw_go.h"
*/
import "C"

import (
	"unsafe"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Exports of issue 7 (reliability and security): readonly checks and
// connection introspection.

func readOnly(t *C.KtTable) bool {
	ro, _ := fdwtype.ReadOnly(goOptions(&t.server_opts), goOptions(&t.table_opts))
	return ro
}

// ktfdw_check_writable refuses cmd ("INSERT", "UPDATE", "DELETE",
// "TRUNCATE") on a readonly table. st may be NULL: then only the result
// code says whether the table is writable (IsForeignRelUpdatable).
//
//export ktfdw_check_writable
func ktfdw_check_writable(server, table *C.KtOptions, serverName, rel, cmd *C.char, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	return setStatus(st, fdwtype.CheckWritable(goOptions(server), goOptions(table),
		C.GoString(serverName), C.GoString(rel), C.GoString(cmd)))
}

// ---- introspection: kt_fdw_disconnect, kt_fdw_disconnect_all, kt_fdw_server_stats ----

//export ktfdw_disconnect
func ktfdw_disconnect(serverOID C.uint) (closed C.int) {
	defer func() { _ = recover() }()
	if backend.Conns.Disconnect(uint32(serverOID)) {
		return 1
	}
	return 0
}

//export ktfdw_disconnect_all
func ktfdw_disconnect_all() (closed C.int) {
	defer func() { _ = recover() }()
	if backend.Conns.DisconnectAll() {
		return 1
	}
	return 0
}

// serverStats is the snapshot ktfdw_server_stats_begin takes for the rows
// C then reads one by one (one SQL call at a time per backend).
var serverStats []fdw.ServerStat

//export ktfdw_server_stats_begin
func ktfdw_server_stats_begin() (n C.int) {
	defer func() { _ = recover() }()
	serverStats = backend.Conns.ServerStats()
	return C.int(len(serverStats))
}

// ktfdw_server_stats_row fills row i: the strings are malloc'd (C frees
// them); vals gets connected, round_trips, errors, failovers.
//
//export ktfdw_server_stats_row
func ktfdw_server_stats_row(i C.int, oid *C.uint, name, hosts, current **C.char, vals *C.int64_t) {
	defer func() { _ = recover() }()
	s := serverStats[int(i)]
	*oid = C.uint(s.OID)
	*name, *hosts, *current = C.CString(s.Name), C.CString(s.Hosts), C.CString(s.Current)
	out := unsafe.Slice((*int64)(unsafe.Pointer(vals)), 4)
	out[0] = 0
	if s.Connected {
		out[0] = 1
	}
	out[1], out[2], out[3] = s.RoundTrips, s.Errors, s.Failovers
}

// ---- server log lines (fdw/serverlog.go, pgext/serverlog.c) ----

func init() {
	fdw.OnServerLog = func() { C.ktfdw_flag_logs() }
}

// ktfdw_log_take returns the next queued log line (malloc'd, C frees it),
// or NULL.
//
//export ktfdw_log_take
func ktfdw_log_take() (line *C.char) {
	defer func() { _ = recover() }()
	if s, ok := fdw.TakeServerLog(); ok {
		return C.CString(s)
	}
	return nil
}
