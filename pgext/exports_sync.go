//go:build ktfdw_ext

package main

/*
#include "ktfdw_go.h"
*/
import "C"

import "github.com/kt-fdw/kt_fdw/fdw"

// The kt_fdw_sync trigger function (pgext/sync.c, fdw/sync.go). C keeps one
// handle per trigger in its cache, released when the cache entry goes.

type syncHandle struct{ sync *fdw.Sync }

func (s *syncHandle) release() {}

func syncOf(h C.uintptr_t) *fdw.Sync {
	return handleValue(uintptr(h)).(*syncHandle).sync
}

// ktfdw_sync_open prepares the writes of one trigger into table t. blind is
// set to 1 when the trigger may write without reading KT (fdw.SyncBlind);
// with 0, C runs the trigger through the foreign table instead.
//
//export ktfdw_sync_open
func ktfdw_sync_open(t *C.KtTable, h *C.uintptr_t, blind *C.int, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	tbl, fst := goTable(t)
	if fst != nil {
		return setStatus(st, fst)
	}
	*blind = 0
	if tbl.SyncBlind() {
		*blind = 1
	}
	*h = C.uintptr_t(newHandle(&syncHandle{sync: fdw.NewSync(backend, tbl)}))
	return C.KT_OK
}

// ktfdw_sync_row buffers one source row change: the old and new KT keys
// (without prefix) and the new value, each absent when its has* flag is 0.
//
//export ktfdw_sync_row
func ktfdw_sync_row(h C.uintptr_t, nest C.int, oldKey *C.char, oldLen C.size_t, hasOld C.int,
	newKey *C.char, newLen C.size_t, hasNew C.int, val *C.char, valLen C.size_t, hasVal C.int,
	st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	present := func(has C.int, p *C.char, n C.size_t) []byte {
		if has == 0 {
			return nil
		}
		if b := goBytes(p, n); b != nil {
			return b
		}
		return []byte{}
	}
	return setStatus(st, syncOf(h).Row(int(nest), present(hasOld, oldKey, oldLen),
		present(hasNew, newKey, newLen), present(hasVal, val, valLen)))
}
