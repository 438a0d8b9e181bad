package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"

	"github.com/kt-fdw/kt_fdw/kt"
)

// demoReconcile is the demo's second half: reconcile finds nothing to fix,
// then finds and repairs drift injected straight into KT.
func demoReconcile(ctx context.Context, conn *pgx.Conn, connString string, client *kt.Client, out io.Writer) error {
	verify, err := pgx.Connect(ctx, connString)
	if err != nil {
		return errors.Wrap(err, "connecting to the throwaway cluster")
	}
	defer verify.Close(context.Background())
	spec, err := resolveSpec(ctx, conn, "rules", "", "", "", false)
	if err != nil {
		return err
	}
	run := func(repair bool) (*reconcileResult, error) {
		cmd := "ktfdw reconcile -source rules"
		if repair {
			cmd += " -repair"
		}
		fmt.Fprintf(out, "   $ %s\n", cmd)
		r := &reconciler{spec: spec, conn: conn, verify: verify, batch: 1000, repair: repair,
			prog: newProgress(prefixWriter{out, "   "}, time.Hour, false)}
		r.res.listMax = 20
		if err := r.run(ctx); err != nil {
			return nil, err
		}
		printReconcile(prefixWriter{out, "   "}, spec, &r.res, repair)
		return &r.res, nil
	}

	fmt.Fprintln(out, "\n== reconcile: compare the rules table with KT (the trigger's table and columns)")
	res, err := run(false)
	if err != nil {
		return err
	}
	if res.Total() != 0 {
		return errors.Newf("reconcile found %d differences in a synced table", res.Total())
	}

	fmt.Fprintln(out, "\n== drift: write straight into KT with the kt client, behind Postgres' back")
	drift := []struct{ say, key, value string }{
		{"remove", "allow-office", ""},
		{"overwrite", "block-tor-exits", "allow:on"},
		{"add", "forgotten", "deny:on"},
	}
	for _, d := range drift {
		fmt.Fprintf(out, "   %-9s %s\n", d.say, d.key)
		if d.value == "" {
			err = client.Remove(ctx, "0", []byte(d.key))
		} else {
			err = client.Set(ctx, "0", []byte(d.key), []byte(d.value))
		}
		if err != nil {
			return err
		}
	}

	fmt.Fprintln(out, "\n== reconcile finds exactly the drift ...")
	if res, err = run(false); err != nil {
		return err
	}
	if res.Missing != 1 || res.Extra != 1 || res.Differing != 1 {
		return errors.Newf("reconcile found %d missing, %d extra, %d differing; want 1 each", res.Missing, res.Extra, res.Differing)
	}
	fmt.Fprintln(out, "\n== ... and repairs it (through the foreign table, one transaction per batch)")
	if res, err = run(true); err != nil {
		return err
	}
	if res.Repaired != 3 {
		return errors.Newf("reconcile repaired %d records, want 3", res.Repaired)
	}

	fmt.Fprintln(out, "\n== KT database 0 after the repair, read with the kt client")
	got, err := recordsFromKT(ctx, client)
	if err != nil {
		return err
	}
	printRecords(out, got)
	want, err := rulesFromPostgres(ctx, conn)
	if err != nil {
		return err
	}
	if !equalRecords(want, got) {
		return errors.New("KT does not match the rules table after the repair")
	}
	fmt.Fprintln(out, "\nKT matches the rules table again.")
	return nil
}

// prefixWriter indents every line written through it.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	s := strings.TrimSuffix(string(b), "\n")
	lines := strings.Split(s, "\n")
	for _, l := range lines {
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, l); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}
