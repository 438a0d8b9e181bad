package ktdev

import "time"

// Expired records are collected lazily, like KT's idle-time vacuum: a
// background loop looks at a few records of each database per tick. Until
// then they stay in count and in match_* results, as on a real ktserver,
// where a key set with a past xt stayed listed for a second or two; a tick
// of a second keeps that window, so tests see what clients of a real KT see.
const (
	gcInterval = time.Second
	gcBatch    = 10000
)

// gcStep examines up to n records from where the last step stopped and
// removes the expired ones. Records not yet indexed are checked in place so
// the GC never forces an index merge.
func (db *DB) gcStep(n int) {
	db.mu.Lock()
	defer db.mu.Unlock()
	tx := &Tx{db: db, now: db.now()}
	if len(db.pending) > 0 {
		for i := 0; i < n && len(db.pending) > 0; i++ {
			db.gcPending = (db.gcPending + 1) % len(db.pending)
			if r := db.pending[db.gcPending]; expired(r.xt, tx.now) {
				tx.drop(r)
			}
		}
		return
	}
	r := db.order.seekGE(db.gcPos)
	for i := 0; i < n; i++ {
		if r == nil {
			r = db.order.first()
			if r == nil {
				break
			}
		}
		next := r.links[0]
		if expired(r.xt, tx.now) {
			tx.drop(r)
		}
		r = next
	}
	if r != nil {
		db.gcPos = r.pos()
	} else {
		db.gcPos = position{}
	}
}

func (s *Server) gcLoop() {
	defer s.wg.Done()
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			for _, db := range s.dbs {
				db.gcStep(gcBatch)
			}
		}
	}
}
