package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"

	"github.com/kt-fdw/kt_fdw/cmd/ktfdw/internal/cdc"
	"github.com/kt-fdw/kt_fdw/kt"
)

// demoSyncSteps hand the rules table from the trigger to ktfdw sync.
var demoSyncSteps = []string{
	`ALTER TABLE rules DISABLE TRIGGER rules_sync`,
	`ALTER TABLE rules DISABLE TRIGGER rules_sync_truncate`,
	`CREATE PUBLICATION demo_sync FOR TABLE rules`,
}

// demoSync is the demo's last part: the same table kept in KT by ktfdw
// sync (a logical replication slot) instead of the trigger.
func demoSync(ctx context.Context, conn *pgx.Conn, connString string, client *kt.Client, out io.Writer) error {
	fmt.Fprintln(out, "\n== ktfdw sync: the trigger disabled, changes read from a logical replication slot instead")
	for _, s := range demoSyncSteps {
		fmt.Fprintf(out, "   %s;\n", s)
		if _, err := conn.Exec(ctx, s); err != nil {
			return errors.Wrap(err, s)
		}
	}
	fmt.Fprintln(out, "   $ ktfdw sync -publication demo_sync")
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- cdc.Run(sctx, cdc.Config{ConnString: connString, Slot: "demo_sync", Publication: "demo_sync",
			Tables: []cdc.TableSpec{{Source: "rules", Target: "rules_kt", KeyCol: "name", ValueCol: "state"}},
			Copy:   true, Log: prefixWriter{out, "   "}})
	}()
	defer func() {
		stop()
		<-done
		_, _ = conn.Exec(context.Background(), `SELECT pg_drop_replication_slot('demo_sync')`)
	}()
	for { // the copy is done once KT holds the slot's position
		if _, err := client.Get(ctx, "0", cdc.PositionKey("demo_sync")); err == nil {
			break
		}
		select {
		case err := <-done:
			return errors.Wrap(err, "ktfdw sync stopped")
		case <-time.After(20 * time.Millisecond):
		}
	}
	fmt.Fprintln(out, "\n== writes that never wait for KT: a new rule, a rule turned back on")
	for _, s := range []string{
		`INSERT INTO rules VALUES ('geo-fence', 'deny')`,
		`UPDATE rules SET enabled = true WHERE name = 'allow-office'`,
	} {
		fmt.Fprintf(out, "   %s;\n", s)
		if _, err := conn.Exec(ctx, s); err != nil {
			return errors.Wrap(err, s)
		}
	}
	want, err := rulesFromPostgres(ctx, conn)
	if err != nil {
		return err
	}
	var got map[string]string
	for deadline := time.Now().Add(30 * time.Second); ; {
		if got, err = recordsFromKT(ctx, client); err != nil {
			return err
		}
		if equalRecords(want, got) {
			break
		}
		select {
		case err := <-done:
			return errors.Wrap(err, "ktfdw sync stopped")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("KT did not catch up with the rules table through ktfdw sync within 30s")
		}
	}
	fmt.Fprintln(out, "\n== KT database 0, a few milliseconds later (its sync position record left out)")
	printRecords(out, got)
	fmt.Fprintln(out, "\nKT matches the rules table again, through ktfdw sync.")
	return nil
}
