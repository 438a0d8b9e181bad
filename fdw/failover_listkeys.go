package fdw

import (
	"context"

	"github.com/kt-fdw/kt_fdw/kt"
)

// ListKeys lists keys compactly on the current host (scan_list.go).
func (f *failoverRemote) ListKeys(ctx context.Context, db string, prefix []byte, max, budget int) (keys *kt.KeyList, complete bool, err error) {
	err = f.read(ctx, func(r Remote) error {
		var e error
		keys, complete, e = listKeys(ctx, r, db, prefix, max, budget)
		return e
	})
	return keys, complete, err
}
