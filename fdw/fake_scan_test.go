package fdw

import (
	"bytes"
	"context"
	"slices"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// The fake KT as a ScanRemote: match_prefix and key-ordered cursors (as on
// a tree database).

func (f *fakeRemote) MatchPrefix(ctx context.Context, db string, prefix []byte, max int) ([][]byte, error) {
	if err := f.enter(ctx, "match_prefix"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys [][]byte
	for k := range f.db(db) {
		if bytes.HasPrefix([]byte(k), prefix) {
			keys = append(keys, []byte(k))
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	if max >= 0 && len(keys) > max {
		keys = keys[:max]
	}
	return keys, nil
}

func (f *fakeRemote) CursorFrom(ctx context.Context, db string, from []byte) (RecordCursor, error) {
	if err := f.enter(ctx, "cur_jump"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var recs []fdwtype.Record
	for k, v := range f.db(db) {
		if bytes.Compare([]byte(k), from) >= 0 {
			recs = append(recs, fdwtype.Record{Key: []byte(k), Value: v})
		}
	}
	slices.SortFunc(recs, func(a, b fdwtype.Record) int { return bytes.Compare(a.Key, b.Key) })
	return &fakeCursor{f: f, recs: recs}, nil
}

type fakeCursor struct {
	f    *fakeRemote
	recs []fdwtype.Record
	read int // records handed out
}

func (c *fakeCursor) Next(ctx context.Context, n int) ([]fdwtype.Record, error) {
	if err := c.f.enter(ctx, "cur_get_batch"); err != nil {
		return nil, err
	}
	end := min(c.read+n, len(c.recs))
	out := c.recs[c.read:end]
	c.read = end
	return out, nil
}

func (c *fakeCursor) Close() error { return nil }
