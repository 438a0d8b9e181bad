//go:build ktfdw_ext

package main

/*
#include <stdlib.h>
#include <string.h>
#include "ktfdw_go.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/kt-fdw/kt_fdw/fdw"
)

// Option format 'json' (issue 5): C passes each value column's text form
// and category; Go builds or parses the JSON object.

// lastJSONColumns is the column list of the last call: C passes the same
// palloc'd names array for every row of a table, so the names are not
// copied again per row. A hit is checked against the C strings (compared in
// place), so a reused address with other names is never mistaken for it.
var lastJSONColumns struct {
	sync.Mutex
	names **C.char
	cats  *C.char
	cols  []fdw.JSONColumn
}

func jsonColumns(n C.int, names **C.char, cats *C.char) []fdw.JSONColumn {
	ns, cs := unsafe.Slice(names, int(n)), unsafe.Slice(cats, int(n))
	last := &lastJSONColumns
	last.Lock()
	defer last.Unlock()
	if last.names == names && last.cats == cats && sameJSONColumns(last.cols, ns, cs) {
		return last.cols
	}
	cols := make([]fdw.JSONColumn, int(n))
	for i := range cols {
		cols[i] = fdw.JSONColumn{Name: C.GoString(ns[i]), Category: byte(cs[i])}
	}
	last.names, last.cats, last.cols = names, cats, cols
	return cols
}

// sameJSONColumns reports whether cols are the C names and categories, without copying them.
func sameJSONColumns(cols []fdw.JSONColumn, names []*C.char, cats []C.char) bool {
	if len(cols) != len(names) {
		return false
	}
	for i, col := range cols {
		if col.Category != byte(cats[i]) {
			return false
		}
		l := int(C.strlen(names[i]))
		if l != len(col.Name) || string(unsafe.Slice((*byte)(unsafe.Pointer(names[i])), l)) != col.Name {
			return false
		}
	}
	return true
}

// ktfdw_json_encode builds the KT value of a row into out (one malloc'd
// block, freed by C). texts[i]/lens[i] is column i's text form, nulls[i]
// set for NULL.
//
//export ktfdw_json_encode
func ktfdw_json_encode(relName *C.char, key *C.char, keyLen C.size_t, n C.int, names **C.char, cats *C.char,
	texts **C.char, lens *C.size_t, nulls *C.int, out *C.KtBatch, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	cols := jsonColumns(n, names, cats)
	ts, ls, ns := unsafe.Slice(texts, int(n)), unsafe.Slice(lens, int(n)), unsafe.Slice(nulls, int(n))
	vals := make([][]byte, len(cols))
	for i := range vals {
		if ns[i] == 0 {
			vals[i] = nonNilBytes(ts[i], ls[i])
		}
	}
	v, err := fdw.EncodeJSONRow(cols, vals)
	if err != nil {
		return setStatus(st, fdw.JSONRowError(C.GoString(relName), string(goBytes(key, keyLen)), false, err))
	}
	p := C.malloc(C.size_t(max(len(v), 1)))
	if p == nil {
		panic("out of memory for a JSON value")
	}
	copy(unsafe.Slice((*byte)(p), len(v)), v)
	out.data, out.len, out.nrows = (*C.char)(p), C.size_t(len(v)), 1
	return C.KT_OK
}

// ktfdw_json_decode parses a KT value into out: n fields, each a uint32
// length (KT_JSON_NULL for NULL) and the column's text form.
//
//export ktfdw_json_decode
func ktfdw_json_decode(relName *C.char, key *C.char, keyLen C.size_t, val *C.char, valLen C.size_t,
	n C.int, names **C.char, cats *C.char, out *C.KtBatch, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	cols := jsonColumns(n, names, cats)
	texts, err := fdw.DecodeJSONRow(cols, goBytes(val, valLen))
	if err != nil {
		return setStatus(st, fdw.JSONRowError(C.GoString(relName), string(goBytes(key, keyLen)), true, err))
	}
	size := 0
	for _, t := range texts {
		size += 4 + len(t)
	}
	p := C.malloc(C.size_t(max(size, 1)))
	if p == nil {
		panic("out of memory for a JSON row")
	}
	buf := unsafe.Slice((*byte)(p), size)
	off := 0
	for _, t := range texts {
		l := uint32(len(t))
		if t == nil {
			l = C.KT_JSON_NULL
		}
		*(*uint32)(unsafe.Pointer(&buf[off])) = l
		off += 4
		off += copy(buf[off:], t)
	}
	out.data, out.len, out.nrows = (*C.char)(p), C.size_t(size), 1
	return C.KT_OK
}
