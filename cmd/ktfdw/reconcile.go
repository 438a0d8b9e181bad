package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
)

const reconcileUsage = `usage: ktfdw reconcile [flags] -source TABLE [-target FOREIGN_TABLE]

Compares a source table with the KT records its kt_fdw_sync trigger
maintains (through the kt_fdw foreign table) and reports missing, extra and
differing keys; with -repair it fixes them, one transaction per batch. Safe
while writes continue (doc/sync.md). Without -target/-key/-value the
source's kt_fdw_sync trigger arguments are used.

flags:
`

// errDrift is returned when differences were found and not repaired, so the
// command's exit status tells a cron job or CI that KT has drifted.
var errDrift = errors.New("differences found (run with -repair to fix them)")

type reconcileOptions struct {
	conn, source, target, key, value string
	rowJSON, repair                  bool
	jsonOut, quiet                   bool
	batch, list                      int
	every                            time.Duration // plain progress lines
}

func parseReconcileFlags(args []string, stderr io.Writer) (reconcileOptions, error) {
	var o reconcileOptions
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, reconcileUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.conn, "d", "", "PostgreSQL connection string (default: the PG* environment variables)")
	fs.StringVar(&o.source, "source", "", "source table (required)")
	fs.StringVar(&o.target, "target", "", "kt_fdw foreign table (default: from the source's kt_fdw_sync trigger)")
	fs.StringVar(&o.key, "key", "", "source key column (default: trigger argument, else the primary key)")
	fs.StringVar(&o.value, "value", "", "source value column (default: trigger argument, else the row as JSON)")
	fs.BoolVar(&o.rowJSON, "row-json", false, "value = the row as JSON even if the trigger names a value column")
	fs.BoolVar(&o.repair, "repair", false, "fix the differences (through the foreign table, one transaction per batch)")
	fs.IntVar(&o.batch, "batch", 1000, "rows per batch")
	fs.IntVar(&o.list, "list", 20, "differences to list by key (the counts are always complete)")
	fs.BoolVar(&o.jsonOut, "json", false, "print the summary (and an error) as one JSON object on stdout")
	fs.DurationVar(&o.every, "progress-every", 10*time.Second, "when stderr is not a terminal: a progress line at most this often (0: after every batch)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	if o.source == "" || fs.NArg() > 0 || o.batch < 1 || o.list < 0 {
		fs.Usage()
		return o, errors.Mark(errors.New("-source is required; -batch must be positive, -list not negative"), errUsage)
	}
	return o, nil
}

// reconcileExit is reconcile's exit status, as diff(1)'s: 0 in sync (or
// every difference repaired), 1 differences found and not repaired, 2 an
// error (the comparison is incomplete).
func reconcileExit(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errDrift):
		fmt.Fprintf(stderr, "ktfdw reconcile: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "ktfdw reconcile: %v\n", err)
	return 2
}

func runReconcile(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	o, err := parseReconcileFlags(args, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	spec, res, err := reconcile(ctx, o, stderr)
	if o.jsonOut {
		if werr := writeReconcileJSON(stdout, o, spec, res, err, time.Since(start)); werr != nil && err == nil {
			err = werr
		}
	} else if err == nil {
		printReconcile(stdout, spec, res, o.repair)
	}
	if err != nil {
		return err
	}
	if res.Total() > 0 && !o.repair {
		return errDrift
	}
	return nil
}

// reconcile connects, resolves what to compare and runs both passes. The
// result holds the counts so far, also when it fails midway.
func reconcile(ctx context.Context, o reconcileOptions, stderr io.Writer) (*syncSpec, *reconcileResult, error) {
	res := &reconcileResult{listMax: o.list}
	conn, err := pgx.Connect(ctx, o.conn)
	if err != nil {
		return nil, res, errors.Wrap(err, "connecting to PostgreSQL")
	}
	defer conn.Close(context.Background())
	verify, err := pgx.Connect(ctx, o.conn)
	if err != nil {
		return nil, res, errors.Wrap(err, "connecting to PostgreSQL")
	}
	defer verify.Close(context.Background())

	spec, err := resolveSpec(ctx, conn, o.source, o.target, o.key, o.value, o.rowJSON)
	if err != nil {
		return nil, res, err
	}
	prog := newProgress(stderr, o.every, o.quiet)
	value := "the row as JSON"
	if spec.ValueCol != "" {
		value = "column " + quoteIdent(spec.ValueCol)
	}
	prog.note(fmt.Sprintf("%s (key %s, value %s) against %s, batches of %d",
		spec.Source, quoteIdent(spec.KeyCol), value, spec.Target, o.batch))

	r := &reconciler{spec: spec, conn: conn, verify: verify, batch: o.batch, repair: o.repair, prog: prog}
	r.res.listMax = o.list
	err = r.run(ctx)
	return spec, &r.res, err
}

func printReconcile(out io.Writer, spec *syncSpec, res *reconcileResult, repair bool) {
	for _, d := range res.Diffs {
		fmt.Fprintf(out, "%-9s %s\n", d.Kind, d.Key)
	}
	if more := res.Total() - len(res.Diffs); more > 0 {
		fmt.Fprintf(out, "... and %d more\n", more)
	}
	summary := fmt.Sprintf("%s -> %s: %d source rows, %d KT keys: %d missing, %d extra, %d differing",
		spec.Source, spec.Target, res.SourceRows, res.KTKeys, res.Missing, res.Extra, res.Differing)
	if repair {
		summary += fmt.Sprintf("; %d repaired", res.Repaired)
	}
	fmt.Fprintln(out, summary)
}
