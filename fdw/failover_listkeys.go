package fdw

import (
	"context"

	"github.com/kt-fdw/kt_fdw/kt"
)

// ListKeysInto lists keys compactly on the current host (scan_list.go).
func (f *failoverRemote) ListKeysInto(ctx context.Context, dst *kt.KeyList, db string, prefix []byte, max, budget int) (complete bool, err error) {
	err = f.read(ctx, func(r Remote) error {
		dst.Reset() // a retry on the next host starts over
		var e error
		complete, e = listKeys(ctx, r, dst, db, prefix, max, budget)
		return e
	})
	return complete, err
}
