package main

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// The physical limit a KT client on this machine can reach: one TCP
// connection, each request written and its reply read on the calling
// goroutine (no pool, no goroutine hand-off, no context or timer), binary
// protocol frames only. kt_fdw's point lookup and synced UPDATE are
// compared with a local operation plus one such round trip in series.

// rawBin is that minimal client.
type rawBin struct {
	nc  net.Conn
	br  *bufio.Reader
	buf []byte
}

func dialRawBin(addr string) (*rawBin, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, errors.Wrapf(err, "raw binary client: connecting to %s", addr)
	}
	return &rawBin{nc: nc, br: bufio.NewReader(nc)}, nil
}

func (r *rawBin) close() { _ = r.nc.Close() }

// get is a get_bulk of one key of DB 0.
func (r *rawBin) get(key []byte) (bool, error) {
	r.buf = wire.AppendGetOneRequest(r.buf[:0], 0, key)
	if _, err := r.nc.Write(r.buf); err != nil {
		return false, err
	}
	_, _, found, err := wire.ReadGetOneReply(r.br, key)
	return found, err
}

// set is a set_bulk of one record of DB 0 that never expires.
func (r *rawBin) set(key, value []byte) error {
	m := wire.SetBulkRequest{Records: []wire.BinRecord{{Key: key, Value: value, XT: wire.XTNever}}}
	r.buf = m.Append(r.buf[:0])
	if _, err := r.nc.Write(r.buf); err != nil {
		return err
	}
	n, err := wire.ReadCountReply(r.br, wire.MagicSetBulk)
	if err == nil && n != 1 {
		err = errors.Newf("set_bulk stored %d records", n)
	}
	return err
}

// apply is kt_fdw.lua's ktfdwapply setting one record of DB 0: the round
// trip of a synced UPDATE's commit.
func (r *rawBin) apply(key, value []byte) error {
	req := ktscript.Request{Writes: []ktscript.Write{{Key: key, Value: value}}}
	m := wire.PlayScriptRequest{Name: []byte(ktscript.ProcApply), Pairs: req.Pairs()}
	r.buf = m.Append(r.buf[:0])
	if _, err := r.nc.Write(r.buf); err != nil {
		return err
	}
	pairs, err := wire.ReadPlayScriptReply(r.br)
	if err != nil {
		return err
	}
	rep, err := ktscript.DecodeReply(pairs)
	if err != nil {
		return err
	}
	return rep.Err()
}

// rawRates runs op with random keys of the loaded range for half a pgbench
// run, Runs times; the median of the round trips per second.
func (e *benchEnv) rawRates(op func(key []byte) error) (float64, error) {
	rng := rand.New(rand.NewPCG(5, 6))
	var rates []float64
	key := make([]byte, 0, 20)
	for i := 0; i < e.cfg.Runs; i++ {
		n, start := 0, time.Now()
		for time.Since(start) < e.cfg.PGBench/2 {
			key = strconv.AppendInt(key[:0], int64(1+rng.IntN(e.cfg.Rows)), 10)
			if err := op(key); err != nil {
				return 0, err
			}
			n++
		}
		rates = append(rates, float64(n)/time.Since(start).Seconds())
	}
	return median(rates), nil
}

// rawBounds measures the raw binary client's round trips: a get of one key,
// a set of one record, and (when KT runs kt_fdw.lua) a ktfdwapply of one
// record; apply is 0 without the script.
type rawBounds struct{ get, set, apply float64 }

func (e *benchEnv) measureRaw(ctx context.Context) (rawBounds, error) {
	var b rawBounds
	r, err := dialRawBin(e.ktAddr)
	if err != nil {
		return b, err
	}
	defer r.close()
	if b.get, err = e.rawRates(func(key []byte) error {
		found, err := r.get(key)
		if err == nil && !found {
			err = errors.Newf("raw binary get: key %q not loaded", key)
		}
		return err
	}); err != nil {
		return b, err
	}
	value := []byte(strings.Repeat("x", e.cfg.ValueSize))
	if b.set, err = e.rawRates(func(key []byte) error { return r.set(key, value) }); err != nil {
		return b, err
	}
	script, err := e.hasScript(ctx)
	if err != nil || !script {
		return b, err
	}
	b.apply, err = e.rawRates(func(key []byte) error { return r.apply(key, value) })
	return b, err
}
