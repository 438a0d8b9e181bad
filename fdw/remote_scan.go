package fdw

import (
	"context"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// ScanRemote is what the access paths beyond get and full scan need from a
// KT client. A Remote without it still works: prefix and range scans then
// read every key and filter (the planner's promises still hold).
type ScanRemote interface {
	// MatchPrefix lists the keys starting with prefix, in the engine's
	// order (key order on tree DBs); max < 0 means all.
	MatchPrefix(ctx context.Context, db string, prefix []byte, max int) ([][]byte, error)
	// CursorFrom opens a cursor at the first record whose key is >= from
	// (nil: the first record), in key order on tree DBs.
	CursorFrom(ctx context.Context, db string, from []byte) (RecordCursor, error)
}

// RecordCursor reads records in batches.
type RecordCursor interface {
	// Next returns up to n records; fewer than n means the end.
	Next(ctx context.Context, n int) ([]fdwtype.Record, error)
	Close() error
}
