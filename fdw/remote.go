package fdw

import "context"

// Record is one KT record as the FDW sees it.
type Record struct {
	Key, Value []byte
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
	Close() error
}

// Dialer makes a Remote for a server's options; it must do no I/O.
type Dialer func(ServerOptions) (Remote, error)
