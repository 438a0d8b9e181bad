//go:build ktfdw_ext

package main

/*
#include "ktfdw_go.h"
*/
import "C"

import "github.com/kt-fdw/kt_fdw/fdw"

// Exports of issue 7 (reliability and security): readonly checks.

func readOnly(t *C.KtTable) bool {
	ro, _ := fdw.ReadOnly(goOptions(&t.server_opts), goOptions(&t.table_opts))
	return ro
}

// ktfdw_check_writable refuses cmd ("INSERT", "UPDATE", "DELETE",
// "TRUNCATE") on a readonly table. st may be NULL: then only the result
// code says whether the table is writable (IsForeignRelUpdatable).
//
//export ktfdw_check_writable
func ktfdw_check_writable(server, table *C.KtOptions, serverName, rel, cmd *C.char, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	return setStatus(st, fdw.CheckWritable(goOptions(server), goOptions(table),
		C.GoString(serverName), C.GoString(rel), C.GoString(cmd)))
}
