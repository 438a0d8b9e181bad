package cdc

import (
	"bytes"
	"context"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// receiver owns the replication connection: it decodes the stream into
// transactions for the applier and tells the server how far KT is
// (standby status updates), also while the applier is stuck on KT, so the
// server does not time the connection out.
type receiver struct {
	conn    *pgconn.PgConn
	dec     *Decoder
	out     chan<- *Txn
	applied *atomic.Uint64 // end LSN of the last transaction every sink holds
	every   time.Duration  // status update interval

	queued    LSN // end LSN of the last transaction handed to the applier
	walEnd    LSN // the server's position from its last keepalive
	confirmed LSN // last confirmed
	lastSent  time.Time
}

// confirmable is how far the slot may be confirmed: what KT holds, or,
// when every transaction received is applied and none is half received,
// the server's position (WAL with no change for us).
func (r *receiver) confirmable() LSN {
	applied := LSN(r.applied.Load())
	if !r.dec.InTxn() && applied >= r.queued && r.walEnd > applied {
		return r.walEnd
	}
	return applied
}

func (r *receiver) sendStatus(ctx context.Context, force bool) error {
	pos := max(r.confirmable(), r.confirmed)
	if !force && pos == r.confirmed && time.Since(r.lastSent) < r.every {
		return nil
	}
	err := pglogrepl.SendStandbyStatusUpdate(ctx, r.conn, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: pos, WALFlushPosition: pos, WALApplyPosition: pos,
	})
	if err != nil {
		return errors.Wrap(err, "sending a standby status update")
	}
	r.confirmed, r.lastSent = pos, time.Now()
	return nil
}

// run receives until ctx is done or the connection fails.
func (r *receiver) run(ctx context.Context) error {
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, r.every)
		msg, err := r.conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if pgconn.Timeout(err) {
				if err := r.sendStatus(ctx, false); err != nil {
					return err
				}
				continue
			}
			if ctx.Err() != nil {
				return nil
			}
			return errors.Wrap(err, "receiving from the replication slot")
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			return errors.Wrap(pgconn.ErrorResponseToPgError(m), "replication stream")
		case *pgproto3.CopyData:
			if err := r.copyData(ctx, m.Data, tick); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *receiver) copyData(ctx context.Context, data []byte, tick *time.Ticker) error {
	if len(data) == 0 {
		return nil
	}
	switch data[0] {
	case pglogrepl.PrimaryKeepaliveMessageByteID:
		ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(data[1:])
		if err != nil {
			return errors.Wrap(err, "parsing a keepalive")
		}
		r.walEnd = max(r.walEnd, ka.ServerWALEnd)
		return r.sendStatus(ctx, ka.ReplyRequested)
	case pglogrepl.XLogDataByteID:
		x, err := pglogrepl.ParseXLogData(data[1:])
		if err != nil {
			return errors.Wrap(err, "parsing XLogData")
		}
		// the message's bytes are reused by the next receive; a txn keeps them
		txn, err := r.dec.Decode(bytes.Clone(x.WALData))
		if err != nil || txn == nil {
			return err
		}
		for {
			select {
			case r.out <- txn:
				r.queued = txn.EndLSN
				return r.sendStatus(ctx, false)
			case <-tick.C:
				if err := r.sendStatus(ctx, false); err != nil {
					return err
				}
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}
