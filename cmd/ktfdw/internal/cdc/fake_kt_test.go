package cdc

import (
	"context"
	"sort"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// fakeKT is one KT database in memory with ktfdwapply's all-or-nothing
// calls; failAt makes the n-th apply call (1-based) fail before writing.
type fakeKT struct {
	fdw.Remote // methods the sink never calls
	recs       map[string]string
	calls      [][]ktscript.Write
	failAt     int
	noScript   bool
}

func newFakeKT() *fakeKT { return &fakeKT{recs: map[string]string{}} }

func (f *fakeKT) ScriptVersion(context.Context) (string, bool, error) {
	return ktscript.Version, !f.noScript, nil
}

func (f *fakeKT) ApplyScript(_ context.Context, in []wire.Pair) ([]wire.Pair, error) {
	req, err := ktscript.DecodeRequest(ktscript.PairsMap(in))
	if err != nil {
		return nil, err
	}
	f.calls = append(f.calls, req.Writes)
	if len(f.calls) == f.failAt {
		return nil, errors.New("connection refused")
	}
	for _, w := range req.Writes {
		if w.Remove {
			delete(f.recs, string(w.Key))
		} else {
			f.recs[string(w.Key)] = string(w.Value)
		}
	}
	rep := ktscript.Reply{Status: ktscript.StatusOK, Set: len(req.Writes)}
	var out []wire.Pair
	for k, v := range rep.Map() {
		out = append(out, wire.Pair{Key: []byte(k), Value: v})
	}
	return out, nil
}

func (f *fakeKT) Get(_ context.Context, _ string, key []byte) ([]byte, bool, error) {
	v, ok := f.recs[string(key)]
	return []byte(v), ok, nil
}

func (f *fakeKT) AllKeys(context.Context, string) ([][]byte, error) {
	var out [][]byte
	for k := range f.recs {
		out = append(out, []byte(k))
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i]) < string(out[j]) })
	return out, nil
}

func (f *fakeKT) Close() error { return nil }
