package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"

	"github.com/kt-fdw/kt_fdw/cmd/ktfdw/internal/cdc"
)

const syncUsage = `usage: ktfdw sync [flags] -publication PUB
       ktfdw sync status [flags] [-publication PUB]

Applies every committed change of the publication's tables to KT, in
commit order, exactly once, through a logical replication slot (pgoutput),
with the records and configuration of the kt_fdw_sync trigger: each table
needs a kt_fdw_sync trigger naming its foreign table (disabled: the sync
takes over its job). Runs until SIGTERM or SIGINT (doc/sync.md).

flags:
`

type syncOptions struct {
	conn, slot, publication string
	batch                   int
	copy, recopy            bool
	maxRetained             int64
}

func parseSyncFlags(name string, args []string, stderr io.Writer) (syncOptions, *flag.FlagSet, error) {
	var o syncOptions
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, syncUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.conn, "d", "", "PostgreSQL connection string (default: the PG* environment variables); the role needs REPLICATION")
	fs.StringVar(&o.slot, "slot", "ktfdw_sync", "logical replication slot (created when missing)")
	fs.StringVar(&o.publication, "publication", "", "publication whose tables are synced")
	fs.IntVar(&o.batch, "batch", 1000, "row changes of consecutive transactions grouped into one apply")
	fs.BoolVar(&o.copy, "copy", true, "a new slot starts with a copy of the tables from its snapshot")
	fs.BoolVar(&o.recopy, "recopy", false, "drop the slot first, then create it and copy the tables again")
	fs.Int64Var(&o.maxRetained, "max-retained", 1<<30, "WAL bytes the slot may retain before status fails and the sync warns")
	if err := parseFlags(fs, args); err != nil {
		return o, fs, err
	}
	if fs.NArg() > 0 || o.batch < 1 || o.slot == "" {
		fs.Usage()
		return o, fs, errors.Mark(errors.New("unexpected arguments; -batch must be positive, -slot not empty"), errUsage)
	}
	return o, fs, nil
}

func runSync(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	if len(args) > 0 && args[0] == "status" {
		return runSyncStatus(ctx, stdout, stderr, args[1:])
	}
	o, fs, err := parseSyncFlags("sync", args, stderr)
	if err != nil {
		return err
	}
	if o.publication == "" {
		fs.Usage()
		return errors.Mark(errors.New("-publication is required"), errUsage)
	}
	tables, err := publicationTables(ctx, o.conn, o.publication, true)
	if err != nil {
		return err
	}
	if o.recopy {
		dropped, err := cdc.DropSlot(ctx, o.conn, o.slot)
		if err != nil {
			return err
		}
		if dropped {
			fmt.Fprintf(stderr, "%s sync: dropped replication slot %q (-recopy)\n", time.Now().UTC().Format(time.RFC3339), o.slot)
		}
	}
	cfg := cdc.Config{
		ConnString: o.conn, Slot: o.slot, Publication: o.publication, Tables: tables,
		BatchRows: o.batch, Copy: o.copy, Log: stderr, MaxRetained: o.maxRetained,
	}
	wait := time.Second
	for interrupted := false; ; {
		err := cdc.Run(ctx, cfg)
		if ctx.Err() != nil {
			return nil // SIGTERM: Run applied and confirmed what it could
		}
		interrupted = interrupted || errors.Is(err, cdc.ErrInterrupted)
		if err == nil || !interrupted || errors.Is(err, cdc.ErrPermanent) {
			return err
		}
		// a lost connection (Postgres restarting, the walsender ended):
		// KT holds its position, so starting over resumes from it; once
		// streaming worked, failing to reconnect is retried too
		fmt.Fprintf(stderr, "%s sync: interrupted, starting again in %s: %v\n", time.Now().UTC().Format(time.RFC3339), wait, err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// publicationTables resolves each table of the publication the way
// reconcile does (its kt_fdw_sync trigger's arguments). With
// requireDisabled, an enabled trigger is refused: both would write.
func publicationTables(ctx context.Context, connString, pub string, requireDisabled bool) ([]cdc.TableSpec, error) {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return nil, errors.Wrap(err, "connecting to PostgreSQL")
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `
SELECT format('%I.%I', schemaname, tablename) FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1`, pub)
	if err != nil {
		return nil, errors.Wrap(err, "reading pg_publication_tables")
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, errors.Wrap(err, "reading pg_publication_tables")
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)`, pub).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return nil, errors.WithHint(errors.Newf("publication %q does not exist", pub),
			"CREATE PUBLICATION name FOR TABLE source_table [, ...]")
	}
	var out []cdc.TableSpec
	for _, name := range names {
		var oid uint32
		if err := conn.QueryRow(ctx, `SELECT $1::regclass::oid`, name).Scan(&oid); err != nil {
			return nil, errors.Wrapf(err, "table %s", name)
		}
		if trig, err := syncTrigger(ctx, conn, oid, ""); err != nil || trig == nil {
			if err == nil {
				err = errors.Newf("table %s of publication %q has no kt_fdw_sync row trigger: ktfdw sync takes the table's configuration from it", name, pub)
			}
			return nil, errors.WithHint(err,
				"CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON the table FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('foreign_table' [, 'key column' [, 'value column']]), then ALTER TABLE ... DISABLE TRIGGER ... so ktfdw sync does its job.")
		}
		spec, err := resolveSpec(ctx, conn, name, "", "", "", false)
		if err != nil {
			return nil, errors.Wrapf(err, "table %s of publication %q", name, pub)
		}
		if requireDisabled {
			var enabled []string
			if err := conn.QueryRow(ctx, `
SELECT coalesce(array_agg(t.tgname::text ORDER BY t.tgname), '{}') FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE t.tgrelid = $1 AND p.proname IN ('kt_fdw_sync', 'kt_fdw_sync_checked') AND t.tgenabled <> 'D'`, spec.SourceOID).Scan(&enabled); err != nil {
				return nil, err
			}
			if len(enabled) > 0 {
				return nil, errors.WithHint(
					errors.Newf("table %s has an enabled kt_fdw_sync trigger %q: the trigger and ktfdw sync would both write its records", spec.Source, enabled[0]),
					fmt.Sprintf("Hand the table over to ktfdw sync: ALTER TABLE %s DISABLE TRIGGER %s; (and its TRUNCATE trigger, if any)", spec.Source, quoteIdent(enabled[0])))
			}
		}
		ts := cdc.TableSpec{Source: spec.Source, Target: spec.Target, KeyCol: spec.KeyCol, ValueCol: spec.ValueCol}
		if spec.FTJSON {
			ts.ValueCol = ""
		}
		out = append(out, ts)
	}
	if len(out) == 0 {
		return nil, errors.WithHint(errors.Newf("publication %q has no table", pub), "ALTER PUBLICATION name ADD TABLE source_table")
	}
	return out, nil
}

// runSyncStatus prints the slot's lag and retained WAL and, with
// -publication, the position each KT database holds. It fails (exit
// status 1) when the operator must act: see cdc.SlotStatus.Problem.
func runSyncStatus(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	o, _, err := parseSyncFlags("sync status", args, stderr)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, o.conn)
	if err != nil {
		return errors.Wrap(err, "connecting to PostgreSQL")
	}
	defer conn.Close(context.Background())
	st, err := cdc.ReadSlotStatus(ctx, conn, o.slot)
	if err != nil {
		return err
	}
	st.Print(stdout)
	if o.publication != "" {
		tables, err := publicationTables(ctx, o.conn, o.publication, false)
		if err != nil {
			return err
		}
		positions, err := cdc.ReadPositions(ctx, conn, o.slot, tables)
		if err != nil {
			return err
		}
		for _, p := range positions {
			if !p.Found {
				fmt.Fprintf(stdout, "%s: no position for slot %s\n", p.Sink, o.slot)
				continue
			}
			fmt.Fprintf(stdout, "%s: holds up to %s (committed %s)\n", p.Sink, p.Position.LSN, p.Position.Time.Format(time.RFC3339))
		}
	}
	if p := st.Problem(o.maxRetained); p != "" {
		return errors.New(p)
	}
	return nil
}
