package fdw

import "context"

// Record is one KT record as the FDW sees it. XT is its absolute
// expiration time in Unix seconds, 0 = never (kept only where the xt
// column option needs it: GetBulk, cursors, the write buffer).
type Record struct {
	Key, Value []byte
	XT         int64
}

// Remote is the part of a KT client the FDW uses. *kt.Client satisfies it
// through ktRemote (remote_kt.go); tests use a fake.
type Remote interface {
	// Get returns found=false for a missing record.
	Get(ctx context.Context, db string, key []byte) (value []byte, found bool, err error)
	// GetBulk returns the records found, in any order.
	GetBulk(ctx context.Context, db string, keys [][]byte) ([]Record, error)
	SetBulk(ctx context.Context, db string, recs []Record) error
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
type Dialer func(ServerOptions) (Remote, error)
