package fdw

import (
	"bytes"
	"context"
	"slices"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// cursorFirstBatch is the first cursor batch of a scan without a LIMIT;
// batches double from there up to ScanBatch, so a scan that Postgres
// stops early (LIMIT, EXISTS) has fetched little.
const cursorFirstBatch = 64

// producer runs in the scan's goroutine: it reads KT along the spec's
// access path and sends batches of rows, with the transaction's buffered
// writes merged in (read-your-writes).
type producer struct {
	ctx   context.Context
	out   chan<- scanItem
	r     Remote
	table fdwtype.Table
	spec  ScanSpec
	snap  bufferView // buffered changes (read-only)
	// key prefixes the transaction cleared (TRUNCATE): KT records under
	// them are gone for this transaction
	cleared [][]byte
	// buffered live records matching the spec, sorted; next is the first
	// one not sent yet
	buffered []fdwtype.Record
	next     int
	sent     int64 // rows sent, for Limit
	fromKT   int64 // KT records sent, for the planner's row count
}

func (p *producer) run(snap bufferView) {
	p.snap = snap
	if p.spec.Kind == ScanKeys && len(p.spec.Keys) < snap.Len() {
		// an IN list (per nested-loop rescan): look its keys up, not every buffered key
		for _, k := range p.spec.Keys {
			if c, ok := snap.Get(k); ok && !c.Removed {
				p.buffered = append(p.buffered, fdwtype.Record{Key: k, Value: c.Value, XT: c.XT})
			}
		}
	} else {
		snap.Each(func(k []byte, c Change) bool {
			if !c.Removed && p.spec.matches(k) {
				p.buffered = append(p.buffered, fdwtype.Record{Key: k, Value: c.Value, XT: c.XT})
			}
			return true
		})
	}
	slices.SortFunc(p.buffered, func(a, b fdwtype.Record) int { return bytes.Compare(a.Key, b.Key) })

	var ok bool
	switch {
	case p.truncated():
		ok = true // KT's rows are all gone for this transaction: nothing to ask
	default:
		ok = p.fromRemote()
	}
	if ok && p.spec.Kind == ScanFull && p.spec.Limit == 0 && len(p.cleared) == 0 {
		rememberRowCount(p.table.Target(), p.fromKT+int64(len(p.buffered)))
	}
	if ok {
		p.emit(nil, true)
	}
}

// truncated: the transaction cleared the whole database (TRUNCATE).
func (p *producer) truncated() bool {
	for _, c := range p.cleared {
		if len(c) == 0 {
			return true
		}
	}
	return false
}

// fromRemote reads KT along the spec's access path.
func (p *producer) fromRemote() (ok bool) {
	switch p.spec.Kind {
	case ScanGet:
		ok = p.get()
	case ScanKeys:
		ok = p.keys(p.spec.Keys)
	case ScanPrefix:
		ok = p.prefix()
	case ScanRange:
		ok = p.cursor()
	default:
		if p.spec.Ordered && p.spec.Limit > 0 {
			ok = p.cursor() // a tree DB: LIMIT n reads about n records
		} else {
			ok = p.allKeys() // KT lists a tree DB's keys in order
		}
	}
	return ok
}

// fail sends st; the scan ends with it.
func (p *producer) fail(st *fdwtype.Status) bool {
	send(p.ctx, p.out, scanItem{st: st})
	return false
}

// done reports whether Limit rows went out.
func (p *producer) done() bool {
	return p.spec.Limit > 0 && p.sent >= p.spec.Limit
}

// emit sends KT records (in key order when the spec is Ordered) with the
// buffered records merged in: in order before and among them when Ordered,
// else all at the end (last). KT records whose key has a buffered change
// are dropped: the buffer decides. false when the scan must stop.
func (p *producer) emit(recs []fdwtype.Record, last bool) bool {
	if p.snap.Len() > 0 || len(p.cleared) > 0 {
		kept := recs[:0]
		for _, r := range recs {
			if !p.snap.Has(r.Key) && !coveredBy(r.Key, p.cleared) {
				kept = append(kept, r)
			}
		}
		recs = kept
	}
	p.fromKT += int64(len(recs))
	take := 0
	switch {
	case last:
		take = len(p.buffered) - p.next
	case p.spec.Ordered && len(recs) > 0:
		lastKey := recs[len(recs)-1].Key
		for p.next+take < len(p.buffered) && bytes.Compare(p.buffered[p.next+take].Key, lastKey) < 0 {
			take++
		}
	}
	if take > 0 {
		// a full slice expression: recs may share its array with the Remote
		recs = append(recs[:len(recs):len(recs)], p.buffered[p.next:p.next+take]...)
		p.next += take
		if p.spec.Ordered {
			slices.SortFunc(recs, func(a, b fdwtype.Record) int { return bytes.Compare(a.Key, b.Key) })
		}
	}
	for len(recs) > 0 {
		n := min(len(recs), ScanBatch)
		if p.spec.Limit > 0 {
			n = int(min(int64(n), p.spec.Limit-p.sent))
		}
		if n <= 0 {
			return false
		}
		if !send(p.ctx, p.out, scanItem{rows: recs[:n]}) {
			return false
		}
		p.sent += int64(n)
		recs = recs[n:]
	}
	return !p.done()
}

func (p *producer) get() bool {
	key := p.spec.Keys[0]
	if p.table.XT {
		return p.keys([][]byte{key}) // binary get_bulk returns the xt, Get does not keep it
	}
	var (
		val   []byte
		found bool
	)
	if st := call(p.ctx, opContext(p.table, "get"), func(ctx context.Context) error {
		var err error
		val, found, err = p.r.Get(ctx, p.table.DB, key)
		return err
	}); st != nil {
		return p.fail(st)
	}
	if found {
		return p.emit([]fdwtype.Record{{Key: key, Value: val}}, false)
	}
	return true
}

// keys fetches the records of keys (sorted) with get_bulk, ScanBatch at a
// time, skipping those the buffer decides.
func (p *producer) keys(keys [][]byte) bool {
	for i := 0; i < len(keys); i += ScanBatch {
		if !p.fetch(keys[i:min(i+ScanBatch, len(keys))]) {
			return false
		}
	}
	return true
}

// fetch reads one chunk of keys with get_bulk and emits the records; keys
// the buffer decides are not asked for.
func (p *producer) fetch(chunk [][]byte) bool {
	if p.snap.Len() > 0 {
		chunk = slices.DeleteFunc(slices.Clone(chunk), p.snap.Has)
	}
	if len(chunk) == 0 {
		return true
	}
	var recs []fdwtype.Record
	if st := call(p.ctx, opContext(p.table, "get_bulk"), func(ctx context.Context) error {
		var err error
		recs, err = p.r.GetBulk(ctx, p.table.DB, chunk)
		return err
	}); st != nil {
		return p.fail(st)
	}
	if p.spec.KeysOnly {
		for i := range recs {
			recs[i].Value = []byte{} // not read: not copied to Postgres
		}
	}
	if p.spec.Ordered && !slices.IsSortedFunc(recs, func(a, b fdwtype.Record) int { return bytes.Compare(a.Key, b.Key) }) {
		slices.SortFunc(recs, func(a, b fdwtype.Record) int { return bytes.Compare(a.Key, b.Key) })
	}
	return p.emit(recs, false)
}

// listed reads a prefix or full scan: a LIMIT the scan serves alone lists
// just enough keys (match_prefix max); otherwise every key is listed when
// that fits (listAll), else a cursor is walked.
func (p *producer) listed(prefix []byte) bool {
	if p.spec.Limit > 0 {
		// keys the buffer decides are dropped later: ask for more
		max := int(min(p.spec.Limit+int64(p.snap.Len()), 1<<30))
		l, _, ok := p.list(prefix, max, 0, 0, 0)
		return ok && p.values(l)
	}
	if _, ok := p.r.(ScanRemote); !ok {
		l, _, ok := p.list(prefix, -1, 0, 0, 0) // no cursor to fall back on
		return ok && p.values(l)
	}
	l, ok := p.listAll(prefix)
	if !ok {
		return false
	}
	if l == nil {
		return p.cursor()
	}
	return p.values(l)
}

// prefix is a prefix scan: match_prefix and get_bulk, or a cursor walk
// (from the prefix on a key-ordered DB) when the prefix has too many keys.
func (p *producer) prefix() bool { return p.listed(p.spec.Prefix) }

// allKeys is a full scan: match_prefix of every key (in key order on a
// tree DB) and get_bulk, or a cursor walk when the keys do not fit in
// memory.
func (p *producer) allKeys() bool { return p.listed(nil) }

// values fetches the records of listed keys, ScanBatch at a time. With
// KeysOnly (count(*)) the values are dropped, but the keys are still
// confirmed by get_bulk: a real KT lists expired records its lazy GC has
// not collected yet, and KT has no snapshot (a record removed since the
// listing must not be counted).
func (p *producer) values(l *kt.KeyList) bool {
	chunk := make([][]byte, 0, ScanBatch)
	for i := 0; i < l.Len(); i += ScanBatch {
		chunk = l.AppendKeys(chunk[:0], i, min(i+ScanBatch, l.Len()))
		if !p.fetch(chunk) {
			return false
		}
	}
	return true
}

// cursor walks a key-ordered DB from the low bound (or the start) in
// batches, stopping past the high bound, at Limit, or when Postgres stops
// reading (the channel fills and the scan is closed).
func (p *producer) cursor() bool {
	sr, ok := p.r.(ScanRemote)
	if !ok {
		l, _, ok := p.list(nil, -1, 0, 0, 0)
		if !ok {
			return false
		}
		var keys [][]byte
		for i := range l.Len() {
			if k := l.Key(i); p.spec.matches(k) {
				keys = append(keys, k)
			}
		}
		return p.keys(keys)
	}
	oc := opContext(p.table, "cur_get")
	var from []byte // a hash DB's cursor jumps to one exact key: start at the first
	if p.spec.Ordered {
		switch {
		case p.spec.Kind == ScanRange && p.spec.Lo.Set:
			from = p.spec.Lo.Key
		case p.spec.Kind == ScanPrefix:
			from = p.spec.Prefix
		}
	}
	var cur RecordCursor
	if st := call(p.ctx, opContext(p.table, "cur_jump"), func(ctx context.Context) error {
		var err error
		cur, err = sr.CursorFrom(ctx, p.table.DB, from)
		return err
	}); st != nil {
		return p.fail(st)
	}
	defer func() { _ = cur.Close() }()
	batch := cursorFirstBatch
	if p.spec.Limit > 0 {
		batch = int(min(p.spec.Limit+1, ScanBatch))
	}
	for {
		var recs []fdwtype.Record
		// no retry: a cursor does not survive a new connection
		err := withTimeout(p.ctx, oc.Timeout, func(ctx context.Context) error {
			var err error
			recs, err = cur.Next(ctx, batch)
			return err
		})
		if err != nil {
			if p.ctx.Err() != nil {
				return p.fail(KTStatus(oc, context.Canceled))
			}
			return p.fail(KTStatus(oc, err))
		}
		end := len(recs) < batch
		kept := recs[:0]
		for _, r := range recs {
			if p.spec.Ordered && p.pastEnd(r.Key) {
				end = true // past the last key that can match: stop reading
				break
			}
			if p.spec.matches(r.Key) {
				kept = append(kept, r)
			}
		}
		if !p.emit(kept, false) {
			return false
		}
		if end {
			return true
		}
		batch = min(batch*2, ScanBatch)
	}
}

// pastEnd: in key order, key and every later key are beyond the spec.
func (p *producer) pastEnd(key []byte) bool {
	switch p.spec.Kind {
	case ScanRange:
		return p.spec.inRange(key) > 0
	case ScanPrefix:
		return bytes.Compare(key, p.spec.Prefix) > 0 && !bytes.HasPrefix(key, p.spec.Prefix)
	}
	return false
}
