package fdw

import "github.com/kt-fdw/kt_fdw/fdw/fdwtype"

// FinalIter streams a buffer's final states in key order for COMMIT, one
// chunk at a time, so a commit of a spilled buffer holds one chunk of
// records and not the whole transaction.
type FinalIter struct {
	m   *merger
	err *fdwtype.Status
	// reuse: each Next overwrites what the previous one returned (the
	// commit's own streaming, which is done with a piece when it asks for
	// the next), so a commit makes no garbage per record
	reuse bool
	slots [2]pieceSlot // reuse's buffers: NextSlot alternates between them
}

// pieceSlot holds one piece's records and the copies of their bytes.
type pieceSlot struct {
	a       arena
	sets    []fdwtype.Record
	removes [][]byte
}

// FinalIter starts the merge. It does not modify the buffer (it runs in the
// commit goroutine); nothing may write to the buffer while it is in use.
func (b *Buffer) FinalIter() *FinalIter {
	return &FinalIter{m: newMerger(b.levelCopies()), err: b.Err()}
}

// Next returns the final states of the next at most max keys (max < 1: 1),
// sorted by key, split into records to set and keys to remove; both empty at
// the end. The slices stay valid after later calls. st reports a failed
// read of a spill file (58030), or the spill failure the buffer had (the
// commit must fail then: the buffer may be incomplete on disk).
func (it *FinalIter) Next(max int) (sets []fdwtype.Record, removes [][]byte, st *fdwtype.Status) {
	if it.reuse {
		return it.NextSlot(0, max)
	}
	return it.next(max, &arena{}, make([]fdwtype.Record, 0, min(maxInt(max, 1), 1<<16)), nil)
}

// NextSlot is Next for a reusing iterator that keeps two pieces: it
// overwrites what the previous call with the same slot (0 or 1) returned,
// so one piece can be sent while the next is merged.
func (it *FinalIter) NextSlot(slot, max int) (sets []fdwtype.Record, removes [][]byte, st *fdwtype.Status) {
	ps := &it.slots[slot]
	ps.a.reset()
	sets, removes, st = it.next(max, &ps.a, ps.sets[:0], ps.removes[:0])
	if st == nil {
		ps.sets, ps.removes = sets, removes
	}
	return sets, removes, st
}

func (it *FinalIter) next(max int, a *arena, sets []fdwtype.Record, removes [][]byte) ([]fdwtype.Record, [][]byte, *fdwtype.Status) {
	if it.err != nil {
		return nil, nil, it.err
	}
	max = maxInt(max, 1)
	for n := 0; n < max; n++ {
		key, c, stable, ok := it.m.next()
		if !ok {
			break
		}
		if !stable {
			key, c = a.stableCopy(key, c)
		}
		if c.Removed {
			removes = append(removes, key)
		} else {
			sets = append(sets, fdwtype.Record{Key: key, Value: c.Value, XT: c.XT})
		}
	}
	if it.m.err != nil {
		return nil, nil, spillStatus(it.m.err)
	}
	if len(sets) == 0 && !it.reuse {
		sets = nil
	}
	return sets, removes, nil
}

// Close ends the iteration (nothing to free besides memory today).
func (it *FinalIter) Close() {}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
