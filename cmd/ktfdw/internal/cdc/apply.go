package cdc

import (
	"context"
	"time"

	"github.com/cockroachdb/errors"
)

// applyBatch applies consecutive transactions: the final state of their
// changes per sink, each sink in one atomic call (or chunks, the position
// in the last), then records the new applied position. KT failures are
// retried with back-off until ctx is done, so KT being down or stalled
// only holds the stream (the slot keeps the WAL); Postgres failures are
// returned.
func (e *engine) applyBatch(ctx context.Context, batch []*Txn) error {
	last := batch[len(batch)-1]
	pos := Position{LSN: last.EndLSN, Time: last.CommitTime}
	states, err := e.finalStates(ctx, batch)
	if err != nil {
		return err
	}
	rows := 0
	for _, t := range batch {
		rows += t.Rows()
	}
	var failedSince time.Time
	failures := 0
	wait := 100 * time.Millisecond
	for {
		err := e.applySinks(ctx, states, pos)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		failures++
		if failures == 1 {
			failedSince = time.Now()
			e.logf("KT apply failed, retrying with back-off (the slot keeps the WAL; %d transaction(s) waiting from %s): %v",
				len(batch), batch[0].EndLSN, err)
		} else if failures%20 == 0 {
			e.logf("KT apply still failing after %d attempts over %s: %v", failures, time.Since(failedSince).Round(time.Second), err)
		}
		e.monitor(ctx) // a long outage is when the slot's WAL grows
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, e.cfg.RetryMax)
	}
	if failures > 0 {
		e.logf("KT apply succeeded again after %d failed attempt(s) over %s", failures, time.Since(failedSince).Round(time.Millisecond))
	}
	e.applied.Store(uint64(pos.LSN))
	e.txns += int64(len(batch))
	e.rows += int64(rows)
	return nil
}

// applySinks applies each sink's states; a sink the batch did not touch
// needs no call (its position in KT stays older, which a restart handles:
// it skips only what it holds, and there is nothing for it in between).
func (e *engine) applySinks(ctx context.Context, states map[SinkID]*finalStates, pos Position) error {
	for _, s := range e.sinks {
		fs := states[s.id]
		if fs == nil || (fs.len() == 0 && len(fs.clears) == 0) {
			continue
		}
		if s.found && s.stored.LSN >= pos.LSN {
			continue // applied by an earlier attempt of this batch
		}
		if err := s.apply(ctx, fs, &pos); err != nil {
			return err
		}
	}
	return nil
}

// finalStates encodes the batch's row changes (one query per table) and
// folds them, in commit order, into each sink's final states. A sink
// skips the transactions it already holds (after a restart).
func (e *engine) finalStates(ctx context.Context, batch []*Txn) (map[SinkID]*finalStates, error) {
	type at struct{ txn, change int }
	perTable := map[*Table][]*Change{}
	where := map[*Table][]at{}
	for ti, txn := range batch {
		for ci := range txn.Changes {
			c := &txn.Changes[ci]
			if c.Kind == Truncate {
				for _, r := range c.Rels {
					if _, err := e.table(r); err != nil {
						return nil, err
					}
				}
				continue
			}
			t, err := e.table(c.Rel)
			if err != nil {
				return nil, err
			}
			if e.holds(t, txn) {
				continue
			}
			perTable[t] = append(perTable[t], c)
			where[t] = append(where[t], at{ti, ci})
		}
	}
	encoded := make(map[at]kv)
	for t, changes := range perTable {
		kvs, err := e.enc.encode(ctx, t, changes)
		if err != nil {
			return nil, err
		}
		for i, w := range where[t] {
			encoded[w] = kvs[i]
		}
	}
	states := map[SinkID]*finalStates{}
	get := func(id SinkID) *finalStates {
		if states[id] == nil {
			states[id] = newFinalStates()
		}
		return states[id]
	}
	for ti, txn := range batch {
		for ci, c := range txn.Changes {
			if c.Kind == Truncate {
				for _, r := range c.Rels {
					t := e.tables[r.ID]
					if !e.holds(t, txn) {
						e.logf("TRUNCATE of %s (transaction ending at %s): removing the KT records of %s", t.Source, txn.EndLSN, t.Target)
						get(t.Sink).truncate(t.Prefix)
					}
				}
				continue
			}
			if r, ok := encoded[at{ti, ci}]; ok {
				get(e.tables[c.Rel.ID].Sink).row(r)
			}
		}
	}
	return states, nil
}

// holds reports whether t's sink already has txn (restart replay).
func (e *engine) holds(t *Table, txn *Txn) bool {
	s := e.byID[t.Sink]
	return s.found && txn.EndLSN <= s.stored.LSN
}

func (e *engine) table(r *Relation) (*Table, error) {
	t, ok := e.tables[r.ID]
	if !ok {
		return nil, errors.WithHint(errors.Mark(
			errors.Newf("table %s.%s (OID %d) is in publication %q but ktfdw sync was not started with it",
				r.Schema, r.Name, r.ID, e.cfg.Publication), ErrPermanent),
			"Restart ktfdw sync to include it, then backfill it with `ktfdw reconcile -source ... -repair`.")
	}
	return t, nil
}
