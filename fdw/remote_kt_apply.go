package fdw

import (
	"context"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// ktRemote calls kt_fdw.lua (apply.go) over the binary protocol (keys
// verbatim, no encoding, a third of an HTTP call's time on a real KT). The
// binary protocol answers a refused call with a bare 0xBF; only the probe
// then asks again over HTTP, whose 501 tells "no such procedure" (or no
// scripting at all) apart from other failures and carries KT's message.

var _ ApplyRemote = ktRemote{}

func (r ktRemote) ScriptVersion(ctx context.Context) (string, bool, error) {
	out, err := r.c.BinPlayScript(ctx, ktscript.ProcVersion, nil, false)
	if errors.Is(err, kt.ErrBinary) {
		return r.scriptVersionHTTP(ctx)
	}
	if err != nil {
		return "", false, err
	}
	return foundVersion(ktscript.DecodeVersionPairs(out))
}

// scriptVersionHTTP is the probe over HTTP, for the reason of a refusal.
func (r ktRemote) scriptVersionHTTP(ctx context.Context) (string, bool, error) {
	out, err := r.c.PlayScript(ctx, ktscript.ProcVersion, nil)
	if errors.Is(err, kt.ErrNotImplemented) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return foundVersion(ktscript.DecodeVersion(out))
}

func foundVersion(v ktscript.VersionInfo, err error) (string, bool, error) {
	if err != nil {
		return "", false, err
	}
	return v.Version, true, nil
}

func (r ktRemote) ApplyScript(ctx context.Context, in []wire.Pair) ([]wire.Pair, error) {
	return r.c.BinPlayScript(ctx, ktscript.ProcApply, in, false)
}

var _ BinaryBulkRemote = ktRemote{}

// BinSetBulk stores recs with one binary set_bulk. Binary set_bulk skips
// records of a database the server does not have; fewer records stored
// than sent is therefore an error, as HTTP set_bulk's would be.
func (r ktRemote) BinSetBulk(ctx context.Context, db string, recs []fdwtype.Record) error {
	if len(recs) == 0 {
		return nil
	}
	idx, err := r.c.DBIndex(ctx, db)
	if err != nil {
		return err
	}
	req := make([]kt.BinRecord, len(recs))
	for i, rec := range recs {
		xt := kt.XTNever
		if rec.XT != 0 {
			xt = -rec.XT // absolute (KT's rule for a negative xt)
		}
		req[i] = kt.BinRecord{DB: idx, Key: rec.Key, Value: rec.Value, XT: xt}
	}
	n, err := r.c.BinSetBulk(ctx, req, false)
	if err != nil {
		return err
	}
	if n != len(recs) {
		return errors.Newf("binary set_bulk stored %d of %d records (does database %q exist?)", n, len(recs), db)
	}
	return nil
}

// BinRemoveBulk removes keys with one binary remove_bulk.
func (r ktRemote) BinRemoveBulk(ctx context.Context, db string, keys [][]byte) error {
	if len(keys) == 0 {
		return nil
	}
	idx, err := r.c.DBIndex(ctx, db)
	if err != nil {
		return err
	}
	req := make([]kt.BinRecord, len(keys))
	for i, k := range keys {
		req[i] = kt.BinRecord{DB: idx, Key: k}
	}
	_, err = r.c.BinRemoveBulk(ctx, req, false)
	return err
}
