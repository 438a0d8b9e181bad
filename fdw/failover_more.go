package fdw

import (
	"context"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// The rest of Remote and its optional interfaces (ScanRemote, ApplyRemote,
// BinaryBulkRemote)
// over a host list, with the same read/write rules as failover.go. A cursor
// stays on the host it was opened on.

var errNotSupported = errors.New("the KT client does not support this operation")

func (f *failoverRemote) Clear(ctx context.Context, db string, prefix []byte) error {
	return f.write(ctx, func(r Remote) error { return r.Clear(ctx, db, prefix) })
}

func (f *failoverRemote) Count(ctx context.Context, db string) (n int64, err error) {
	err = f.read(ctx, func(r Remote) error {
		var e error
		n, e = r.Count(ctx, db)
		return e
	})
	return n, err
}

func (f *failoverRemote) Databases(ctx context.Context) (dbs []Database, err error) {
	err = f.read(ctx, func(r Remote) error {
		var e error
		dbs, e = r.Databases(ctx)
		return e
	})
	return dbs, err
}

func (f *failoverRemote) MatchPrefix(ctx context.Context, db string, prefix []byte, max int) (keys [][]byte, err error) {
	err = f.read(ctx, func(r Remote) error {
		sr, ok := r.(ScanRemote)
		if !ok {
			return errNotSupported
		}
		var e error
		keys, e = sr.MatchPrefix(ctx, db, prefix, max)
		return e
	})
	return keys, err
}

func (f *failoverRemote) CursorFrom(ctx context.Context, db string, from []byte) (cur RecordCursor, err error) {
	err = f.read(ctx, func(r Remote) error {
		sr, ok := r.(ScanRemote)
		if !ok {
			return errNotSupported
		}
		var e error
		cur, e = sr.CursorFrom(ctx, db, from)
		return e
	})
	return cur, err
}

func (f *failoverRemote) ScriptVersion(ctx context.Context) (version string, found bool, err error) {
	err = f.read(ctx, func(r Remote) error {
		ar, ok := r.(ApplyRemote)
		if !ok {
			return errNotSupported
		}
		var e error
		version, found, e = ar.ScriptVersion(ctx)
		return e
	})
	return version, found, err
}

func (f *failoverRemote) ApplyScript(ctx context.Context, in []wire.Pair) (out []wire.Pair, err error) {
	err = f.write(ctx, func(r Remote) error {
		ar, ok := r.(ApplyRemote)
		if !ok {
			return errNotSupported
		}
		var e error
		out, e = ar.ApplyScript(ctx, in)
		return e
	})
	return out, err
}

func (f *failoverRemote) BinSetBulk(ctx context.Context, db string, recs []fdwtype.Record) error {
	return f.write(ctx, func(r Remote) error {
		br, ok := r.(BinaryBulkRemote)
		if !ok {
			return r.SetBulk(ctx, db, recs)
		}
		return br.BinSetBulk(ctx, db, recs)
	})
}

func (f *failoverRemote) BinRemoveBulk(ctx context.Context, db string, keys [][]byte) error {
	return f.write(ctx, func(r Remote) error {
		br, ok := r.(BinaryBulkRemote)
		if !ok {
			return r.RemoveBulk(ctx, db, keys)
		}
		return br.BinRemoveBulk(ctx, db, keys)
	})
}

var (
	_ BinaryBulkRemote = (*failoverRemote)(nil)
	_ Remote           = (*failoverRemote)(nil)
	_ ScanRemote       = (*failoverRemote)(nil)
	_ ApplyRemote      = (*failoverRemote)(nil)
)
