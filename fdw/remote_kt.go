package fdw

import (
	"context"
	"math"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt"
)

// ktRemote adapts *kt.Client to Remote.
type ktRemote struct{ c *kt.Client }

// DialKT makes a KT client for a server's options. It does no I/O.
func DialKT(o ServerOptions) (Remote, error) {
	connect := o.ConnectTimeout
	if connect == 0 {
		connect = math.MaxInt64 // "no limit" (kt would take 0 as its default)
	}
	c, err := kt.NewClient(kt.Config{
		Addr:           o.Addr(),
		ConnectTimeout: connect,
		OpTimeout:      o.Timeout,
	})
	if err != nil {
		return nil, err
	}
	return ktRemote{c}, nil
}

func (r ktRemote) Get(ctx context.Context, db string, key []byte) ([]byte, bool, error) {
	rec, err := r.c.Get(ctx, db, key)
	if errors.Is(err, kt.ErrNoRecord) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return rec.Value, true, nil
}

func (r ktRemote) GetBulk(ctx context.Context, db string, keys [][]byte) ([]Record, error) {
	recs, err := r.c.GetBulk(ctx, db, keys, false)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(recs))
	for i, rec := range recs {
		out[i] = Record{Key: rec.Key, Value: rec.Value}
	}
	return out, nil
}

func (r ktRemote) SetBulk(ctx context.Context, db string, recs []Record) error {
	in := make([]kt.Record, len(recs))
	for i, rec := range recs {
		in[i] = kt.Record{Key: rec.Key, Value: rec.Value}
	}
	_, err := r.c.SetBulk(ctx, db, in, true)
	return err
}

func (r ktRemote) RemoveBulk(ctx context.Context, db string, keys [][]byte) error {
	_, err := r.c.RemoveBulk(ctx, db, keys, true)
	return err
}

func (r ktRemote) AllKeys(ctx context.Context, db string) ([][]byte, error) {
	return r.c.MatchPrefix(ctx, db, nil, -1)
}

func (r ktRemote) Close() error { return r.c.Close() }

func init() {
	classifiers = append(classifiers, classifyKT)
	serverMessage = func(err error) string {
		var se *kt.ServerError
		if errors.As(err, &se) {
			return se.Message
		}
		return ""
	}
}

// classifyKT sorts the kt package's typed errors.
func classifyKT(err error) (FailKind, bool) {
	var ne *kt.NetError
	if errors.As(err, &ne) {
		switch ne.Kind {
		case kt.ConnRefused, kt.TLSFailure:
			return FailConnect, true
		case kt.Timeout:
			return FailTimeout, true
		case kt.ConnBroken:
			return FailBroken, true
		case kt.MalformedReply:
			return FailProtocol, true
		case kt.Canceled:
			return FailCanceled, true
		}
		return FailOther, true
	}
	var se *kt.ServerError
	if errors.As(err, &se) {
		return FailServer, true
	}
	return FailOther, false
}
