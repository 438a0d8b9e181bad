package ktdev

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// recordOverhead approximates the per-record memory KT would report in size.
const recordOverhead = 48

// DB is one in-memory database of the dev server. All methods are safe for
// concurrent use; Update and View give scripts several operations under one
// lock.
type DB struct {
	index int
	spec  dbSpec
	// persistent: "#ktopts=p", records carry no expiration
	persistent bool
	clock      func() time.Time

	mu    sync.RWMutex
	recs  map[string]*record
	order *skiplist
	// pending are records not yet linked into order: inserts only append
	// here, and the first ordered access sorts and merges them (see sorted)
	pending   []*record
	bytes     int64    // sum of key and value sizes plus overhead
	gcPos     position // where the background GC continues
	gcPending int      // same, among pending records
	// clears counts Clear calls: a clear invalidates every cursor of the
	// database, as KC's clear does (disable_cursors)
	clears uint64
}

func newDB(index int, spec dbSpec, clock func() time.Time) *DB {
	return &DB{
		index:      index,
		spec:       spec,
		persistent: strings.Contains(spec.opts["ktopts"], "p"),
		clock:      clock,
		recs:       make(map[string]*record),
		order:      newSkiplist(),
	}
}

// Index is the database's position on the command line (KT's DB index).
func (db *DB) Index() int { return db.index }

// Name is what the DB parameter matches: the path after the last '/'.
func (db *DB) Name() string { return db.spec.name }

// Path is the database argument without tuning parameters.
func (db *DB) Path() string { return db.spec.path }

// Ordered reports whether the database iterates in key order (tree types).
func (db *DB) Ordered() bool { return db.spec.typ.ordered }

func (db *DB) now() int64 { return db.clock().Unix() }

// hashOf is the first sort field of a key. Tree databases use the key's
// first 8 bytes (zero-padded, big-endian), which orders like the key itself
// and settles most comparisons without touching the key bytes; hash
// databases use FNV-1a, a fixed order unrelated to the keys.
func (db *DB) hashOf(key string) uint64 {
	if db.spec.typ.ordered {
		var h uint64
		for i := 0; i < 8; i++ {
			h <<= 8
			if i < len(key) {
				h |= uint64(key[i])
			}
		}
		return h
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	return h
}

// posOf is the position of key in the database's order.
func (db *DB) posOf(key string) position { return position{db.hashOf(key), key} }

// Update runs fn with the database locked for writing.
func (db *DB) Update(fn func(tx *Tx) error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return fn(&Tx{db: db, now: db.now()})
}

// View runs fn for reading only. (It takes the exclusive lock too, because
// ordered reads may have to index pending records.)
func (db *DB) View(fn func(tx *Tx) error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return fn(&Tx{db: db, now: db.now()})
}

// sorted returns the ordered index after merging pending records; the caller
// holds the write lock.
func (db *DB) sorted() *skiplist {
	if len(db.pending) > 0 {
		sort.Slice(db.pending, func(i, j int) bool {
			return db.pending[i].lessThan(db.pending[j].pos())
		})
		for _, r := range db.pending {
			r.pendingAt = 0
		}
		db.order.insertSorted(db.pending)
		if cap(db.pending) > 1<<16 {
			db.pending = nil
		} else {
			clear(db.pending)
			db.pending = db.pending[:0]
		}
	}
	return db.order
}

// Count is the number of records, including expired ones not yet collected
// (as in KT).
func (db *DB) Count() int64 {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return int64(len(db.recs))
}

// Size approximates the memory the records use.
func (db *DB) Size() int64 {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.bytes
}

// Tx gives access to a locked database; it is only valid inside the Update or
// View callback that produced it.
type Tx struct {
	db  *DB
	now int64
}

func (tx *Tx) lookup(key string) *record {
	r := tx.db.recs[key]
	if r == nil || expired(r.xt, tx.now) {
		return nil
	}
	return r
}

// store writes value with the resolved absolute xt, creating the record if
// needed.
func (tx *Tx) store(key, value string, absXT int64) {
	db := tx.db
	if r := db.recs[key]; r != nil {
		db.bytes += int64(len(value) - len(r.value))
		r.value = value
		r.xt = absXT
		return
	}
	r := &record{key: key, value: value, xt: absXT, hash: db.hashOf(key)}
	db.recs[key] = r
	db.pending = append(db.pending, r)
	r.pendingAt = len(db.pending)
	db.bytes += int64(len(key)+len(value)) + recordOverhead
}

func (tx *Tx) drop(r *record) {
	db := tx.db
	delete(db.recs, r.key)
	if r.pendingAt > 0 {
		last := db.pending[len(db.pending)-1]
		db.pending[r.pendingAt-1] = last
		last.pendingAt = r.pendingAt
		db.pending[len(db.pending)-1] = nil
		db.pending = db.pending[:len(db.pending)-1]
		r.pendingAt = 0
	} else {
		db.order.remove(r)
	}
	db.bytes -= int64(len(r.key)+len(r.value)) + recordOverhead
}

// Get returns the value and absolute xt of a live record.
func (tx *Tx) Get(key string) (value string, xt int64, ok bool) {
	r := tx.lookup(key)
	if r == nil {
		return "", 0, false
	}
	return r.value, r.xt, true
}

// Set stores a record; xt uses KT's request rules (XTAbsent = never).
// Databases opened with "#ktopts=p" ignore xt (records never expire).
func (tx *Tx) Set(key, value string, xt int64) {
	abs := XTNever
	if !tx.db.persistent {
		abs = resolveXT(xt, tx.now)
	}
	tx.store(key, value, abs)
}

// Add stores a record only if it does not exist.
func (tx *Tx) Add(key, value string, xt int64) error {
	if tx.lookup(key) != nil {
		return ErrDuplicate
	}
	tx.Set(key, value, xt)
	return nil
}

// Replace stores a record only if it exists.
func (tx *Tx) Replace(key, value string, xt int64) error {
	if tx.lookup(key) == nil {
		return ErrNoRecord
	}
	tx.Set(key, value, xt)
	return nil
}

// Append appends to a record's value, creating it when missing.
func (tx *Tx) Append(key, value string, xt int64) {
	if r := tx.lookup(key); r != nil {
		value = r.value + value
	}
	tx.Set(key, value, xt)
}

// Remove deletes a live record.
func (tx *Tx) Remove(key string) error {
	r := tx.db.recs[key]
	if r == nil {
		return ErrNoRecord
	}
	live := !expired(r.xt, tx.now)
	tx.drop(r)
	if !live {
		return ErrNoRecord
	}
	return nil
}

// Seize returns a live record's value and xt and removes it.
func (tx *Tx) Seize(key string) (value string, xt int64, err error) {
	r := tx.lookup(key)
	if r == nil {
		return "", 0, ErrNoRecord
	}
	tx.drop(r)
	return r.value, r.xt, nil
}

// CAS compares and swaps: a nil old value means "must not exist", a nil new
// value means "remove".
func (tx *Tx) CAS(key string, oval, nval *string, xt int64) error {
	r := tx.lookup(key)
	if oval == nil {
		if r != nil {
			return ErrStatusConflict
		}
	} else if r == nil || r.value != *oval {
		return ErrStatusConflict
	}
	if nval == nil {
		if r != nil {
			tx.drop(r)
		}
		return nil
	}
	tx.Set(key, *nval, xt)
	return nil
}

// Clear removes every record.
func (tx *Tx) Clear() {
	db := tx.db
	db.recs = make(map[string]*record)
	db.order = newSkiplist()
	db.pending = nil
	db.bytes = 0
	db.clears++
}

// Vacuum removes expired records.
func (tx *Tx) Vacuum() {
	for r := tx.db.sorted().first(); r != nil; {
		next := r.links[0]
		if expired(r.xt, tx.now) {
			tx.drop(r)
		}
		r = next
	}
}

// Each calls fn for every live record in the database's order until fn
// returns false.
func (tx *Tx) Each(fn func(key, value string, xt int64) bool) {
	for r := tx.db.sorted().first(); r != nil; r = r.links[0] {
		if expired(r.xt, tx.now) {
			continue
		}
		if !fn(r.key, r.value, r.xt) {
			return
		}
	}
}

// get reads one live record under a read lock (the hot path of get).
func (db *DB) get(key string) (value string, xt int64, ok bool) {
	db.mu.RLock()
	r := db.recs[key]
	if r == nil || expired(r.xt, db.now()) {
		db.mu.RUnlock()
		return "", 0, false
	}
	value, xt = r.value, r.xt
	db.mu.RUnlock()
	return value, xt, true
}

// set writes one record under the write lock (the hot path of set).
func (db *DB) set(key, value string, xt int64) {
	db.mu.Lock()
	(&Tx{db: db, now: db.now()}).Set(key, value, xt)
	db.mu.Unlock()
}

// remove deletes one record; false if it was missing.
func (db *DB) remove(key string) bool {
	db.mu.Lock()
	err := (&Tx{db: db, now: db.now()}).Remove(key)
	db.mu.Unlock()
	return err == nil
}
