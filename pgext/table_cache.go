//go:build ktfdw_ext

package main

/*
#include "ktfdw_go.h"
*/
import "C"

import (
	"encoding/binary"
	"unsafe"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// A point lookup starts a scan per statement, and parsing the table's
// server and table options each time cost about 3% of a lookup. The parsed
// table is cached keyed by every input of goTable, byte for byte (server
// OID and name, each option, relation and key column names, flags): an
// ALTER SERVER or ALTER FOREIGN TABLE changes the key, so no invalidation
// is needed. Building the key copies the C strings into a reused buffer;
// nothing is allocated on a hit.

// maxCachedTables bounds the cache; past it the cache starts over.
const maxCachedTables = 256

var tableCache = struct {
	m       map[string]fdwtype.Table
	scratch []byte
}{m: map[string]fdwtype.Table{}}

// cachedTable is goTable, cached. Errors are not cached.
func cachedTable(t *C.KtTable) (fdwtype.Table, *fdwtype.Status) {
	key := appendTableKey(tableCache.scratch[:0], t)
	tableCache.scratch = key
	if tbl, ok := tableCache.m[string(key)]; ok { // no allocation for the lookup
		return tbl, nil
	}
	tbl, st := goTable(t)
	if st != nil {
		return tbl, st
	}
	if len(tableCache.m) >= maxCachedTables {
		clear(tableCache.m)
	}
	tableCache.m[string(key)] = tbl
	return tbl, nil
}

// appendTableKey appends every input of goTable to dst, each string with
// its length first, so no two different tables share a key.
func appendTableKey(dst []byte, t *C.KtTable) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(t.server_oid))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(t.key_bytea))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(t.val_bytea))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(t.xt_col))
	dst = appendCString(dst, t.server_name)
	dst = appendCString(dst, t.rel_name)
	dst = appendCString(dst, t.key_col)
	dst = appendCOptions(dst, &t.server_opts)
	return appendCOptions(dst, &t.table_opts)
}

func appendCOptions(dst []byte, o *C.KtOptions) []byte {
	n := int(o.n)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	if n == 0 {
		return dst
	}
	names, values := unsafe.Slice(o.names, n), unsafe.Slice(o.values, n)
	for i := range n {
		dst = appendCString(dst, names[i])
		dst = appendCString(dst, values[i])
	}
	return dst
}

// appendCString appends the length and bytes of a NUL-terminated C string
// (a NULL pointer differs from "").
func appendCString(dst []byte, s *C.char) []byte {
	if s == nil {
		return binary.LittleEndian.AppendUint32(dst, 1<<32-1)
	}
	p := unsafe.Pointer(s)
	n := 0
	for *(*byte)(unsafe.Add(p, n)) != 0 {
		n++
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	return append(dst, unsafe.Slice((*byte)(p), n)...)
}
