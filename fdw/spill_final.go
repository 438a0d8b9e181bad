package fdw

// FinalIter streams a buffer's final states in key order for COMMIT, one
// chunk at a time, so a commit of a spilled buffer holds one chunk of
// records and not the whole transaction.
type FinalIter struct {
	m   *merger
	err *Status
	// reuse: each Next overwrites what the previous one returned (the
	// commit's own streaming, which is done with a piece when it asks for
	// the next), so a commit makes no garbage per record
	reuse   bool
	a       arena
	sets    []Record
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
func (it *FinalIter) Next(max int) (sets []Record, removes [][]byte, st *Status) {
	if it.err != nil {
		return nil, nil, it.err
	}
	max = maxInt(max, 1)
	a := &arena{}
	if it.reuse {
		a = &it.a
		a.reset()
		sets, removes = it.sets[:0], it.removes[:0]
	} else {
		sets = make([]Record, 0, min(max, 1<<16))
	}
	defer func() {
		if it.reuse {
			it.sets, it.removes = sets, removes
		}
	}()
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
			sets = append(sets, Record{Key: key, Value: c.Value, XT: c.XT})
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
