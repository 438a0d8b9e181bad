//go:build ktfdw_ext

package main

/*
#include "ktfdw_go.h"
*/
import "C"

import (
	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Exports of kt_fdw_diag(server): each host of the server asked for its KT
// version, databases and kt_fdw.lua protocol (fdw/diag.go).

type diagHandle struct{ d *fdw.Diag }

func (h *diagHandle) release() { h.d.Close() }

// ktfdw_diag_begin starts asking the hosts of the server described by srv
// (only its server fields are used).
//
//export ktfdw_diag_begin
func ktfdw_diag_begin(srv *C.KtTable, h *C.uintptr_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	t, fst := goTable(srv)
	if fst != nil {
		return setStatus(st, fst)
	}
	*h = C.uintptr_t(newHandle(&diagHandle{d: fdw.StartDiag(t.Server)}))
	return C.KT_OK
}

// ktfdw_diag_wait polls; on KT_OK, batch holds three records per host, read
// as six fields: host, KT version, databases, kt_fdw.lua protocol, error, "".
//
//export ktfdw_diag_wait
func ktfdw_diag_wait(h C.uintptr_t, waitMs C.int, batch *C.KtBatch, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	d := handleValue(uintptr(h)).(*diagHandle).d
	finished, fst := d.Wait(pollDuration(waitMs))
	if !finished {
		return C.KT_PENDING
	}
	if fst != nil {
		return setStatus(st, fst)
	}
	var rows []fdwtype.Record
	for _, x := range d.Hosts() {
		rows = append(rows,
			fdwtype.Record{Key: []byte(x.Addr), Value: []byte(x.KTVersion)},
			fdwtype.Record{Key: []byte(x.Databases), Value: []byte(x.Protocol)},
			fdwtype.Record{Key: []byte(x.Error), Value: []byte{}})
	}
	fillBatch(batch, rows)
	return C.KT_OK
}
