package cdc

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
)

// SlotStatus is what Postgres says of a slot: how far it is confirmed and
// how much WAL it keeps.
type SlotStatus struct {
	Slot          string
	Active        bool
	Confirmed     LSN    // confirmed_flush_lsn: what every KT database holds
	Current       LSN    // pg_current_wal_lsn()
	LagBytes      int64  // Current - Confirmed
	RetainedBytes int64  // Current - restart_lsn: WAL kept for the slot
	WALStatus     string // reserved, extended, unreserved, lost
	SafeWALSize   *int64 // bytes left before max_slot_wal_keep_size invalidates it (NULL: no limit)
}

// SlotStatusSQL is the query behind ReadSlotStatus (doc/sync.md shows it
// for monitoring without the command).
const SlotStatusSQL = `
SELECT slot_name, active, confirmed_flush_lsn, pg_current_wal_lsn(),
       pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag_bytes,
       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained_bytes,
       wal_status, safe_wal_size
  FROM pg_replication_slots WHERE slot_name = $1`

// ReadSlotStatus reads the slot's row of pg_replication_slots.
func ReadSlotStatus(ctx context.Context, conn *pgx.Conn, slot string) (SlotStatus, error) {
	var s SlotStatus
	var confirmed, current string
	var lag, retained *int64
	var walStatus *string
	err := conn.QueryRow(ctx, SlotStatusSQL, slot).Scan(&s.Slot, &s.Active, &confirmed, &current, &lag, &retained, &walStatus, &s.SafeWALSize)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, errors.Newf("replication slot %q does not exist", slot)
	}
	if err != nil {
		return s, errors.Wrap(err, "reading pg_replication_slots")
	}
	s.Confirmed, _ = parseLSN(confirmed)
	s.Current, _ = parseLSN(current)
	if lag != nil {
		s.LagBytes = *lag
	}
	if retained != nil {
		s.RetainedBytes = *retained
	}
	if walStatus != nil {
		s.WALStatus = *walStatus
	}
	return s, nil
}

// Problem is what an operator must act on, "" if nothing: the slot lost
// WAL it needed, is about to, or keeps more than maxRetained bytes.
func (s SlotStatus) Problem(maxRetained int64) string {
	switch {
	case s.WALStatus == "lost":
		return fmt.Sprintf("replication slot %q was invalidated: Postgres removed WAL it needed (max_slot_wal_keep_size); KT may miss changes: run ktfdw sync -recopy", s.Slot)
	case s.WALStatus == "unreserved":
		return fmt.Sprintf("replication slot %q keeps more WAL than max_slot_wal_keep_size allows and will be invalidated at the next checkpoint unless ktfdw sync catches up", s.Slot)
	case maxRetained > 0 && s.RetainedBytes > maxRetained:
		return fmt.Sprintf("replication slot %q keeps %s of WAL, more than the limit of %s: is ktfdw sync running and KT reachable?", s.Slot, bytesText(s.RetainedBytes), bytesText(maxRetained))
	}
	return ""
}

// Print writes the status in the form `ktfdw sync status` shows.
func (s SlotStatus) Print(w io.Writer) {
	fmt.Fprintf(w, "slot %s: active %t, confirmed %s, current WAL %s, behind %s, WAL retained %s, wal_status %s",
		s.Slot, s.Active, s.Confirmed, s.Current, bytesText(s.LagBytes), bytesText(s.RetainedBytes), s.WALStatus)
	if s.SafeWALSize != nil {
		fmt.Fprintf(w, ", %s left before max_slot_wal_keep_size", bytesText(*s.SafeWALSize))
	}
	fmt.Fprintln(w)
}

func parseLSN(s string) (LSN, error) {
	if s == "" {
		return 0, nil
	}
	var hi, lo uint32
	if _, err := fmt.Sscanf(s, "%X/%X", &hi, &lo); err != nil {
		return 0, err
	}
	return LSN(uint64(hi)<<32 | uint64(lo)), nil
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// SinkPosition is one KT database's stored position.
type SinkPosition struct {
	Sink     string
	Found    bool
	Position Position
}

// ReadPositions reads each KT database's position for the slot, for the
// tables given (ktfdw sync status -publication).
func ReadPositions(ctx context.Context, conn *pgx.Conn, slot string, tables []TableSpec) ([]SinkPosition, error) {
	e := &engine{cfg: Config{Slot: slot, Tables: tables}, conn: conn, tables: map[uint32]*Table{}, byID: map[SinkID]*sink{}}
	e.cfg.defaults()
	if err := e.openSinks(ctx, false); err != nil {
		return nil, err
	}
	defer e.close()
	var out []SinkPosition
	for _, s := range e.sinks {
		out = append(out, SinkPosition{Sink: s.String(), Found: s.found, Position: s.stored})
	}
	return out, nil
}

// monitor warns (at most once a minute) when the slot keeps too much WAL.
func (e *engine) monitor(ctx context.Context) {
	if time.Since(e.monitored) < time.Minute || e.cfg.MaxRetained <= 0 {
		return
	}
	e.monitored = time.Now()
	s, err := ReadSlotStatus(ctx, e.conn, e.cfg.Slot)
	if err != nil {
		return
	}
	if p := s.Problem(e.cfg.MaxRetained); p != "" {
		e.logf("WARNING: %s", p)
	}
}
