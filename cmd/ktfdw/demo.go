package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"

	"github.com/kt-fdw/kt_fdw/cmd/ktfdw/internal/cdc"
	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// demoSetup creates the extension, the KT server, the foreign table and a
// rules table whose kt_fdw_sync trigger writes every change through the
// foreign table (applied to KT when the transaction commits).
const demoSetup = `
CREATE EXTENSION kt_fdw;
CREATE SERVER kt FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '%s', port '%s');
CREATE USER MAPPING FOR PUBLIC SERVER kt;
CREATE FOREIGN TABLE rules_kt (key text, value text) SERVER kt OPTIONS (db '0');

CREATE TABLE rules (
  name    text PRIMARY KEY,
  action  text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  state   text GENERATED ALWAYS AS (action || ':' || CASE WHEN enabled THEN 'on' ELSE 'off' END) STORED
);

-- KT key = name (the primary key), KT value = state
CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('rules_kt', 'name', 'state');
CREATE TRIGGER rules_sync_truncate AFTER TRUNCATE ON rules
  FOR EACH STATEMENT EXECUTE FUNCTION kt_fdw_sync('rules_kt');
`

// demoSteps are the changes the demo makes, each its own transaction.
var demoSteps = []struct {
	say      string
	sql      []string
	rollback bool
}{
	{"add three rules", []string{
		`INSERT INTO rules VALUES ('block-tor', 'deny'), ('allow-office', 'allow'), ('rate-api', 'limit')`,
	}, false},
	{"turn a rule off, then on again, in one transaction (KT sees only the final state)", []string{
		`UPDATE rules SET enabled = false WHERE name = 'rate-api'`,
		`UPDATE rules SET enabled = true WHERE name = 'rate-api'`,
	}, false},
	{"a change that is rolled back (never reaches KT)", []string{
		`INSERT INTO rules VALUES ('oops', 'deny')`,
		`DELETE FROM rules WHERE name = 'block-tor'`,
	}, true},
	{"disable one rule and remove another", []string{
		`UPDATE rules SET enabled = false WHERE name = 'allow-office'`,
		`DELETE FROM rules WHERE name = 'rate-api'`,
	}, false},
	{"rename a rule (the KT key moves)", []string{
		`UPDATE rules SET name = 'block-tor-exits' WHERE name = 'block-tor'`,
	}, false},
}

func runDemo(ctx context.Context, out io.Writer) error {
	ktAddr, stopKT, err := demoKT()
	if err != nil {
		return err
	}
	defer stopKT()

	fmt.Fprintln(out, "== starting a throwaway PostgreSQL cluster")
	cluster, err := pgcluster.Start(pgcluster.Config{Settings: map[string]string{"wal_level": "logical"}}) // for ktfdw sync
	if err != nil {
		return err
	}
	defer cluster.Stop()

	conn, err := pgx.Connect(ctx, cluster.ConnString())
	if err != nil {
		return errors.Wrap(err, "connecting to the throwaway cluster")
	}
	defer conn.Close(context.Background())

	client, err := kt.NewClient(kt.Config{Addr: ktAddr})
	if err != nil {
		return err
	}
	defer client.Close()
	if err := client.Clear(ctx, "0"); err != nil {
		return err
	}

	host, port, _ := net.SplitHostPort(ktAddr)
	fmt.Fprintf(out, "== KT at %s; creating the extension, the foreign table and the synced rules table\n", ktAddr)
	if _, err := conn.Exec(ctx, fmt.Sprintf(demoSetup, host, port)); err != nil {
		return errors.Wrap(err, "setting up (is the extension installed? run `make install`)")
	}
	for _, line := range strings.Split(demoSetup[strings.Index(demoSetup, "-- KT key"):], "\n") {
		if line != "" {
			fmt.Fprintf(out, "   %s\n", line)
		}
	}

	scriptsBefore, err := scriptCalls(ctx, client)
	if err != nil {
		return err
	}
	for _, step := range demoSteps {
		verb := "COMMIT"
		if step.rollback {
			verb = "ROLLBACK"
		}
		fmt.Fprintf(out, "\n== %s\n", step.say)
		if err := runTx(ctx, conn, out, step.sql, step.rollback); err != nil {
			return err
		}
		fmt.Fprintf(out, "   %s\n", verb)
	}

	scriptsAfter, err := scriptCalls(ctx, client)
	if err != nil {
		return err
	}
	// every committed step is one ktfdwapply call when the script is used
	// (the apply mode probe, ktfdwversion, adds one more per connection)
	committed := 0
	for _, step := range demoSteps {
		if !step.rollback {
			committed++
		}
	}
	if scriptsAfter-scriptsBefore >= int64(committed) {
		fmt.Fprintln(out, "\n   (each COMMIT reached KT as one call of kt_fdw.lua's ktfdwapply: other KT clients saw it all or nothing)")
	} else {
		fmt.Fprintln(out, "\n   (KT has no kt_fdw.lua: each COMMIT reached KT as set_bulk/remove_bulk calls, apply 'bulk')")
	}

	fmt.Fprintln(out, "\n== the rules table in PostgreSQL")
	want, err := rulesFromPostgres(ctx, conn)
	if err != nil {
		return err
	}
	printRecords(out, want)

	fmt.Fprintln(out, "\n== KT database 0, read with the kt client (not through Postgres)")
	got, err := recordsFromKT(ctx, client)
	if err != nil {
		return err
	}
	printRecords(out, got)

	if !equalRecords(want, got) {
		return errors.New("KT does not match the rules table")
	}
	fmt.Fprintln(out, "\nKT matches the rules table: every committed change arrived, the rolled-back one did not.")

	if err := demoReconcile(ctx, conn, cluster.ConnString(), client, out); err != nil {
		return err
	}
	return demoSync(ctx, conn, cluster.ConnString(), client, out)
}

// demoKT returns the KT server to use: KT_TEST_ADDR, or a dev server.
func demoKT() (addr string, stop func(), err error) {
	if addr := os.Getenv("KT_TEST_ADDR"); addr != "" {
		return addr, func() {}, nil
	}
	// with kt_fdw.lua's procedures, as a ktserver started with -scr kt_fdw.lua
	srv, err := ktdev.Start(ktdev.Config{KTFDWScripts: true})
	if err != nil {
		return "", nil, err
	}
	return srv.Addr(), func() { srv.Close() }, nil
}

// scriptCalls is KT's count of play_script calls (report cnt_script).
func scriptCalls(ctx context.Context, c *kt.Client) (int64, error) {
	rep, err := c.Report(ctx)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(rep["cnt_script"], 10, 64)
}

func runTx(ctx context.Context, conn *pgx.Conn, out io.Writer, stmts []string, rollback bool) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	for _, s := range stmts {
		fmt.Fprintf(out, "   %s\n", s)
		if _, err := tx.Exec(ctx, s); err != nil {
			return errors.Wrapf(err, "running %q", s)
		}
	}
	if rollback {
		return tx.Rollback(ctx)
	}
	return tx.Commit(ctx)
}

func rulesFromPostgres(ctx context.Context, conn *pgx.Conn) (map[string]string, error) {
	rows, err := conn.Query(ctx, `SELECT name, state FROM rules`)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

func recordsFromKT(ctx context.Context, c *kt.Client) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	keys, err := c.MatchPrefix(ctx, "0", nil, -1)
	if err != nil {
		return nil, err
	}
	recs, err := c.GetBulk(ctx, "0", keys, false)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, r := range recs {
		if !strings.HasPrefix(string(r.Key), cdc.PositionKeyPrefix) {
			m[string(r.Key)] = string(r.Value)
		}
	}
	return m, nil
}

func printRecords(out io.Writer, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "   key\tvalue")
	fmt.Fprintln(w, "   "+strings.Repeat("-", 16)+"\t"+strings.Repeat("-", 12))
	for _, k := range keys {
		fmt.Fprintf(w, "   %s\t%s\n", k, m[k])
	}
	w.Flush()
}

func equalRecords(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
