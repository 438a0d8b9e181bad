//go:build ktfdw_ext

package main

/*
#include "ktfdw_go.h"
*/
import "C"

import (
	"strconv"
	"strings"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// ktfdw_explain_table describes t for EXPLAIN VERBOSE (pgext/explain.c):
// a malloc'd string of tab-separated fields (C frees it): server name,
// host:port (a failover list: all, comma-separated), db, prefix, apply
// mode, apply_batch, conflict_check (on/off). NULL when the options do
// not parse (the scan then raises the error itself).
//
//export ktfdw_explain_table
func ktfdw_explain_table(t *C.KtTable) (out *C.char) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	tbl, st := cachedTable(t)
	if st != nil {
		return nil
	}
	check := "off"
	if tbl.ConflictCheck {
		check = "on"
	}
	db := tbl.DB
	if db == "" {
		db = "0"
	}
	x := tbl.Server.Opts.Xact
	batch := x.ApplyBatch
	if batch <= 0 {
		batch = fdwtype.DefaultApplyBatch
	}
	return C.CString(strings.Join([]string{tbl.Server.Name, tbl.Server.Opts.Addr(), db, string(tbl.Prefix),
		x.Apply.String(), strconv.Itoa(batch), check}, "\t"))
}
