package kt

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strconv"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// Bulk procedures over TSV-RPC: records travel as "_<key>" pairs.

// SetBulk stores records and returns how many were stored. TSV-RPC carries
// one xt per call, so records are sent in one call per distinct XT (in the
// order XTs first appear); with atomic all records must share one XT.
func (c *Client) SetBulk(ctx context.Context, db string, recs []Record, atomic bool) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	first := recs[0].XT
	uniform := true
	for i := range recs {
		if recs[i].XT != first {
			uniform = false
			break
		}
	}
	if uniform {
		return c.setBulk(ctx, db, recs, first, atomic)
	}
	if atomic {
		return 0, errors.New("kt: atomic set_bulk needs one expiration time for all records")
	}
	var xts []int64
	for i := range recs {
		if !slices.Contains(xts, recs[i].XT) {
			xts = append(xts, recs[i].XT)
		}
	}
	total := 0
	group := make([]Record, 0, len(recs))
	for _, xt := range xts {
		group = group[:0]
		for i := range recs {
			if recs[i].XT == xt {
				group = append(group, recs[i])
			}
		}
		n, err := c.setBulk(ctx, db, group, xt, false)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (c *Client) setBulk(ctx context.Context, db string, recs []Record, xt int64, atomic bool) (int, error) {
	req := newRequest("set_bulk", db)
	req.args = slices.Grow(req.args, len(recs)+3)
	if xt != 0 {
		req.paramInt("xt", -xt) // Record.XT is absolute
	}
	if atomic {
		req.flag("atomic")
	}
	for i := range recs {
		req.record(recs[i].Key, recs[i].Value)
	}
	return c.numCall(ctx, req, true)
}

// RemoveBulk removes records and returns how many existed.
func (c *Client) RemoveBulk(ctx context.Context, db string, keys [][]byte, atomic bool) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	req := newRequest("remove_bulk", db)
	req.args = slices.Grow(req.args, len(keys)+2)
	if atomic {
		req.flag("atomic")
	}
	for _, k := range keys {
		req.record(k, nil)
	}
	return c.numCall(ctx, req, false)
}

func (c *Client) numCall(ctx context.Context, req *rpcRequest, idempotent bool) (int, error) {
	n := 0
	err := c.call(ctx, req, idempotent, func(rp *reply) error {
		v, ok := rp.get("num")
		if !ok {
			return malformedf("%s reply without num", req.proc)
		}
		var err error
		if n, err = strconv.Atoi(string(v)); err != nil {
			return malformedf("%s reply num %q", req.proc, v)
		}
		return nil
	})
	return n, err
}

// GetBulk reads records; missing ones are left out. Records come back in
// the order of keys (a key asked twice is returned once). TSV-RPC returns
// no expiration times, so XT is 0.
func (c *Client) GetBulk(ctx context.Context, db string, keys [][]byte, atomic bool) ([]Record, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	req := newRequest("get_bulk", db)
	req.args = slices.Grow(req.args, len(keys)+2)
	if atomic {
		req.flag("atomic")
	}
	for _, k := range keys {
		req.record(k, nil)
	}
	var out []Record
	err := c.call(ctx, req, true, func(rp *reply) error {
		// keep only "_" pairs, sorted for lookups in request order
		found := rp.Pairs[:0]
		for _, p := range rp.Pairs {
			if len(p.Key) > 0 && p.Key[0] == '_' {
				p.Key = p.Key[1:]
				found = append(found, p)
			}
		}
		byKey := func(a, b wire.Pair) int { return bytes.Compare(a.Key, b.Key) }
		if !slices.IsSortedFunc(found, byKey) { // KT sends them sorted already
			slices.SortFunc(found, byKey)
		}
		used := make([]bool, len(found))
		out = make([]Record, 0, len(found))
		for _, k := range keys {
			i, ok := slices.BinarySearchFunc(found, k, func(p wire.Pair, k []byte) int { return bytes.Compare(p.Key, k) })
			if ok && !used[i] {
				used[i] = true
				out = append(out, Record{Key: found[i].Key, Value: found[i].Value})
			}
		}
		return nil
	})
	return out, err
}

// MatchPrefix returns keys starting with prefix in the engine's order (key
// order on tree DBs); max < 0 means all.
func (c *Client) MatchPrefix(ctx context.Context, db string, prefix []byte, max int) ([][]byte, error) {
	return c.match(ctx, newRequest("match_prefix", db).param("prefix", prefix), max)
}

// MatchRegex returns keys matching a POSIX extended regex (ErrLogic when
// it does not compile).
func (c *Client) MatchRegex(ctx context.Context, db string, regex []byte, max int) ([][]byte, error) {
	return c.match(ctx, newRequest("match_regex", db).param("regex", regex), max)
}

func (c *Client) match(ctx context.Context, req *rpcRequest, max int) ([][]byte, error) {
	if max >= 0 {
		req.paramInt("max", int64(max))
	}
	var out [][]byte
	err := c.call(ctx, req, true, func(rp *reply) error {
		type ranked struct {
			rank int
			key  []byte
		}
		rs := make([]ranked, 0, len(rp.Pairs))
		for _, p := range rp.Pairs {
			if len(p.Key) == 0 || p.Key[0] != '_' {
				continue
			}
			r, err := strconv.Atoi(string(p.Value))
			if err != nil {
				return malformedf("%s reply rank %q", req.proc, p.Value)
			}
			rs = append(rs, ranked{r, p.Key[1:]})
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].rank < rs[j].rank })
		out = make([][]byte, len(rs))
		for i := range rs {
			out[i] = rs[i].key
		}
		return nil
	})
	return out, err
}
