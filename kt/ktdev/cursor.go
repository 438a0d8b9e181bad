package ktdev

// Cursor walks one database like a KC cursor. It remembers a position (not a
// record pointer), so records removed by others never leave it dangling.
// Methods lock the database themselves.
type Cursor struct {
	db    *DB
	pos   position
	valid bool
	back  bool // last movement was backward: removals then move backward
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
	return nil
}

// liveFrom returns r or the first live record after it.
func liveFrom(r *record, now int64) *record {
	for r != nil && expired(r.xt, now) {
		r = r.links[0]
	}
	return r
}

// liveBefore returns the last live record strictly before p.
func liveBefore(s *skiplist, p position, now int64) *record {
	for {
		r := s.seekLT(p)
		if r == nil || !expired(r.xt, now) {
			return r
		}
		p = r.pos()
	}
}

// current returns the record under the cursor; if it has disappeared, the
// neighbour in the direction of travel.
func (c *Cursor) current(now int64) *record {
	if !c.valid {
		return nil
	}
	s := c.db.order
	r := s.seekGE(c.pos)
	if r != nil && !c.pos.less(r) && !expired(r.xt, now) {
		return r
	}
	if c.back {
		r = liveBefore(s, c.pos, now)
	} else {
		r = liveFrom(r, now)
	}
	if r == nil {
		c.valid = false
	}
	return r
}

// Jump moves to the first record, or with a key to the first record >= key
// (tree databases) or exactly key (hash databases).
func (c *Cursor) Jump(key *string) error {
	db := c.db
	db.mu.Lock()
	defer db.mu.Unlock()
	now := db.now()
	c.back = false
	switch {
	case key == nil:
		return c.setAt(liveFrom(db.sorted().first(), now))
	case db.Ordered():
		return c.setAt(liveFrom(db.sorted().seekGE(db.posOf(*key)), now))
	default:
		r := db.recs[*key]
		if r != nil && expired(r.xt, now) {
			r = nil
		}
		return c.setAt(r)
	}
}

// JumpBack moves to the last record, or with a key to the last record <= key.
// Hash databases cannot move backward.
func (c *Cursor) JumpBack(key *string) error {
	db := c.db
	if !db.Ordered() {
		c.valid = false
		return ErrNotImpl
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	now := db.now()
	c.back = true
	if key == nil {
		r := db.sorted().last()
		if r != nil && expired(r.xt, now) {
			r = liveBefore(db.order, r.pos(), now)
		}
		return c.setAt(r)
	}
	p := db.posOf(*key)
	r := db.sorted().seekLE(p)
	if r != nil && expired(r.xt, now) {
		r = liveBefore(db.order, r.pos(), now)
	}
	return c.setAt(r)
}

func (c *Cursor) stepLocked(now int64) error {
	r := c.current(now)
	if r == nil {
		return ErrNoRecord
	}
	c.back = false
	return c.setAt(liveFrom(r.links[0], now))
}

// Step moves to the next record; past the end the cursor becomes invalid.
func (c *Cursor) Step() error {
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	return c.stepLocked(c.db.now())
}

// StepBack moves to the previous record (tree databases only).
func (c *Cursor) StepBack() error {
	db := c.db
	if !db.Ordered() {
		return ErrNotImpl
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	now := db.now()
	r := c.current(now)
	if r == nil {
		return ErrNoRecord
	}
	c.back = true
	return c.setAt(liveBefore(db.order, r.pos(), now))
}

// stepOnLocked is the step of Get and SetValue: like KC's PlantDB cursor
// (kcplantdb.h Cursor::accept), it keeps the direction of the last movement,
// so after JumpBack or StepBack it moves to the previous record (observed on
// a real ktserver: cur_jump_back, cur_get step, cur_get returns the second
// last record).
func (c *Cursor) stepOnLocked(now int64) {
	if !c.back {
		_ = c.stepLocked(now)
		return
	}
	if r := c.current(now); r != nil {
		_ = c.setAt(liveBefore(c.db.order, r.pos(), now))
	}
}

// Get returns the current record and, with step, moves on afterwards in the
// direction of the last movement (running off the end still returns the
// record).
func (c *Cursor) Get(step bool) (key, value string, xt int64, err error) {
	db := c.db
	db.mu.Lock()
	defer db.mu.Unlock()
	now := db.now()
	r := c.current(now)
	if r == nil {
		return "", "", 0, ErrNoRecord
	}
	key, value, xt = r.key, r.value, r.xt
	if step {
		c.stepOnLocked(now)
	}
	return key, value, xt, nil
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
		c.stepOnLocked(now)
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
	var next *record
	if c.back {
		next = liveBefore(db.order, r.pos(), now)
	} else {
		next = liveFrom(r.links[0], now)
	}
	(&Tx{db: db, now: now}).drop(r)
	_ = c.setAt(next)
	return r.key, r.value, r.xt, nil
}
