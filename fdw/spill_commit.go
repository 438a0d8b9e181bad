package fdw

import (
	"bytes"
	"context"
	"slices"
)

// applyStreamed is the commit of a spilled buffer without conflict_check:
// its final states are merged from the runs and memory in key order and
// applied a piece of 2 x apply_batch keys (at least one binary bulk chunk)
// at a time, so the commit holds one piece and not the whole transaction.
// handled=false leaves the buffer to the usual apply (which takes all of
// Final): an unspilled buffer (at most buffer_memory), or one whose
// expectations need every key at once (applyAtomic's check pass). Each
// piece goes through applyTarget, so it is sent in apply_batch chunks like
// any commit. The pieces reuse their buffers: neither the apply nor a
// Remote keeps a record's slices after its call returned (a KT client
// sends them; the tests' fake copies them).
func (w commitWork) applyStreamed(ctx context.Context) (handled bool, st *Status) {
	if st := w.buf.Err(); st != nil {
		return true, st // a spill failed: the commit fails, nothing was sent
	}
	if !w.buf.spilled() || (w.exps != nil && w.exps.Len() > 0) {
		return false, nil
	}
	batch := w.table.Server.Opts.Xact.ApplyBatch
	if batch < 1 {
		batch = DefaultApplyBatch
	}
	piece := max(2*batch, binaryApplyChunk)
	// TRUNCATE: list the cleared keys KT has that the transaction does not
	// write (as applyClears does, asking the buffer instead of a map of
	// every key); they are removed after all the writes, so bulk mode
	// never leaves the cleared range empty in between
	var extra [][]byte
	if clears := w.buf.Clears(); len(clears) > 0 {
		var st *Status
		if extra, st = listCleared(ctx, w.table, w.remote, clears, w.buf.spillView(false).Has); st != nil {
			return true, st
		}
		slices.SortFunc(extra, bytes.Compare)
	}
	it := w.buf.FinalIter()
	it.reuse = true // applyTarget keeps nothing of a piece after it returns
	defer it.Close()
	for {
		sets, removes, st := it.Next(piece)
		if st != nil {
			return true, st
		}
		if len(sets) == 0 && len(removes) == 0 {
			break
		}
		if st := applyTarget(ctx, w.table, w.remote, sets, removes, nil); st != nil {
			return true, st
		}
	}
	for i := 0; i < len(extra); i += piece {
		if st := applyTarget(ctx, w.table, w.remote, nil, extra[i:min(i+piece, len(extra))], nil); st != nil {
			return true, st
		}
	}
	return true, nil
}
