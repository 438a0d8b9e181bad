package cdc

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Config is one `ktfdw sync` process.
type Config struct {
	ConnString  string // PostgreSQL (the publication's database)
	Slot        string // logical replication slot (created when missing)
	Publication string
	Tables      []TableSpec
	// BatchRows bounds how many row changes of consecutive transactions
	// are grouped into one apply (a larger transaction is applied alone).
	BatchRows int
	// Copy: a new slot starts with a copy of the tables from its snapshot.
	Copy bool
	// StatusEvery is the standby status interval (default 1s).
	StatusEvery time.Duration
	// RetryMax caps the back-off between KT retries (default 10s).
	RetryMax time.Duration
	// ShutdownGrace bounds the final apply after a stop request (default 10s).
	ShutdownGrace time.Duration
	// MaxRetained: WAL bytes kept for the slot above which the sync warns
	// (at most once a minute; 0: never).
	MaxRetained int64
	Log         io.Writer
	// Dial makes a server's KT client (default fdw.DialKT).
	Dial func(fdwtype.ServerOptions) (fdw.Remote, error)
}

func (c *Config) defaults() {
	if c.BatchRows <= 0 {
		c.BatchRows = 1000
	}
	if c.StatusEvery <= 0 {
		c.StatusEvery = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 10 * time.Second
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Dial == nil {
		c.Dial = fdw.DialKT
	}
}

// engine is one run: connections, tables and sinks.
type engine struct {
	cfg     Config
	conn    *pgx.Conn // catalog, encoding, copy
	tables  map[uint32]*Table
	sinks   []*sink
	byID    map[SinkID]*sink
	enc     *encoder
	applied atomic.Uint64
	// stats for the log
	txns, rows int64
	monitored  time.Time // last check of the slot's retained WAL
}

func (e *engine) logf(format string, args ...any) {
	fmt.Fprintf(e.cfg.Log, "%s sync: %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// ErrInterrupted marks a failure after streaming had started (a lost
// connection, Postgres restarting): running again resumes where KT is.
var ErrInterrupted = errors.New("sync interrupted")

// ErrPermanent marks a failure that running again would meet again (a
// change the configuration cannot apply): the operator must act.
var ErrPermanent = errors.New("sync cannot continue")

// Run syncs until ctx is done (then applies what it has received, confirms
// and returns nil) or a failure it cannot retry by itself (returned).
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	e := &engine{cfg: cfg, tables: map[uint32]*Table{}, byID: map[SinkID]*sink{}}
	conn, err := pgx.Connect(ctx, cfg.ConnString)
	if err != nil {
		return errors.Wrap(err, "connecting to PostgreSQL")
	}
	defer conn.Close(context.Background())
	e.conn = conn
	e.enc = newEncoder(conn)
	if err := e.openSinks(ctx, true); err != nil {
		return err
	}
	defer e.close()

	repl, err := connectReplication(ctx, cfg.ConnString)
	if err != nil {
		return err
	}
	defer repl.Close(context.Background())
	start, err := e.prepareSlot(ctx, repl)
	if err != nil {
		return err
	}
	e.applied.Store(uint64(start))
	err = pglogrepl.StartReplication(ctx, repl, cfg.Slot, start, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", "publication_names " + quoteLiteral(cfg.Publication)},
	})
	if err != nil {
		return errors.Wrapf(err, "starting replication from slot %q", cfg.Slot)
	}
	e.logf("streaming slot %q (publication %q) from %s into %d KT database(s)", cfg.Slot, cfg.Publication, start, len(e.sinks))
	if err := e.stream(ctx, repl); err != nil && !errors.Is(err, ErrPermanent) {
		return errors.Mark(err, ErrInterrupted)
	} else if err != nil {
		return err
	}
	return nil
}

func connectReplication(ctx context.Context, connString string) (*pgconn.PgConn, error) {
	pc, err := pgconn.ParseConfig(connString)
	if err != nil {
		return nil, errors.Wrap(err, "parsing the connection string")
	}
	pc.RuntimeParams["replication"] = "database"
	repl, err := pgconn.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, errors.Wrap(err, "opening a replication connection")
	}
	return repl, nil
}

// openSinks loads the tables, opens their sinks and reads the positions;
// check: refuse servers without kt_fdw.lua.
func (e *engine) openSinks(ctx context.Context, check bool) error {
	if len(e.cfg.Tables) == 0 {
		return errors.Newf("publication %q has no table to sync", e.cfg.Publication)
	}
	servers := map[uint32]fdw.Remote{}
	for _, spec := range e.cfg.Tables {
		t, srv, err := LoadTable(ctx, e.conn, spec)
		if err != nil {
			return err
		}
		e.tables[t.OID] = t
		if e.byID[t.Sink] != nil {
			continue
		}
		r, ok := servers[srv.OID]
		if !ok {
			if r, err = e.cfg.Dial(srv.Opts); err != nil {
				return errors.Wrapf(err, "KT server %q", srv.Name)
			}
			servers[srv.OID] = r
		}
		k, ok := r.(KT)
		if !ok {
			return errors.Newf("KT client of server %q cannot call kt_fdw.lua", srv.Name)
		}
		chunk := srv.Opts.Xact.ApplyBatch
		if chunk <= 0 {
			chunk = fdwtype.DefaultApplyBatch
		}
		s := &sink{id: t.Sink, server: srv, kt: k, key: PositionKey(e.cfg.Slot), chunk: chunk}
		e.byID[t.Sink] = s
		e.sinks = append(e.sinks, s)
	}
	// a group of transactions must fit one ktfdwapply call of every sink (a
	// row change is at most two records: a key change removes and sets), so
	// all of it or none of it reaches KT; a larger transaction goes alone
	for _, s := range e.sinks {
		if limit := max((s.chunk-1)/2, 1); e.cfg.BatchRows > limit {
			e.logf("grouping at most %d row changes per apply (-batch %d does not fit one call of %d records to %s; raise its server's apply_batch)",
				limit, e.cfg.BatchRows, s.chunk, s)
			e.cfg.BatchRows = limit
		}
	}
	sort.Slice(e.sinks, func(i, j int) bool {
		a, b := e.sinks[i].id, e.sinks[j].id
		return a.Server < b.Server || (a.Server == b.Server && a.DB < b.DB)
	})
	for _, s := range e.sinks {
		if check {
			if err := s.checkScript(ctx); err != nil {
				return err
			}
		}
		if err := s.readPosition(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (e *engine) close() {
	seen := map[KT]bool{}
	for _, s := range e.sinks {
		if !seen[s.kt] {
			seen[s.kt] = true
			_ = s.kt.Close()
		}
	}
}

// stream runs the receiver and applies what it hands over.
func (e *engine) stream(ctx context.Context, repl *pgconn.PgConn) error {
	txns := make(chan *Txn, 1024)
	rcv := &receiver{conn: repl, dec: NewDecoder(), out: txns, applied: &e.applied, every: e.cfg.StatusEvery,
		queued: LSN(e.applied.Load())}
	rctx, stopReceiver := context.WithCancel(ctx)
	defer stopReceiver()
	rerr := make(chan error, 1)
	go func() { rerr <- rcv.run(rctx) }()

	rdone := false
	var pending []*Txn // a batch not applied yet
	tick := time.NewTicker(e.cfg.StatusEvery)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-tick.C:
			e.monitor(ctx)
		case first := <-txns:
			pending = e.gather(first, txns)
			if err := e.applyBatch(ctx, pending); err != nil {
				if ctx.Err() != nil {
					break // stopping: shutdown applies it
				}
				stopReceiver()
				<-rerr
				return err
			}
			pending = nil
		case err := <-rerr:
			rdone = true
			if ctx.Err() == nil {
				return err
			}
		case <-ctx.Done():
		}
	}
	stopReceiver()
	if !rdone {
		if err := <-rerr; err != nil {
			e.logf("stopping: %v", err)
		}
	}
	return e.shutdown(repl, rcv, pending, txns)
}

// gather groups first and the transactions already waiting behind it
// into one batch of at most BatchRows row changes (first alone if larger).
func (e *engine) gather(first *Txn, txns chan *Txn) []*Txn {
	batch := []*Txn{first}
	rows := first.Rows()
	for rows < e.cfg.BatchRows {
		select {
		case t := <-txns:
			batch = append(batch, t)
			rows += t.Rows()
			if rows > e.cfg.BatchRows {
				return batch // the last one went over; still one atomic apply per sink chunk
			}
		default:
			return batch
		}
	}
	return batch
}

// shutdown applies the complete transactions already received (within
// ShutdownGrace), confirms them and returns nil.
func (e *engine) shutdown(repl *pgconn.PgConn, rcv *receiver, pending []*Txn, txns chan *Txn) error {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ShutdownGrace)
	defer cancel()
	n := 0
	for {
		batch := pending
		pending = nil
		if batch == nil {
			select {
			case first := <-txns:
				batch = e.gather(first, txns)
			default:
			}
		}
		if batch == nil {
			break
		}
		if err := e.applyBatch(ctx, batch); err != nil {
			e.logf("stopping with %d received transaction(s) not applied (the next start re-reads them): %v", len(batch)+len(txns), err)
			break
		}
		n += len(batch)
	}
	if err := rcv.sendStatus(ctx, true); err != nil {
		e.logf("stopping: %v", err)
	}
	e.logf("stopped: applied up to %s (%d transaction(s) applied while stopping)", LSN(e.applied.Load()), n)
	return nil
}
