package cdc

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
)

// copyTables copies every table, as of the new slot's exported snapshot,
// into KT: the records the trigger would hold for the rows then. Streaming
// then starts at the slot's consistent point, so each later change comes
// exactly once. The chunks are not atomic together; the position is
// stored only after the last one (a copy cut short leaves none, and the
// next start asks for -recopy).
func (e *engine) copyTables(ctx context.Context, snapshot string, pos Position) error {
	tx, err := e.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return errors.Wrap(err, "starting the copy transaction")
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(snapshot)); err != nil {
		return errors.Wrap(err, "using the slot's snapshot")
	}
	for _, t := range e.sortedTables() {
		if err := e.copyTable(ctx, tx, t); err != nil {
			return errors.Wrapf(err, "copying %s", t.Source)
		}
	}
	return nil
}

func (e *engine) copyTable(ctx context.Context, tx pgx.Tx, t *Table) error {
	var total int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+t.Source).Scan(&total); err != nil {
		return err
	}
	s := e.byID[t.Sink]
	e.logf("copy: %s -> %s: %d rows", t.Source, t.Target, total)
	rows, err := tx.Query(ctx, t.rowsSQL(true, nil, nil))
	if err != nil {
		return err
	}
	defer rows.Close()
	began, lastLog := time.Now(), time.Now()
	var done int64
	fs := newFinalStates()
	var encErr error
	flush := func() error {
		if fs.len() == 0 {
			return nil
		}
		err := e.retryKT(ctx, "copy", func() error { return s.apply(ctx, fs, nil) })
		fs = newFinalStates()
		return err
	}
	ncol := len(rows.FieldDescriptions())
	for rows.Next() {
		vals := make([][]byte, ncol-1)
		dest := []any{new(int64)}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		var xt int64
		if t.JSON {
			dest[ncol-1], vals = &xt, vals[:ncol-2]
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		key, value, xt := t.record(vals, xt, &encErr)
		if encErr != nil {
			return encErr
		}
		if key != nil {
			fs.row(kv{newKey: t.ktKey(key), value: value, xt: xt})
		}
		done++
		if fs.len() >= s.chunk-1 {
			if err := flush(); err != nil {
				return err
			}
		}
		if time.Since(lastLog) >= 2*time.Second {
			lastLog = time.Now()
			e.logf("copy: %s", progress(t.Source, done, total, time.Since(began)))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	e.logf("copy: %s done", progress(t.Source, done, total, time.Since(began)))
	return nil
}

// progress is "table: done/total rows (p%), rate rows/s, ETA d".
func progress(name string, done, total int64, took time.Duration) string {
	rate := float64(done) / max(took.Seconds(), 1e-3)
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	eta := "-"
	if rate > 0 && total > done {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("%s: %d/%d rows (%.0f%%), %.0f rows/s, ETA %s", name, done, total, pct, rate, eta)
}

// retryKT runs fn until it succeeds or ctx is done, backing off.
func (e *engine) retryKT(ctx context.Context, what string, fn func() error) error {
	wait := 100 * time.Millisecond
	for failures := 0; ; failures++ {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return err
		}
		if failures == 0 {
			e.logf("%s: KT failed, retrying with back-off: %v", what, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, e.cfg.RetryMax)
	}
}

func (e *engine) sortedTables() []*Table {
	var out []*Table
	for _, spec := range e.cfg.Tables {
		for _, t := range e.tables {
			if t.Source == spec.Source {
				out = append(out, t)
			}
		}
	}
	return out
}
