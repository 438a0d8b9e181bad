package ktdev

// Cursor walks one database like a KC cursor under KT's TimedDB. It
// remembers a position (not a record pointer), so records removed by others
// never leave it dangling.
//
// When the record at the position is gone (removed by any client or
// cursor), KC's tree cursor looks up the first record >= its key whatever
// the direction (kcplantdb.h Cursor::accept, a lower_bound), and a hash
// DB's cursor is moved on to the next record by the removal itself
// (kccachedb.h escape_cursors): record operations work on that record and a
// step moves past it. Observed on a real ktserver: cur_jump_back b,
// remove b, cur_get gives c; cur_jump b, remove b, cur_step lands on d.
// (KC's tree falls back to the previous leaf when the key's own leaf has
// no record >= it; the dev server has no leaves and behaves like a tree of
// one leaf: no record >= the key means 450 and an invalid cursor.)
//
// As in kttimeddb.h, movements (jump, jump_back, step, step_back) go to the
// next stored record whether it has expired or not; only the record
// operations (get, set_value, remove, seize) skip expired records, moving on
// in the direction of the last movement until they find a live one
// (TimedDB::Cursor::accept). Observed on a real ktserver: cur_step onto an
// expired record succeeds, and cur_jump to an expired key of a hash DB
// succeeds, after which cur_get returns the next live record.
//
// Methods lock the database themselves.
type Cursor struct {
	db    *DB
	pos   position
	valid bool
	back  bool   // last movement was backward: steps and removals go backward
	clear uint64 // the database's clear count when the cursor was positioned
}

// NewCursor returns an unpositioned cursor on db.
func (db *DB) NewCursor() *Cursor { return &Cursor{db: db} }

// DB returns the database the cursor is bound to.
func (c *Cursor) DB() *DB { return c.db }

func (c *Cursor) setAt(r *record) error {
	if r == nil {
		c.valid = false
		return ErrNoRecord
	}
	c.pos = r.pos()
	c.valid = true
	c.clear = c.db.clears
	return nil
}

// positioned reports whether the cursor is on a position: a clear of the
// database since it was positioned invalidates it (observed on a real
// ktserver: after clear, cur_get and cur_step answer 450 even when records
// were added again).
func (c *Cursor) positioned() bool {
	if c.valid && c.clear != c.db.clears {
		c.valid = false
	}
	return c.valid
}

// stored is the record under the cursor, or the first one after its
// position when that record is gone (whatever the direction); nil when
// there is none. The caller holds the write lock.
func (c *Cursor) stored() *record {
	if !c.positioned() {
		return nil
	}
	return c.db.sorted().seekGE(c.pos)
}

// current moves the cursor onto the record a record operation works on: the
// stored one if it is live, else the next live one in the direction of
// travel (KT's retry loop moves the cursor too). The caller holds the write
// lock.
func (c *Cursor) current(now int64) *record {
	if !c.positioned() {
		return nil
	}
	r := c.stored()
	for r != nil && expired(r.xt, now) {
		r = c.next(r)
	}
	_ = c.setAt(r)
	return r
}

// next is the stored record after (or, backward, before) r, expired or not.
func (c *Cursor) next(r *record) *record {
	if c.back {
		return c.db.order.seekLT(r.pos())
	}
	return r.links[0]
}

// Jump moves to the first record, or with a key to the first record >= key
// (tree databases) or exactly key (hash databases).
func (c *Cursor) Jump(key *string) error {
	db := c.db
	db.mu.Lock()
	defer db.mu.Unlock()
	c.back = false
	switch {
	case key == nil:
		return c.setAt(db.sorted().first())
	case db.Ordered():
		return c.setAt(db.sorted().seekGE(db.posOf(*key)))
	default:
		db.sorted()
		return c.setAt(db.recs[*key])
	}
}

// JumpBack moves to the last record, or with a key to the last record <= key.
// Hash databases cannot move backward: the cursor stays where it was (KC's
// CacheDB only reports NOIMPL).
func (c *Cursor) JumpBack(key *string) error {
	db := c.db
	if !db.Ordered() {
		return ErrNotImpl
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	c.back = true
	if key == nil {
		return c.setAt(db.sorted().last())
	}
	return c.setAt(db.sorted().seekLE(db.posOf(*key)))
}

// Step moves past the stored record (see stored: when the record under the
// cursor is gone, past the one after it); past the end the cursor becomes
// invalid.
func (c *Cursor) Step() error {
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	r := c.stored()
	if r == nil {
		c.valid = false
		return ErrNoRecord
	}
	c.back = false
	return c.setAt(r.links[0])
}

// StepBack moves to the previous stored record (tree databases only).
func (c *Cursor) StepBack() error {
	db := c.db
	if !db.Ordered() {
		return ErrNotImpl
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if !c.positioned() {
		return ErrNoRecord
	}
	c.back = true
	return c.setAt(db.sorted().seekLT(c.pos))
}

// stepOn is the step of a get or set_value with step: like KC's PlantDB
// cursor (kcplantdb.h Cursor::accept) it keeps the direction of the last
// movement, so after JumpBack or StepBack it moves to the previous record
// (observed on a real ktserver: cur_jump_back, cur_get step, cur_get returns
// the second last record).
func (c *Cursor) stepOn(r *record) { _ = c.setAt(c.next(r)) }

// Get returns the current record and, with step, moves on afterwards in the
// direction of the last movement (running off the end still returns the
// record).
func (c *Cursor) Get(step bool) (key, value string, xt int64, err error) {
	db := c.db
	db.mu.Lock()
	defer db.mu.Unlock()
	r := c.current(db.now())
	if r == nil {
		return "", "", 0, ErrNoRecord
	}
	if step {
		c.stepOn(r)
	}
	return r.key, r.value, r.xt, nil
}

// SetValue replaces the current record's value (xt by KT's request rules).
func (c *Cursor) SetValue(value string, xt int64, step bool) error {
	db := c.db
	db.mu.Lock()
	defer db.mu.Unlock()
	now := db.now()
	r := c.current(now)
	if r == nil {
		return ErrNoRecord
	}
	tx := &Tx{db: db, now: now}
	tx.Set(r.key, value, xt)
	if step {
		c.stepOn(r)
	}
	return nil
}

// Remove deletes the current record and moves to its neighbour in the
// direction of the last movement.
func (c *Cursor) Remove() error {
	_, _, _, err := c.Seize()
	return err
}

// Seize returns the current record, removes it and moves on like Remove.
func (c *Cursor) Seize() (key, value string, xt int64, err error) {
	db := c.db
	db.mu.Lock()
	defer db.mu.Unlock()
	now := db.now()
	r := c.current(now)
	if r == nil {
		return "", "", 0, ErrNoRecord
	}
	next := c.next(r)
	(&Tx{db: db, now: now}).drop(r)
	_ = c.setAt(next)
	return r.key, r.value, r.xt, nil
}
