package fdw

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// Listing keys with match_prefix and fetching values with binary get_bulk
// is the fastest way to read many records of a hash DB, but the list is
// held in memory and the server builds the whole reply before it sends a
// byte. So a scan lists all keys only when the list fits listBudget and
// KT can build it well within the server's timeout; otherwise it walks a
// cursor (memory bounded by the batch, one request per record).

// KeyLister lists keys compactly into dst (kt.Client.ListKeysInto; dst
// may be pre-sized with Grow): budget > 0 bounds the list's bytes;
// complete=false when it stopped there.
type KeyLister interface {
	ListKeysInto(ctx context.Context, dst *kt.KeyList, db string, prefix []byte, max, budget int) (complete bool, err error)
}

// listBudget bounds the memory of one key listing (key bytes plus 4 bytes
// per key): 24 MB is a million keys of 20 bytes. A var for tests.
var listBudget = 24 << 20

// listProbe is the number of keys a scan lists first to learn the key size
// and the listing speed before it lists everything. A var for tests.
var listProbe = 100000

// listPlans remembers per KT database whether a full scan lists its keys
// (true) or walks a cursor, for rowCountTTL: the probe and the count are
// not repeated by every scan.
var listPlans = struct {
	sync.Mutex
	m map[fdwtype.Target]listPlan
}{m: map[fdwtype.Target]listPlan{}}

type listPlan struct {
	list        bool
	keys, bytes int // of the last full listing, to pre-size the next
	seen        time.Time
}

func cachedListPlan(t fdwtype.Target) (list, ok bool) {
	listPlans.Lock()
	defer listPlans.Unlock()
	p, ok := listPlans.m[t]
	if !ok || now().Sub(p.seen) > rowCountTTL {
		return false, false
	}
	return p.list, true
}

func rememberListPlan(t fdwtype.Target, list bool, l *kt.KeyList) {
	listPlans.Lock()
	defer listPlans.Unlock()
	lp := listPlan{list: list, seen: now()}
	if l != nil {
		lp.keys, lp.bytes = l.Len(), int(l.KeyBytes())
	}
	listPlans.m[t] = lp
}

// list lists the keys with prefix (at most max; max < 0: all), stopping
// past budget bytes (0: no bound), into a list pre-sized for sizeKeys keys
// of sizeBytes (0: none). ok=false when the scan failed (the error was
// sent).
func (p *producer) list(prefix []byte, max, budget, sizeKeys, sizeBytes int) (l *kt.KeyList, complete, ok bool) {
	l, complete, err := p.tryList(prefix, max, budget, sizeKeys, sizeBytes)
	if err != nil {
		return nil, false, p.fail(callStatus(p.ctx, opContext(p.table, "match_prefix"), err))
	}
	return l, complete, true
}

// tryList is list returning the error instead of failing the scan.
func (p *producer) tryList(prefix []byte, max, budget, sizeKeys, sizeBytes int) (l *kt.KeyList, complete bool, err error) {
	l = &kt.KeyList{}
	l.Grow(sizeKeys, sizeBytes)
	err, _ = callErr(p.ctx, opContext(p.table, "match_prefix"), func(ctx context.Context) error {
		var err error
		complete, err = listKeys(ctx, p.r, l, p.table.DB, prefix, max, budget)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if p.spec.Ordered {
		l.Sort() // KT replies in byte order already: a check
	}
	return l, complete, nil
}

// listAllKeys is the full listing of listAll: a listing that times out
// (the estimate was wrong, or KT is slow today) falls back to the cursor
// walk, which reads in small requests, instead of failing the scan.
// l == nil and ok: walk the cursor.
func (p *producer) listAllKeys(prefix []byte, sizeKeys, sizeBytes int) (l *kt.KeyList, complete, ok bool) {
	l, complete, err := p.tryList(prefix, -1, listBudget, sizeKeys, sizeBytes)
	if err != nil {
		if Classify(err) == FailTimeout && p.ctx.Err() == nil {
			return nil, false, true
		}
		return nil, false, p.fail(callStatus(p.ctx, opContext(p.table, "match_prefix"), err))
	}
	return l, complete, true
}

// listKeys asks a KeyLister, else lists with MatchPrefix (or every key,
// filtered) into l.
func listKeys(ctx context.Context, r Remote, l *kt.KeyList, db string, prefix []byte, max, budget int) (bool, error) {
	l.Reset() // a retried call starts over
	if kl, ok := r.(KeyLister); ok {
		return kl.ListKeysInto(ctx, l, db, prefix, max, budget)
	}
	var (
		keys [][]byte
		err  error
	)
	if sr, ok := r.(ScanRemote); ok {
		keys, err = sr.MatchPrefix(ctx, db, prefix, max)
	} else {
		keys, err = r.AllKeys(ctx, db)
	}
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if !bytes.HasPrefix(k, prefix) {
			continue
		}
		if max >= 0 && l.Len() >= max {
			break
		}
		l.Add(k)
		if budget > 0 && l.Bytes() > budget {
			return false, nil
		}
	}
	return true, nil
}

// listAll lists every key with prefix when that is the better way to read
// them (see above); l == nil (and ok) means: walk a cursor instead.
// Full scans remember the decision per database.
func (p *producer) listAll(prefix []byte) (l *kt.KeyList, ok bool) {
	full := len(prefix) == 0
	if full {
		if list, known := cachedListPlan(p.table.Target()); known {
			if !list {
				return nil, true
			}
			n, bytes := p.remembered()
			l, complete, ok := p.listAllKeys(prefix, n, bytes)
			if ok {
				rememberListPlan(p.table.Target(), complete, l)
			}
			if ok && !complete {
				return nil, true
			}
			return l, ok
		}
	}
	start := time.Now()
	probe, complete, ok := p.list(prefix, listProbe+1, listBudget, 0, 0)
	if !ok {
		return nil, false
	}
	if complete && probe.Len() <= listProbe {
		return probe, true // all of them
	}
	took := time.Since(start)
	total, list := p.worthListing(probe, took)
	list = list && complete
	if list {
		// pre-sized from the probe: appends would hold up to twice the keys' memory
		n, bytes := listSize(probe, total)
		probe = nil // the full listing repeats these keys
		l, complete, ok = p.listAllKeys(prefix, n, bytes)
		if !ok {
			return nil, false
		}
		list = complete
	}
	if full {
		rememberListPlan(p.table.Target(), list, l)
	}
	if !list {
		return nil, true
	}
	return l, true
}

// worthListing estimates, from a probe of the first keys and KT's record
// count (one status request, returned as total), whether all keys fit
// listBudget and arrive within half the server's timeout.
func (p *producer) worthListing(probe *kt.KeyList, took time.Duration) (total int64, ok bool) {
	if st := call(p.ctx, opContext(p.table, "status"), func(ctx context.Context) error {
		var err error
		total, err = p.r.Count(ctx, p.table.DB)
		return err
	}); st != nil {
		return 0, false // the cursor walk reports what is wrong, if anything
	}
	n := int64(max(probe.Len(), 1))
	if total <= n {
		return total, true
	}
	if int64(probe.Bytes())*total/n > int64(listBudget) {
		return total, false
	}
	timeout := p.table.Server.Opts.Timeout
	return total, timeout <= 0 || took.Nanoseconds()*total/n < timeout.Nanoseconds()/2
}

// listSize is the room to make for total keys like the probe's.
func listSize(probe *kt.KeyList, total int64) (keys, bytes int) {
	n := int64(max(probe.Len(), 1))
	return fitSize(total, probe.KeyBytes()*total/n)
}

// remembered is the size of the last full listing of the table's database
// (0, 0 when unknown): the next listing is pre-sized from it.
func (p *producer) remembered() (keys, bytes int) {
	listPlans.Lock()
	defer listPlans.Unlock()
	lp := listPlans.m[p.table.Target()]
	return fitSize(int64(lp.keys), int64(lp.bytes))
}

// fitSize adds 1/16 for growth since the estimate; a size that would not
// leave the list room within listBudget (4 bytes per key for the offsets,
// 4 for the ranks of a hash DB) is not pre-sized at all (0, 0).
func fitSize(keys, bytes int64) (int, int) {
	keys, bytes = keys+keys/16, bytes+bytes/16
	if 8*keys+bytes > int64(listBudget) {
		return 0, 0
	}
	return int(keys), int(bytes)
}
