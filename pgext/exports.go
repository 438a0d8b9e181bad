//go:build ktfdw_ext

// Command pgext is kt_fdw.so: the Postgres C glue (*.c) plus these Go entry
// points, built with -buildmode=c-shared. Every export hands one call to
// package fdw, recovers panics and reports failures through a KtStatus.
package main

/*
#include <stdlib.h>
#include "ktfdw_go.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

func main() {}

// backend is this Postgres backend's kt_fdw state. Exports run one at a time
// on the backend's thread; only KT I/O runs in goroutines.
var backend = fdw.NewBackend(fdw.DialKT)

func pollDuration(ms C.int) time.Duration { return time.Duration(ms) * time.Millisecond }

//export ktfdw_init
func ktfdw_init() {
	defer func() { _ = recover() }()
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(2)
	}
}

//export ktfdw_validate
func ktfdw_validate(catalog C.int, opts *C.KtOptions, superuser C.int, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	o := goOptions(opts)
	if fst := fdwtype.CheckOptionPrivileges(fdwtype.Catalog(catalog), o, superuser != 0); fst != nil {
		return setStatus(st, fst)
	}
	return setStatus(st, fdwtype.Validate(fdwtype.Catalog(catalog), o))
}

// ---- scans ----

type scanHandle struct{ scan *fdw.Scan }

func (s *scanHandle) release() { s.scan.Close() }

//export ktfdw_scan_begin
func ktfdw_scan_begin(t *C.KtTable, h *C.uintptr_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	tbl, fst := cachedTable(t) // table_cache.go
	if fst != nil {
		return setStatus(st, fst)
	}
	*h = C.uintptr_t(newHandle(&scanHandle{scan: fdw.NewScan(backend, tbl)}))
	return C.KT_OK
}

func scanOf(h C.uintptr_t) *fdw.Scan {
	return handleValue(uintptr(h)).(*scanHandle).scan
}

//export ktfdw_scan_next
func ktfdw_scan_next(h C.uintptr_t, waitMs C.int, batch *C.KtBatch, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	res, rows, fst := scanOf(h).Next(pollDuration(waitMs))
	switch res {
	case fdw.ScanRows:
		fillBatch(batch, rows)
		return C.KT_OK
	case fdw.ScanEOF:
		return C.KT_EOF
	case fdw.ScanPending:
		return C.KT_PENDING
	}
	return setStatus(st, fst)
}

// ktfdw_release drops a scan or modify handle and stops its I/O. It is
// called from memory context reset callbacks, so it must never fail.
//
//export ktfdw_release
func ktfdw_release(h C.uintptr_t) {
	defer func() { _ = recover() }()
	releaseHandle(uintptr(h))
}

// ---- modifications ----

type modifyHandle struct{ mod *fdw.Modify }

func (m *modifyHandle) release() { m.mod.Close() }

func modifyOf(h C.uintptr_t) *fdw.Modify {
	return handleValue(uintptr(h)).(*modifyHandle).mod
}

func modifyRC(res fdw.ModifyResult, fst *fdwtype.Status, st *C.KtStatus) C.int {
	switch res {
	case fdw.ModifyDone:
		return C.KT_OK
	case fdw.ModifySkipped:
		return C.KT_SKIPPED
	case fdw.ModifyPending:
		return C.KT_PENDING
	}
	return setStatus(st, fst)
}

// deferChecks=1: no row needs its insert's answer at once (C checked: no ON
// CONFLICT, no AFTER INSERT trigger), so batched inserts check their keys in
// the background and at ktfdw_modify_end (fdw/modify_deferred.go).
//
//export ktfdw_modify_begin
func ktfdw_modify_begin(t *C.KtTable, onConflictNothing C.int, deferChecks C.int, h *C.uintptr_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	tbl, fst := goTable(t)
	if fst != nil {
		return setStatus(st, fst)
	}
	mod := fdw.NewModify(backend, tbl, onConflictNothing != 0)
	if deferChecks != 0 {
		mod.DeferDuplicateChecks()
	}
	*h = C.uintptr_t(newHandle(&modifyHandle{mod: mod}))
	return C.KT_OK
}

// ktfdw_insert_batch_size is the rows per batched INSERT into t
// (fdwtype.InsertBatchSize); checkedPerBatch=1 when each batch waits for its own
// duplicate check (no deferred checks). Options were validated: no errors.
//
//export ktfdw_insert_batch_size
func ktfdw_insert_batch_size(t *C.KtTable, checkedPerBatch C.int) (n C.int) {
	defer func() {
		if recover() != nil {
			n = C.int(fdwtype.DefaultBatchSize)
		}
	}()
	return C.int(fdwtype.InsertBatchSize(goOptions(&t.server_opts), goOptions(&t.table_opts), checkedPerBatch != 0))
}

// ktfdw_modify_end finishes the statement's modify: the deferred duplicate
// checks still open (poll ktfdw_modify_wait while KT_PENDING).
//
//export ktfdw_modify_end
func ktfdw_modify_end(h C.uintptr_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	res, fst := modifyOf(h).Finish()
	return modifyRC(res, fst, st)
}

//export ktfdw_modify_insert
func ktfdw_modify_insert(h C.uintptr_t, nest C.int, key *C.char, keyLen C.size_t, val *C.char, valLen C.size_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	res, fst := modifyOf(h).Insert(int(nest), goBytes(key, keyLen), goBytes(val, valLen))
	return modifyRC(res, fst, st)
}

// ktfdw_modify_insert_batch inserts n rows; keys/vals are arrays of n
// pointers with their lengths in klens/vlens. The bytes are not copied here:
// fdw.Modify.InsertBatch borrows them only until it (or the wait on its
// pending result) returns, while C keeps them (the modify's row context).
//
//export ktfdw_modify_insert_batch
func ktfdw_modify_insert_batch(h C.uintptr_t, nest C.int, n C.int, keys **C.char, klens *C.size_t, vals **C.char, vlens *C.size_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	cnt := int(n)
	ks, kl := unsafe.Slice(keys, cnt), unsafe.Slice(klens, cnt)
	vs, vl := unsafe.Slice(vals, cnt), unsafe.Slice(vlens, cnt)
	gk, gv := make([][]byte, cnt), make([][]byte, cnt)
	for i := 0; i < cnt; i++ {
		gk[i], gv[i] = borrowBytes(ks[i], kl[i]), borrowBytes(vs[i], vl[i])
	}
	res, fst := modifyOf(h).InsertBatch(int(nest), gk, gv)
	return modifyRC(res, fst, st)
}

// ktfdw_modify_batch_skipped writes 1 for each row of the last batch that
// ON CONFLICT DO NOTHING skipped.
//
//export ktfdw_modify_batch_skipped
func ktfdw_modify_batch_skipped(h C.uintptr_t, out *C.int, n C.int) {
	defer func() { _ = recover() }()
	flags := unsafe.Slice(out, int(n))
	for i, s := range modifyOf(h).Skipped() {
		if i < len(flags) && s {
			flags[i] = 1
		}
	}
}

// borrowBytes is goBytes without the copy: a Go slice over C memory, valid
// only while C keeps that memory (never kept by Go: doc/design.md rule 5).
func borrowBytes(p *C.char, n C.size_t) []byte {
	if p == nil {
		return nil
	}
	if n == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

// oldVal is the value the row had when read (for conflict_check); hasOld=0
// when unknown.
//
//export ktfdw_modify_update
func ktfdw_modify_update(h C.uintptr_t, nest C.int, oldKey *C.char, oldLen C.size_t, oldVal *C.char, oldValLen C.size_t, hasOld C.int, key *C.char, keyLen C.size_t, val *C.char, valLen C.size_t, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	if hasOld != 0 {
		modifyOf(h).Saw(int(nest), goBytes(oldKey, oldLen), goBytes(oldVal, oldValLen))
	}
	res, fst := modifyOf(h).Update(int(nest), goBytes(oldKey, oldLen), goBytes(key, keyLen), goBytes(val, valLen))
	return modifyRC(res, fst, st)
}

//export ktfdw_modify_delete
func ktfdw_modify_delete(h C.uintptr_t, nest C.int, key *C.char, keyLen C.size_t, oldVal *C.char, oldValLen C.size_t, hasOld C.int, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	if hasOld != 0 {
		modifyOf(h).Saw(int(nest), goBytes(key, keyLen), goBytes(oldVal, oldValLen))
	}
	res, fst := modifyOf(h).Delete(int(nest), goBytes(key, keyLen))
	return modifyRC(res, fst, st)
}

//export ktfdw_modify_wait
func ktfdw_modify_wait(h C.uintptr_t, waitMs C.int, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	res, fst := modifyOf(h).Wait(pollDuration(waitMs))
	return modifyRC(res, fst, st)
}

// ---- transactions ----

//export ktfdw_xact_precommit
func ktfdw_xact_precommit(st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	started, fst := backend.StartCommit()
	if fst != nil {
		return setStatus(st, fst)
	}
	if started {
		return C.KT_PENDING
	}
	return C.KT_OK
}

//export ktfdw_xact_wait
func ktfdw_xact_wait(waitMs C.int, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	finished, fst := backend.WaitCommit(pollDuration(waitMs))
	if !finished {
		return C.KT_PENDING
	}
	return setStatus(st, fst)
}

//export ktfdw_xact_preprepare
func ktfdw_xact_preprepare(st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	return setStatus(st, backend.PrePrepare())
}

// ktfdw_xact_end forgets the transaction's writes: after commit, or on abort
// (then nothing is sent: doc/design.md rule 9). Never fails.
//
//export ktfdw_xact_end
func ktfdw_xact_end() {
	defer func() {
		if recover() != nil {
			backend.Reset()
		}
	}()
	backend.EndXact()
}

//export ktfdw_subxact_end
func ktfdw_subxact_end(nest C.int, commit C.int) {
	// Raising here is not allowed (it may be an abort path), so a panic
	// poisons the transaction: its commit fails rather than sending writes
	// a rolled-back savepoint may have left in the buffer.
	defer func() {
		if r := recover(); r != nil {
			backend.MarkBroken(fmt.Sprintf("ending subtransaction level %d: %v", int(nest), r))
		}
	}()
	backend.EndSubXact(int(nest), commit != 0)
}

//export ktfdw_stats
func ktfdw_stats(out *C.int64_t) {
	defer func() { _ = recover() }()
	vals := unsafe.Slice((*int64)(unsafe.Pointer(out)), C.KT_STATS_N)
	vals[0] = openHandles.Load()
	vals[1] = int64(backend.BufferedWrites())
	vals[2] = int64(backend.Conns.Len())
	vals[3] = backend.BufferedBytes()
}

// keep C.free referenced for cgo's preamble
var _ = C.free
