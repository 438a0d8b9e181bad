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

// Access paths (issue 6): the planner's view of a table and the scan spec.

// ktfdw_table_plan describes a table to the planner from its options and
// this backend's cached row count. No KT I/O.
//
//export ktfdw_table_plan
func ktfdw_table_plan(t *C.KtTable, out *C.KtTablePlan, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	tbl, fst := cachedTable(t)
	if fst != nil {
		return setStatus(st, fst)
	}
	ao := fdwtype.ParseAccessOptions(goOptions(&t.server_opts), goOptions(&t.table_opts))
	out.ordered = 0
	if ao.Ordered {
		out.ordered = 1
	}
	out.batch_size = C.int(ao.BatchSize)
	out.rows = -1
	if n, ok := fdw.CachedRowCount(tbl); ok {
		out.rows = C.double(n)
	}
	return C.KT_OK
}

// ktfdw_like_prefix: is pattern a LIKE pattern match_prefix can serve, and
// is it exactly that prefix plus '%' (then the condition is served fully)?
//
//export ktfdw_like_prefix
func ktfdw_like_prefix(pattern *C.char, n C.size_t, exact *C.int) C.int {
	defer func() { _ = recover() }()
	p := goBytes(pattern, n)
	prefix, ok := fdw.LikePrefix(p)
	if !ok {
		return 0
	}
	if len(prefix)+1 == len(p) {
		*exact = 1
	}
	return 1
}

//export ktfdw_scan_start_spec
func ktfdw_scan_start_spec(h C.uintptr_t, cs *C.KtScanSpec, st *C.KtStatus) (rc C.int) {
	defer guard(st, &rc)
	spec := fdw.ScanSpec{
		Kind:     fdw.ScanKind(cs.kind),
		Limit:    int64(cs.limit),
		Ordered:  cs.ordered != 0,
		Empty:    cs.empty != 0,
		KeysOnly: cs.keys_only != 0,
	}
	if n := int(cs.nkeys); n > 0 {
		ks, kl := unsafe.Slice(cs.keys, n), unsafe.Slice(cs.klens, n)
		spec.Keys = make([][]byte, n)
		for i := range spec.Keys {
			spec.Keys[i] = nonNilBytes(ks[i], kl[i])
		}
	}
	if spec.Kind == fdw.ScanPrefix {
		p := nonNilBytes(cs.prefix, cs.prefixlen)
		if cs.prefix_is_like != 0 {
			// a pattern from a parameter: served only if it has a prefix
			if pre, ok := fdw.LikePrefix(p); ok {
				p = pre
			} else {
				spec.Kind, p = fdw.ScanFull, nil
				spec.Limit = 0 // the condition is not served
			}
		}
		spec.Prefix = p
	}
	spec.Lo, spec.Hi = goBound(&cs.lo), goBound(&cs.hi)
	return setStatus(st, scanOf(h).StartSpec(spec))
}

func nonNilBytes(p *C.char, n C.size_t) []byte {
	if b := goBytes(p, n); b != nil {
		return b
	}
	return []byte{}
}

func goBound(b *C.KtBound) fdw.Bound {
	if b.set == 0 {
		return fdw.Bound{}
	}
	return fdw.Bound{Set: true, Exclusive: b.exclusive != 0, Key: nonNilBytes(b.key, b.len)}
}

// ktfdw_scan_stats reads a scan's KT round trips and records received, for
// EXPLAIN ANALYZE. Never fails.
//
//export ktfdw_scan_stats
func ktfdw_scan_stats(h C.uintptr_t, trips, records *C.int64_t) {
	defer func() { _ = recover() }()
	t, r := scanOf(h).Stats()
	*trips, *records = C.int64_t(t), C.int64_t(r)
}
