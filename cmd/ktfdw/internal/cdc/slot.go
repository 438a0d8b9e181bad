package cdc

import (
	"context"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// prepareSlot returns the LSN to stream from: the oldest position the
// sinks hold, for an existing slot; for a new one (created here), its
// consistent point, after the initial copy when Copy is set.
func (e *engine) prepareSlot(ctx context.Context, repl *pgconn.PgConn) (LSN, error) {
	var plugin, walStatus string
	err := e.conn.QueryRow(ctx, `SELECT plugin, coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1`, e.cfg.Slot).Scan(&plugin, &walStatus)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return e.createSlot(ctx, repl)
	case err != nil:
		return 0, errors.Wrap(err, "reading pg_replication_slots")
	}
	if walStatus == "lost" {
		return 0, errors.Mark(errors.New(SlotStatus{Slot: e.cfg.Slot, WALStatus: walStatus}.Problem(0)), ErrPermanent)
	}
	if plugin != "pgoutput" {
		return 0, errors.Newf("replication slot %q uses plugin %q; ktfdw sync needs a pgoutput slot", e.cfg.Slot, plugin)
	}
	var start LSN
	for i, s := range e.sinks {
		if !s.found {
			return 0, errors.WithHint(
				errors.Newf("replication slot %q exists but %s holds no position for it: it never received this slot's initial copy, or it was emptied or replaced", e.cfg.Slot, s),
				"Run ktfdw sync with -recopy (drops the slot, creates it again and copies the tables), or drop the slot yourself.")
		}
		if i == 0 || s.stored.LSN < start {
			start = s.stored.LSN
		}
	}
	e.logf("resuming slot %q: KT holds everything up to %s", e.cfg.Slot, start)
	return start, nil
}

// DropSlot drops the slot if it exists (ktfdw sync -recopy).
func DropSlot(ctx context.Context, connString, slot string) (bool, error) {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return false, errors.Wrap(err, "connecting to PostgreSQL")
	}
	defer conn.Close(context.Background())
	var dropped bool
	err = conn.QueryRow(ctx, `SELECT count(pg_drop_replication_slot(slot_name)) > 0 FROM pg_replication_slots WHERE slot_name = $1`, slot).Scan(&dropped)
	return dropped, errors.Wrapf(err, "dropping replication slot %q", slot)
}

// createSlot creates the slot, copies the tables from its snapshot (Copy)
// and stores its consistent point as every sink's position.
func (e *engine) createSlot(ctx context.Context, repl *pgconn.PgConn) (LSN, error) {
	action := "NOEXPORT_SNAPSHOT"
	if e.cfg.Copy {
		action = "EXPORT_SNAPSHOT"
	}
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, e.cfg.Slot, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: action})
	if err != nil {
		return 0, errors.Wrapf(err, "creating replication slot %q", e.cfg.Slot)
	}
	start, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return 0, errors.Wrap(err, "the slot's consistent point")
	}
	e.logf("created replication slot %q at %s", e.cfg.Slot, start)
	pos := Position{LSN: start}
	if e.cfg.Copy {
		if err := e.copyTables(ctx, res.SnapshotName, pos); err != nil {
			return 0, errors.WithHint(err, "The slot stays; the next start finds no position in KT and asks for -recopy.")
		}
	}
	for _, s := range e.sinks {
		if err := s.apply(ctx, newFinalStates(), &pos); err != nil {
			return 0, err
		}
	}
	return start, nil
}
