package fdw

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
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
func (w commitWork) applyStreamed(ctx context.Context) (handled bool, st *fdwtype.Status) {
	if st := w.buf.Err(); st != nil {
		return true, st // a spill failed: the commit fails, nothing was sent
	}
	if !w.buf.spilled() || (w.exps != nil && w.exps.Len() > 0) {
		return false, nil
	}
	batch := w.table.Server.Opts.Xact.ApplyBatch
	if batch < 1 {
		batch = fdwtype.DefaultApplyBatch
	}
	piece := max(2*batch, binaryApplyChunk)
	// TRUNCATE: list the cleared keys KT has that the transaction does not
	// write (as applyClears does, asking the buffer instead of a map of
	// every key); they are removed after all the writes, so bulk mode
	// never leaves the cleared range empty in between
	var extra [][]byte
	if clears := w.buf.Clears(); len(clears) > 0 {
		var st *fdwtype.Status
		if extra, st = listCleared(ctx, w.table, w.remote, clears, w.buf.spillView(false).Has); st != nil {
			return true, st
		}
		slices.SortFunc(extra, bytes.Compare)
	}
	it := w.buf.FinalIter()
	it.reuse = true // applyTarget keeps nothing of a piece after it returns
	defer it.Close()
	if st := applyPieces(it, piece, func(sets []fdwtype.Record, removes [][]byte) *fdwtype.Status {
		return applyTarget(ctx, w.table, w.remote, sets, removes, nil)
	}); st != nil {
		return true, st
	}
	for i := 0; i < len(extra); i += piece {
		if st := applyTarget(ctx, w.table, w.remote, nil, extra[i:min(i+piece, len(extra))], nil); st != nil {
			return true, st
		}
	}
	return true, nil
}

// mergedPiece is one piece of the merge, in its slot.
type mergedPiece struct {
	slot    int
	sets    []fdwtype.Record
	removes [][]byte
	st      *fdwtype.Status
}

// applyPieces sends the iterator's pieces through apply in key order while
// a goroutine merges the next one into the other slot, so reading and
// merging the spill files overlaps KT's work on the previous piece (the
// two cost about the same in a 1,000,000-row bulk commit). It returns once
// that goroutine has stopped: nothing reads the spill files after the
// commit ends (the buffer then removes them).
func applyPieces(it *FinalIter, piece int, apply func([]fdwtype.Record, [][]byte) *fdwtype.Status) *fdwtype.Status {
	pieces := make(chan mergedPiece)
	free := make(chan int, 2)
	free <- 0
	free <- 1
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer func() {
			if r := recover(); r != nil { // a Go bug fails the commit, not the backend
				select {
				case pieces <- mergedPiece{st: fdwtype.PanicStatus(fmt.Sprint(r))}:
				case <-done:
				}
			}
		}()
		for {
			var slot int
			select {
			case slot = <-free:
			case <-done:
				return
			}
			sets, removes, st := it.NextSlot(slot, piece)
			select {
			case pieces <- mergedPiece{slot: slot, sets: sets, removes: removes, st: st}:
			case <-done:
				return
			}
			if st != nil || (len(sets) == 0 && len(removes) == 0) {
				return
			}
		}
	}()
	defer func() {
		close(done)
		<-stopped
	}()
	for {
		p := <-pieces // a merge of one piece is short: a cancel is seen by apply
		if p.st != nil {
			return p.st
		}
		if len(p.sets) == 0 && len(p.removes) == 0 {
			return nil
		}
		if st := apply(p.sets, p.removes); st != nil {
			return st
		}
		free <- p.slot
	}
}
