package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kt-fdw/kt_fdw/cmd/ktfdw/internal/cdc"
)

// Kinds of difference between the source and KT.
const (
	diffMissing   = "missing"   // a source row without its KT record
	diffExtra     = "extra"     // a KT record without a source row
	diffDiffering = "differing" // both, with different values
)

type difference struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
}

// reconcileResult counts what a run found. The differences are the ones
// confirmed under locks (see verifyRows), not the first sightings.
type reconcileResult struct {
	SourceRows, KTKeys         int
	Missing, Extra, Differing  int
	Repaired                   int
	Diffs                      []difference // the first listMax
	listMax                    int
	sourceBatches, extraChecks int
}

func (r *reconcileResult) Total() int { return r.Missing + r.Extra + r.Differing }

func (r *reconcileResult) add(kind, key string) {
	switch kind {
	case diffMissing:
		r.Missing++
	case diffExtra:
		r.Extra++
	case diffDiffering:
		r.Differing++
	}
	if len(r.Diffs) < r.listMax {
		r.Diffs = append(r.Diffs, difference{kind, key})
	}
}

// srcRow is one source row as kt_fdw_sync maps it; val nil = no KT record.
type srcRow struct {
	native, key string
	val         *string
}

// reconciler compares in batches. Rows are paged on conn; every check that
// may repair runs in its own transaction on verify, so a batch's repair
// commits (and reaches KT) on its own.
type reconciler struct {
	spec   *syncSpec
	conn   *pgx.Conn
	verify *pgx.Conn
	batch  int
	repair bool
	prog   *progress
	res    reconcileResult
}

func (r *reconciler) run(ctx context.Context) error {
	seen := make(map[string]struct{})
	r.prog.begin("source pass", "rows", r.sourceEstimate(ctx))
	if err := r.sourcePass(ctx, seen); err != nil {
		return err
	}
	r.prog.finish(int64(r.res.SourceRows), r.res.Total())
	// in sync, KT has one key per source row: the KT pass's estimate
	r.prog.begin("KT pass", "keys", int64(r.res.SourceRows))
	if err := r.ktPass(ctx, seen); err != nil {
		return err
	}
	r.prog.finish(int64(r.res.KTKeys), r.res.Total())
	return nil
}

// sourceEstimate is the source's row count as the planner knows it, or
// counted when the table was never analyzed; 0 when unknown.
func (r *reconciler) sourceEstimate(ctx context.Context) int64 {
	var n float64
	err := r.conn.QueryRow(ctx, "SELECT reltuples FROM pg_class WHERE oid = $1", r.spec.SourceOID).Scan(&n)
	if err == nil && n > 0 {
		return int64(n)
	}
	var c int64
	if r.conn.QueryRow(ctx, "SELECT count(*) FROM "+r.spec.Source).Scan(&c) != nil {
		return 0
	}
	return c
}

// sourcePass walks the source in key order and compares each batch with the
// KT records of its keys (one get_bulk per batch through the foreign table).
func (r *reconciler) sourcePass(ctx context.Context, seen map[string]struct{}) error {
	last := ""
	for first := true; ; first = false {
		var args []any
		if !first {
			args = []any{last}
		}
		rows, err := r.conn.Query(ctx, r.spec.sourceBatchSQL(first, r.batch), args...)
		if err != nil {
			return errors.Wrap(err, "reading the source")
		}
		batch, err := scanSrcRows(rows)
		if err != nil {
			return errors.Wrap(err, "reading the source")
		}
		if len(batch) == 0 {
			return nil
		}
		r.res.SourceRows += len(batch)
		r.res.sourceBatches++
		keys := make([]string, len(batch))
		for i, row := range batch {
			keys[i] = row.key
			seen[row.key] = struct{}{}
		}
		cur, err := ktValues(ctx, r.conn, r.spec, keys)
		undecodable := isUndecodable(err)
		if err != nil && !undecodable {
			return err
		}
		var suspects []srcRow
		for _, row := range batch {
			c, inKT := cur[row.key]
			if undecodable || kindOf(row.val, c, inKT) != "" {
				suspects = append(suspects, row) // undecodable: verify finds which
			}
		}
		if len(suspects) > 0 {
			if err := r.verifyRows(ctx, suspects); err != nil {
				return err
			}
		}
		r.prog.update(int64(r.res.SourceRows), r.res.Total())
		last = batch[len(batch)-1].native
	}
}

// ktPass scans the foreign table's keys for records without a source row.
func (r *reconciler) ktPass(ctx context.Context, seen map[string]struct{}) error {
	rows, err := r.conn.Query(ctx, r.spec.ktKeysSQL())
	if err != nil {
		return errors.Wrap(err, "scanning the foreign table")
	}
	defer rows.Close()
	var extra []string
	flush := func() error {
		if len(extra) == 0 {
			return nil
		}
		err := r.verifyKTKeys(ctx, extra)
		extra = extra[:0]
		return err
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return errors.Wrap(err, "scanning the foreign table")
		}
		if strings.HasPrefix(k, cdc.PositionKeyPrefix) {
			continue // ktfdw sync's position, not a record of the table
		}
		r.res.KTKeys++
		if _, ok := seen[k]; !ok {
			extra = append(extra, k)
			if len(extra) >= r.batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		// progress also through a scan that finds nothing
		if r.res.KTKeys%r.batch == 0 {
			r.prog.update(int64(r.res.KTKeys), r.res.Total())
		}
	}
	if err := rows.Err(); err != nil {
		return errors.Wrap(err, "scanning the foreign table")
	}
	return flush()
}

// verifyRows re-checks keys that had a source row in one transaction: the
// rows are re-read FOR SHARE, so a concurrent change of them either
// committed before (its KT write is applied, and we read its result) or
// waits until this transaction's repair is applied (and then writes its own
// newer value). Rows gone meanwhile are re-checked as KT keys.
func (r *reconciler) verifyRows(ctx context.Context, suspects []srcRow) error {
	natives := make([]string, len(suspects))
	for i, s := range suspects {
		natives[i] = s.native
	}
	var gone []string
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		gone = gone[:0]
		rows, err := tx.Query(ctx, r.spec.sourceByKeysSQL(), natives)
		if err != nil {
			return errors.Wrap(err, "locking source rows")
		}
		found, err := scanSrcRows(rows)
		if err != nil {
			return errors.Wrap(err, "locking source rows")
		}
		desired := make(map[string]*string, len(found))
		byNative := make(map[string]bool, len(found))
		keys := make([]string, 0, len(found))
		for _, f := range found {
			desired[f.key] = f.val
			byNative[f.native] = true
			keys = append(keys, f.key)
		}
		for _, s := range suspects {
			if !byNative[s.native] {
				gone = append(gone, s.key)
			}
		}
		return r.settle(ctx, tx, keys, desired)
	})
	if err != nil {
		return err
	}
	if len(gone) > 0 {
		return r.verifyKTKeys(ctx, gone)
	}
	return nil
}

// verifyKTKeys re-checks KT keys that had no source row. A missing row
// cannot be locked, so the source table is locked in SHARE mode (it waits
// for writers in progress, whose KT writes are applied at their commit, and
// blocks new ones until this batch's repair is applied): without it a row
// inserted meanwhile could have its fresh KT record removed.
func (r *reconciler) verifyKTKeys(ctx context.Context, keys []string) error {
	r.res.extraChecks++
	return r.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf("LOCK TABLE %s IN SHARE MODE", r.spec.Source)); err != nil {
			return errors.Wrap(err, "locking the source table")
		}
		rows, err := tx.Query(ctx, r.spec.sourceByKTKeysSQL(), keys)
		if err != nil {
			return errors.Wrap(err, "reading the source")
		}
		found, err := scanSrcRows(rows)
		if err != nil {
			return errors.Wrap(err, "reading the source")
		}
		desired := make(map[string]*string, len(found))
		for _, f := range found {
			desired[f.key] = f.val
		}
		return r.settle(ctx, tx, keys, desired)
	})
}

// inTx runs fn in a transaction on the verify connection, again (up to 5
// times) when Postgres aborted it as a deadlock victim or serialization
// failure: a writer may lock the same rows in another order. Counts are
// only kept from the attempt that commits.
func (r *reconciler) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		saved := r.res
		saved.Diffs = append([]difference(nil), r.res.Diffs...)
		err := pgx.BeginFunc(ctx, r.verify, fn)
		var pe *pgconn.PgError
		if err == nil || attempt == 5 || !errors.As(err, &pe) || (pe.Code != "40P01" && pe.Code != "40001") {
			return err
		}
		r.res = saved
		r.prog.note("retrying a batch (" + pe.Message + ")")
	}
}

// settle compares the keys' desired values (absent from desired, or nil:
// no KT record) with KT inside tx, counts the differences and, with
// -repair, writes the fixes through the foreign table (applied at commit).
func (r *reconciler) settle(ctx context.Context, tx pgx.Tx, keys []string, desired map[string]*string) error {
	if len(keys) == 0 {
		return nil
	}
	cur, err := ktValuesChecked(ctx, tx, r.spec, keys)
	if err != nil {
		return err
	}
	var del, insK, insV []string
	found := 0
	for _, k := range keys {
		c, inKT := cur[k]
		kind := kindOf(desired[k], c, inKT)
		if kind == "" {
			continue
		}
		r.res.add(kind, k)
		found++
		if kind != diffMissing {
			del = append(del, k)
		}
		if kind != diffExtra {
			insK = append(insK, k)
			insV = append(insV, *desired[k])
		}
	}
	if !r.repair || (len(del) == 0 && len(insK) == 0) {
		return nil
	}
	if len(del) > 0 {
		if _, err := tx.Exec(ctx, r.spec.deleteSQL(), del); err != nil {
			return errors.Wrap(err, "repairing (delete)")
		}
	}
	if len(insK) > 0 {
		args := []any{insK, insV}
		if r.spec.FTJSON {
			args = []any{"[" + strings.Join(insV, ",") + "]"}
		}
		if _, err := tx.Exec(ctx, r.spec.insertSQL(), args...); err != nil {
			return errors.Wrap(err, "repairing (insert)")
		}
	}
	r.res.Repaired += found
	return nil
}

func kindOf(want *string, cur string, inKT bool) string {
	switch {
	case want != nil && !inKT:
		return diffMissing
	case want == nil && inKT:
		return diffExtra
	case want != nil && *want != cur:
		return diffDiffering
	}
	return ""
}

// undecodableValue stands for a KT value a format 'json' table cannot read
// (no JSON object, a field its column rejects): it differs from any row.
const undecodableValue = "\x00undecodable KT value"

// isUndecodable: the foreign table could not decode a KT value (22P02 and
// the other input-syntax errors of class 22).
func isUndecodable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22")
}

// ktValuesChecked is ktValues inside tx; for a json table whose values
// cannot all be decoded it reads key by key under savepoints, marking the
// broken ones undecodableValue so the repair replaces them.
func ktValuesChecked(ctx context.Context, tx pgx.Tx, spec *syncSpec, keys []string) (map[string]string, error) {
	try := func(keys []string) (map[string]string, error) {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return nil, err
		}
		cur, err := ktValues(ctx, sp, spec, keys)
		if err != nil {
			_ = sp.Rollback(ctx)
			return nil, err
		}
		return cur, sp.Commit(ctx)
	}
	if !spec.FTJSON {
		return ktValues(ctx, tx, spec, keys)
	}
	cur, err := try(keys)
	if !isUndecodable(err) {
		return cur, err
	}
	cur = make(map[string]string, len(keys))
	for _, k := range keys {
		one, err := try([]string{k})
		switch {
		case isUndecodable(err):
			cur[k] = undecodableValue
		case err != nil:
			return nil, err
		default:
			for kk, v := range one {
				cur[kk] = v
			}
		}
	}
	return cur, nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ktValues reads the KT records of keys through the foreign table.
func ktValues(ctx context.Context, q querier, spec *syncSpec, keys []string) (map[string]string, error) {
	rows, err := q.Query(ctx, spec.ktByKeysSQL(), keys)
	if err != nil {
		return nil, errors.Wrapf(err, "reading %s", spec.Target)
	}
	defer rows.Close()
	out := make(map[string]string, len(keys))
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, errors.Wrapf(rows.Err(), "reading %s", spec.Target)
}

func scanSrcRows(rows pgx.Rows) ([]srcRow, error) {
	defer rows.Close()
	var out []srcRow
	for rows.Next() {
		var r srcRow
		if err := rows.Scan(&r.native, &r.key, &r.val); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
