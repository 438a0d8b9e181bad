package fdw

import (
	"context"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Remote is the part of a KT client the FDW uses. *kt.Client satisfies it
// through ktRemote (remote_kt.go); tests use a fake.
type Remote interface {
	// Get returns found=false for a missing record.
	Get(ctx context.Context, db string, key []byte) (value []byte, found bool, err error)
	// GetBulk returns the records found, in any order.
	GetBulk(ctx context.Context, db string, keys [][]byte) ([]fdwtype.Record, error)
	SetBulk(ctx context.Context, db string, recs []fdwtype.Record) error
	RemoveBulk(ctx context.Context, db string, keys [][]byte) error
	// AllKeys lists every key of db.
	AllKeys(ctx context.Context, db string) ([][]byte, error)
	// Clear removes every key of db under prefix (nil = all of db: KT clear).
	Clear(ctx context.Context, db string, prefix []byte) error
	// Count is the number of records of db (KT status count).
	Count(ctx context.Context, db string) (int64, error)
	// Databases lists the server's databases (KT report db_<i> lines).
	Databases(ctx context.Context) ([]Database, error)
	Close() error
}

// Dialer makes a Remote for a server's options; it must do no I/O.
type Dialer func(fdwtype.ServerOptions) (Remote, error)
