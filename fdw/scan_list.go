package fdw

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/kt-fdw/kt_fdw/kt"
)

// Listing keys with match_prefix and fetching values with binary get_bulk
// is the fastest way to read many records of a hash DB, but the list is
// held in memory and the server builds the whole reply before it sends a
// byte. So a scan lists all keys only when the list fits listBudget and
// KT can build it well within the server's timeout; otherwise it walks a
// cursor (memory bounded by the batch, one request per record).

// KeyLister lists keys compactly (kt.Client.ListKeys): budget > 0 bounds
// the list's bytes; complete=false when it stopped there.
type KeyLister interface {
	ListKeys(ctx context.Context, db string, prefix []byte, max, budget int) (keys *kt.KeyList, complete bool, err error)
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
	m map[Target]listPlan
}{m: map[Target]listPlan{}}

type listPlan struct {
	list bool
	seen time.Time
}

func cachedListPlan(t Target) (list, ok bool) {
	listPlans.Lock()
	defer listPlans.Unlock()
	p, ok := listPlans.m[t]
	if !ok || now().Sub(p.seen) > rowCountTTL {
		return false, false
	}
	return p.list, true
}

func rememberListPlan(t Target, list bool) {
	listPlans.Lock()
	defer listPlans.Unlock()
	listPlans.m[t] = listPlan{list: list, seen: now()}
}

// list lists the keys with prefix (at most max; max < 0: all), stopping
// past budget bytes (0: no bound). ok=false when the scan failed (the
// error was sent).
func (p *producer) list(prefix []byte, max, budget int) (l *kt.KeyList, complete, ok bool) {
	st := call(p.ctx, p.table.opContext("match_prefix"), func(ctx context.Context) error {
		var err error
		l, complete, err = listKeys(ctx, p.r, p.table.DB, prefix, max, budget)
		return err
	})
	if st != nil {
		return nil, false, p.fail(st)
	}
	if p.spec.Ordered {
		l.Sort() // KT replies in byte order already: a check
	}
	return l, complete, true
}

// listKeys asks a KeyLister, else lists with MatchPrefix (or every key,
// filtered) into a KeyList.
func listKeys(ctx context.Context, r Remote, db string, prefix []byte, max, budget int) (*kt.KeyList, bool, error) {
	if kl, ok := r.(KeyLister); ok {
		return kl.ListKeys(ctx, db, prefix, max, budget)
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
		return nil, false, err
	}
	l := &kt.KeyList{}
	for _, k := range keys {
		if !bytes.HasPrefix(k, prefix) {
			continue
		}
		if max >= 0 && l.Len() >= max {
			break
		}
		l.Add(k)
		if budget > 0 && l.Bytes() > budget {
			return l, false, nil
		}
	}
	return l, true, nil
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
			l, complete, ok := p.list(prefix, -1, listBudget)
			if ok && !complete {
				rememberListPlan(p.table.Target(), false)
				return nil, true
			}
			return l, ok
		}
	}
	start := time.Now()
	probe, complete, ok := p.list(prefix, listProbe+1, listBudget)
	if !ok {
		return nil, false
	}
	if complete && probe.Len() <= listProbe {
		return probe, true // all of them
	}
	took := time.Since(start)
	list := complete && p.worthListing(probe, took)
	if list {
		probe = nil // the full listing repeats these keys
		l, complete, ok = p.list(prefix, -1, listBudget)
		if !ok {
			return nil, false
		}
		list = complete
	}
	if full {
		rememberListPlan(p.table.Target(), list)
	}
	if !list {
		return nil, true
	}
	return l, true
}

// worthListing estimates, from a probe of the first keys and KT's record
// count (one status request), whether all keys fit listBudget and arrive
// within half the server's timeout.
func (p *producer) worthListing(probe *kt.KeyList, took time.Duration) bool {
	var total int64
	if st := call(p.ctx, p.table.opContext("status"), func(ctx context.Context) error {
		var err error
		total, err = p.r.Count(ctx, p.table.DB)
		return err
	}); st != nil {
		return false // the cursor walk reports what is wrong, if anything
	}
	n := int64(max(probe.Len(), 1))
	if total <= n {
		return true
	}
	if int64(probe.Bytes())*total/n > int64(listBudget) {
		return false
	}
	timeout := p.table.Server.Opts.Timeout
	return timeout <= 0 || took.Nanoseconds()*total/n < timeout.Nanoseconds()/2
}
