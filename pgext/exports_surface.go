//go:build ktfdw_ext

package main

/*
#include <stdlib.h>
#include <string.h>
#include "ktfdw_go.h"
*/
import "C"

import (
	"unsafe"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Entry points of TRUNCATE, IMPORT FOREIGN SCHEMA, ANALYZE and
// kt_fdw_version(). KT I/O runs in an fdw op behind a handle that C polls.

// ktfdw_truncate buffers TRUNCATE of n tables at nesting level nest.
//
//export ktfdw_truncate
func ktfdw_truncate(tables *C.KtTable, n C.int, nest C.int, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	cts := unsafe.Slice(tables, int(n))
	ts := make([]fdwtype.Table, len(cts))
	for i := range cts {
		t, fst := goTable(&cts[i])
		if fst != nil {
			return setStatus(st, fst)
		}
		ts[i] = t
	}
	return setStatus(st, backend.Truncate(int(nest), ts))
}

type importHandle struct{ im *fdw.Import }

func (h *importHandle) release() { h.im.Close() }

// ktfdw_import_begin starts listing the databases of the server described
// by srv (only its server fields are used).
//
//export ktfdw_import_begin
func ktfdw_import_begin(srv *C.KtTable, remoteSchema *C.char, opts *C.KtOptions, h *C.uintptr_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	t, fst := goTable(srv)
	if fst != nil {
		return setStatus(st, fst)
	}
	im, fst := fdw.StartImport(backend, t.Server, C.GoString(remoteSchema), goOptions(opts))
	if fst != nil {
		return setStatus(st, fst)
	}
	*h = C.uintptr_t(newHandle(&importHandle{im: im}))
	return C.KT_OK
}

// ktfdw_import_wait polls; on KT_OK, batch holds one row per table:
// key = table name, value = its CREATE FOREIGN TABLE command.
//
//export ktfdw_import_wait
func ktfdw_import_wait(h C.uintptr_t, waitMs C.int, batch *C.KtBatch, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	im := handleValue(uintptr(h)).(*importHandle).im
	finished, fst := im.Wait(pollDuration(waitMs))
	if !finished {
		return C.KT_PENDING
	}
	if fst != nil {
		return setStatus(st, fst)
	}
	cmds := im.Commands()
	rows := make([]fdwtype.Record, len(cmds))
	for i, t := range im.Tables() {
		rows[i] = fdwtype.Record{Key: []byte(t.Name), Value: []byte(cmds[i])}
	}
	fillBatch(batch, rows)
	return C.KT_OK
}

type analyzeHandle struct{ a *fdw.Analyze }

func (h *analyzeHandle) release() { h.a.Close() }

//export ktfdw_analyze_begin
func ktfdw_analyze_begin(t *C.KtTable, targrows C.int, h *C.uintptr_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	tbl, fst := goTable(t)
	if fst != nil {
		return setStatus(st, fst)
	}
	a, fst := fdw.StartAnalyze(backend, tbl, int(targrows))
	if fst != nil {
		return setStatus(st, fst)
	}
	*h = C.uintptr_t(newHandle(&analyzeHandle{a: a}))
	return C.KT_OK
}

// ktfdw_analyze_wait polls; on KT_OK, batch holds the sample and *total
// KT's record count.
//
//export ktfdw_analyze_wait
func ktfdw_analyze_wait(h C.uintptr_t, waitMs C.int, batch *C.KtBatch, total *C.double, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	a := handleValue(uintptr(h)).(*analyzeHandle).a
	finished, fst := a.Wait(pollDuration(waitMs))
	if !finished {
		return C.KT_PENDING
	}
	if fst != nil {
		return setStatus(st, fst)
	}
	fillBatch(batch, a.Rows())
	*total = C.double(a.TotalRows())
	return C.KT_OK
}

// ktfdw_version copies the library's version (NUL-terminated) into buf.
//
//export ktfdw_version
func ktfdw_version(buf *C.char, n C.int) {
	defer func() { _ = recover() }()
	out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	k := copy(out[:max(int(n)-1, 0)], fdw.Version)
	if int(n) > 0 {
		out[k] = 0
	}
}
