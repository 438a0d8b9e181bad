package fdw

import (
	"context"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// ktRemote calls kt_fdw.lua (apply.go): the probe over HTTP, whose 501
// tells "no such procedure" apart from other failures, and the apply over
// the binary protocol (keys verbatim, no encoding).

var _ ApplyRemote = ktRemote{}

func (r ktRemote) ScriptVersion(ctx context.Context) (string, bool, error) {
	out, err := r.c.PlayScript(ctx, ktscript.ProcVersion, nil)
	if errors.Is(err, kt.ErrNotImplemented) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	v, err := ktscript.DecodeVersion(out)
	if err != nil {
		return "", false, err
	}
	return v.Version, true, nil
}

func (r ktRemote) ApplyScript(ctx context.Context, in []wire.Pair) ([]wire.Pair, error) {
	return r.c.BinPlayScript(ctx, ktscript.ProcApply, in, false)
}
