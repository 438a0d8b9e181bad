package fdw

import (
	"context"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// The bulk apply of a large commit over the binary protocol. KT's binary
// set_bulk and remove_bulk have no atomic flag, but they store 3-4x the
// records per second of HTTP set_bulk (no TSV/base64, a per-record xt), and
// a commit of more than one apply_batch chunk was never atomic as a whole in
// bulk mode anyway. So: a commit that fits in one chunk keeps the per-call
// atomic HTTP set_bulk/remove_bulk (a small transaction, such as a synced
// trigger's, is all-or-nothing per call for KT's readers); a larger one is
// sent in binary chunks of at least binaryApplyChunk records. Both write
// final states, so the unknown-outcome retries of call() stay harmless.

// binaryApplyChunk is the smallest number of records per binary call.
// Measured on the dev server (BenchmarkApplyBinaryChunk, 200,000 x 100
// bytes, medians of 5): 10,000 and 20,000 per call about equal, 50,000
// slower (bigger buffers on both sides); a round trip (~0.2 ms) per 20,000
// records is noise, so larger chunks would only cost memory.
const binaryApplyChunk = 20000

// BinaryBulkRemote is a Remote that can write with the binary protocol's
// set_bulk and remove_bulk: not atomic, each record with its own xt.
type BinaryBulkRemote interface {
	// BinSetBulk stores recs (XT absolute, 0 = never expires).
	BinSetBulk(ctx context.Context, db string, recs []fdwtype.Record) error
	BinRemoveBulk(ctx context.Context, db string, keys [][]byte) error
}

// Operation names of the binary apply calls (error messages, retries).
const (
	opBinSetBulk    = "bin_set_bulk"
	opBinRemoveBulk = "bin_remove_bulk"
)

// applyBinary sends sets, then removes, in chunks of batch records over
// the binary protocol, applyInFlight calls at a time.
func applyBinary(ctx context.Context, t fdwtype.Table, br BinaryBulkRemote, sets []fdwtype.Record, removes [][]byte, batch int) *fdwtype.Status {
	p := newPipeline(ctx) // applyInFlight calls at once (apply_pipeline.go)
	for i := 0; i < len(sets); i += batch {
		chunk := sets[i:min(i+batch, len(sets))]
		if !p.send(func(ctx context.Context) *fdwtype.Status {
			return call(ctx, opContext(t, opBinSetBulk), func(ctx context.Context) error {
				return br.BinSetBulk(ctx, t.DB, chunk)
			})
		}) {
			break
		}
	}
	if st := p.wait(opContext(t, opBinSetBulk)); st != nil {
		return st
	}
	p = newPipeline(ctx)
	for i := 0; i < len(removes); i += batch {
		chunk := removes[i:min(i+batch, len(removes))]
		if !p.send(func(ctx context.Context) *fdwtype.Status {
			return call(ctx, opContext(t, opBinRemoveBulk), func(ctx context.Context) error {
				return br.BinRemoveBulk(ctx, t.DB, chunk)
			})
		}) {
			break
		}
	}
	return p.wait(opContext(t, opBinRemoveBulk))
}

// binaryBulk returns r's binary bulk calls when a commit of n writes should
// use them (more than one apply_batch chunk).
func binaryBulk(r Remote, n, batch int) (BinaryBulkRemote, bool) {
	if n <= batch {
		return nil, false
	}
	br, ok := r.(BinaryBulkRemote)
	return br, ok
}

// A commit of one key without conflict_check expectations (a synced
// trigger's UPDATE that keeps its key, a single-row INSERT or DELETE) is
// one binary set_bulk or remove_bulk of that record, in every apply mode:
// KT writes one record all-or-nothing by itself, so this is as atomic as
// ktfdwapply, and a real KT answers it in well under half the time of a
// play_script call, which runs Lua and opens a transaction
// (doc/performance.md). Mode atomic still requires the script (the probe
// is cached per connection), so a server without it fails every commit alike.

// oneKeyWrite reports whether the commit is one write and no expectation,
// on a Remote with the binary bulk calls.
func oneKeyWrite(r Remote, sets []fdwtype.Record, removes [][]byte, exps map[string]expectation) (BinaryBulkRemote, bool) {
	if len(sets)+len(removes) != 1 || len(exps) > 0 {
		return nil, false
	}
	br, ok := r.(BinaryBulkRemote)
	return br, ok
}

// applyOneKey writes the commit's one record (a final state: the retries
// of an unknown outcome are harmless, as for every apply call).
func applyOneKey(ctx context.Context, t fdwtype.Table, br BinaryBulkRemote, sets []fdwtype.Record, removes [][]byte) *fdwtype.Status {
	if len(sets) == 1 {
		return call(ctx, opContext(t, opBinSetBulk), func(ctx context.Context) error {
			return br.BinSetBulk(ctx, t.DB, sets)
		})
	}
	return call(ctx, opContext(t, opBinRemoveBulk), func(ctx context.Context) error {
		return br.BinRemoveBulk(ctx, t.DB, removes)
	})
}
