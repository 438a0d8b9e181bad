//go:build ktfdw_ext

package main

/*
#include <stdlib.h>
#include <string.h>
#include "ktfdw_go.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// setStatus copies st into the C status; C frees the strings after raising.
func setStatus(out *C.KtStatus, st *fdwtype.Status) C.int {
	if st == nil {
		return C.KT_OK
	}
	if out == nil {
		return C.KT_ERROR
	}
	code := st.SQLState
	if len(code) != 5 {
		code = fdwtype.SQLStateInternal
	}
	for i := 0; i < 5; i++ {
		out.sqlstate[i] = C.char(code[i])
	}
	out.sqlstate[5] = 0
	out.message = cstringOrNil(st.Message)
	out.detail = cstringOrNil(st.Detail)
	out.hint = cstringOrNil(st.Hint)
	return C.KT_ERROR
}

func cstringOrNil(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

// guard turns a panic of an export into XX000 (doc/design.md, rule 3). Use as
// `defer guard(st, &rc)`.
func guard(st *C.KtStatus, rc *C.int) {
	if r := recover(); r != nil {
		*rc = setStatus(st, fdwtype.PanicStatus(fmt.Sprint(r)))
	}
}

// goBytes copies C bytes into Go memory; a NULL pointer is a nil slice.
func goBytes(p *C.char, n C.size_t) []byte {
	if p == nil {
		return nil
	}
	if n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// goOptions copies a C option list.
func goOptions(o *C.KtOptions) []fdwtype.Option {
	if o == nil || o.n == 0 {
		return nil
	}
	n := int(o.n)
	names := unsafe.Slice(o.names, n)
	values := unsafe.Slice(o.values, n)
	out := make([]fdwtype.Option, n)
	for i := range out {
		out[i] = fdwtype.Option{Name: C.GoString(names[i]), Value: C.GoString(values[i])}
	}
	return out
}

// goTable parses a C table description, validating its options.
func goTable(t *C.KtTable) (fdwtype.Table, *fdwtype.Status) {
	so, st := fdwtype.ParseServerOptions(goOptions(&t.server_opts))
	if st != nil {
		return fdwtype.Table{}, st
	}
	to, st := fdwtype.ParseTableOptions(goOptions(&t.table_opts))
	if st != nil {
		return fdwtype.Table{}, st
	}
	return fdwtype.Table{
		Server:   fdwtype.Server{OID: uint32(t.server_oid), Name: C.GoString(t.server_name), Opts: so},
		Name:     C.GoString(t.rel_name),
		KeyCol:   C.GoString(t.key_col),
		DB:       to.DB,
		KeyBytea: t.key_bytea != 0,
		ValBytea: t.val_bytea != 0,
		ReadOnly: readOnly(t),
		Prefix:   fdwtype.TablePrefix(goOptions(&t.table_opts)),
		XT:       t.xt_col != 0, // column option xt (fdw/xt.go)
		// conflict_check: the table's option, else the server's
		ConflictCheck: to.ConflictCheckFor(so),
	}, nil
}

// fillBatch encodes rows into one malloc'd block that C frees.
func fillBatch(out *C.KtBatch, rows []fdwtype.Record) {
	size := 0
	for _, r := range rows {
		size += 8 + len(r.Key) + len(r.Value)
	}
	p := C.malloc(C.size_t(max(size, 1)))
	if p == nil {
		panic("out of memory for a KT batch")
	}
	buf := unsafe.Slice((*byte)(p), size)
	off := 0
	put := func(b []byte) {
		*(*uint32)(unsafe.Pointer(&buf[off])) = uint32(len(b))
		off += 4
		off += copy(buf[off:], b)
	}
	for _, r := range rows {
		put(r.Key)
		put(r.Value)
	}
	out.data = (*C.char)(p)
	out.len = C.size_t(size)
	out.nrows = C.int(len(rows))
}
