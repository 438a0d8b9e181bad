package fdw

import (
	"fmt"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Conflict detection (option conflict_check): the first time a transaction
// changes a key it has seen in KT, it remembers what KT held (UPDATE and
// DELETE: the value they read; INSERT: that the key was absent). The commit
// apply checks these expectations, atomically with the writes when the
// server runs kt_fdw.lua, and fails with 40001 when KT changed meanwhile.
// Like the write buffer, expectations are kept per subtransaction level, so
// ROLLBACK TO forgets those of the rolled-back writes.

// expectation is what KT held for a key when the transaction first read it.
type expectation struct {
	value  []byte
	absent bool
}

// expectLevel keeps its expectations compactly (changeSet, Removed = absent):
// conflict_check on a large INSERT expects every key absent.
type expectLevel struct {
	nest   int
	checks *changeSet
}

// Expectations are one transaction's expectations on one KT database.
type Expectations struct {
	levels []*expectLevel
	table  fdwtype.Table // the first table that expected something, for messages
}

// has reports whether key already has an expectation at any level.
func (e *Expectations) has(key []byte) bool {
	for _, l := range e.levels {
		if l.checks.Has(key) {
			return true
		}
	}
	return false
}

// add remembers KT's state of key at nesting level nest unless an earlier
// read already did (the first read is what KT held before this transaction).
func (e *Expectations) add(nest int, key, value []byte, absent bool) {
	if e.has(key) {
		return
	}
	n := len(e.levels)
	if n == 0 || e.levels[n-1].nest < nest {
		e.levels = append(e.levels, &expectLevel{nest: nest, checks: newChangeSet()})
		n++
	}
	e.levels[n-1].checks.Put(key, Change{Value: value, Removed: absent})
}

// RollbackTo forgets the expectations of level nest and deeper.
func (e *Expectations) RollbackTo(nest int) {
	for len(e.levels) > 0 && e.levels[len(e.levels)-1].nest >= nest {
		e.levels = e.levels[:len(e.levels)-1]
	}
}

// CommitSub folds level nest (and deeper) into nest-1; an outer level's
// expectation of the same key is older and stays.
func (e *Expectations) CommitSub(nest int) {
	for len(e.levels) > 0 {
		n := len(e.levels)
		l := e.levels[n-1]
		if l.nest < nest {
			return
		}
		if n >= 2 && e.levels[n-2].nest >= nest-1 {
			parent := e.levels[n-2]
			l.checks.Each(func(k []byte, c Change) bool {
				if !parent.checks.Has(k) {
					parent.checks.Put(k, c)
				}
				return true
			})
			e.levels = e.levels[:n-1]
			continue
		}
		l.nest = nest - 1
		return
	}
}

// all returns every expectation by key.
func (e *Expectations) all() map[string]expectation {
	out := map[string]expectation{}
	for i := len(e.levels) - 1; i >= 0; i-- {
		e.levels[i].checks.Each(func(k []byte, c Change) bool {
			ex := expectation{absent: c.Removed}
			if !c.Removed {
				ex.value = nonNil(c.Value)
			}
			out[string(k)] = ex
			return true
		})
	}
	return out
}

// Len is the number of keys with an expectation.
func (e *Expectations) Len() int { return len(e.all()) }

// expectations returns the table's expectation set, making it.
func (b *Backend) expectationsFor(t fdwtype.Table) *Expectations {
	if b.expects == nil {
		b.expects = map[fdwtype.Target]*Expectations{}
	}
	e, ok := b.expects[t.Target()]
	if !ok {
		e = &Expectations{table: t}
		b.expects[t.Target()] = e
	}
	return e
}

// expectRead records, when t checks conflicts, that the transaction saw key
// in KT holding value (or absent). Keys the buffer already knows were seen
// there, not in KT, and are skipped.
func (b *Backend) expectRead(t fdwtype.Table, nest int, key, value []byte, absent bool) {
	if !t.ConflictCheck {
		return
	}
	if _, buffered := b.lookup(t, key); buffered {
		return
	}
	b.expectationsFor(t).add(nest, key, value, absent)
}

// endSubXactExpectations is EndSubXact for the expectations.
func (b *Backend) endSubXactExpectations(nest int, commit bool) {
	for _, e := range b.expects {
		if commit {
			e.CommitSub(nest)
		} else {
			e.RollbackTo(nest)
		}
	}
}

// serializationFailure is the 40001 error of a commit whose expectation on
// key no longer holds in KT.
func serializationFailure(t fdwtype.Table, key []byte, exp expectation, nowExists bool, more int, written string) *fdwtype.Status {
	saw := "absent"
	if !exp.absent {
		saw = "present"
	}
	now := "is absent"
	if nowExists {
		now = "holds a different value"
	}
	if nowExists && exp.absent {
		now = "exists"
	}
	st := &fdwtype.Status{
		SQLState: fdwtype.SQLStateSerializationFailure,
		Message: fmt.Sprintf("could not serialize access due to concurrent update of key \"%s\" in KT server \"%s\"",
			t.DisplayKey(key), t.Server.Name),
		Detail: fmt.Sprintf("The transaction saw the key %s in database \"%s\" of %s, but now it %s; %s.",
			saw, dbLabel(t.DB), t.Server.Opts.Addr(), now, written),
		Hint: "Retry the transaction.",
	}
	if more > 0 {
		st.Detail += fmt.Sprintf(" %d other key(s) changed as well.", more)
	}
	return st
}

func dbLabel(db string) string {
	if db == "" {
		return "0"
	}
	return db
}
