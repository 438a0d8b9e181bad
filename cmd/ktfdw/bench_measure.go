package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// The measurements of the table, in its order.

// insertSQL loads the benchmark records: key i, value of ValueSize bytes.
func (e *benchEnv) insertSQL(table string) string {
	return fmt.Sprintf("INSERT INTO %s SELECT i::text, repeat('x', %d) FROM generate_series(1, %d) i",
		table, e.cfg.ValueSize, e.cfg.Rows)
}

// rawLoad stores the same records as insertSQL with binary set_bulk.
func (e *benchEnv) rawLoad(ctx context.Context, db uint16) error {
	val := []byte(strings.Repeat("x", e.cfg.ValueSize))
	const chunk = 10000
	recs := make([]kt.BinRecord, 0, chunk)
	for i := 1; i <= e.cfg.Rows; i++ {
		recs = append(recs, kt.BinRecord{DB: db, Key: strconv.AppendInt(nil, int64(i), 10), Value: val, XT: kt.XTNever})
		if len(recs) == chunk || i == e.cfg.Rows {
			if _, err := e.kt.BinSetBulk(ctx, recs, false); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	return nil
}

// rawRead reads every record of db 0 the fastest way the client can:
// all keys with match_prefix, values with binary get_bulk per 1000.
func (e *benchEnv) rawRead(ctx context.Context) (int, error) {
	keys, err := e.kt.MatchPrefix(ctx, "0", []byte{}, -1)
	if err != nil {
		return 0, err
	}
	n := 0
	req := make([]kt.BinRecord, 0, 1000)
	for i := 0; i < len(keys); i += 1000 {
		req = req[:0]
		for _, k := range keys[i:min(i+1000, len(keys))] {
			req = append(req, kt.BinRecord{Key: k})
		}
		recs, err := e.kt.BinGetBulk(ctx, req)
		if err != nil {
			return n, err
		}
		n += len(recs)
	}
	return n, nil
}

func (e *benchEnv) exec(ctx context.Context, sql string) error {
	_, err := e.conn.Exec(ctx, sql)
	return errors.Wrapf(err, "running %q", sql)
}

// hasScript reports whether KT runs kt_fdw.lua (ktfdwversion answers).
func (e *benchEnv) hasScript(ctx context.Context) (bool, error) {
	_, err := e.kt.PlayScript(ctx, ktscript.ProcVersion, nil)
	if errors.Is(err, kt.ErrNotImplemented) {
		return false, nil
	}
	return err == nil, err
}

// benchLoad measures the INSERT in both apply modes (doc/reference.md,
// option apply): auto with kt_fdw.lua (atomic: ktfdwapply calls of
// apply_batch records), only when KT has the script, and bulk (binary
// set_bulk in large chunks for a commit of more than apply_batch records).
func (e *benchEnv) benchLoad(ctx context.Context) ([]benchRow, error) {
	n := e.cfg.Rows
	fmt.Fprintf(e.out, "== 1. bulk load of %d rows\n", n)
	load := func() error {
		if err := e.kt.Clear(ctx, "0"); err != nil {
			return err
		}
		return e.exec(ctx, e.insertSQL("kv"))
	}
	script, err := e.hasScript(ctx)
	if err != nil {
		return nil, err
	}
	var atomic float64
	if script {
		if atomic, err = e.rate(n, load); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintf(e.out, "   KT has no kt_fdw.lua: apply auto would be bulk, atomic not measured\n")
	}
	if err := e.exec(ctx, "ALTER SERVER kt OPTIONS (ADD apply 'bulk')"); err != nil {
		return nil, err
	}
	bulk, err := e.rate(n, load)
	if err != nil {
		return nil, err
	}
	if err := e.exec(ctx, "ALTER SERVER kt OPTIONS (DROP apply)"); err != nil {
		return nil, err
	}
	raw, err := e.rate(n, func() error {
		if err := e.kt.Clear(ctx, "0"); err != nil {
			return err
		}
		return e.rawLoad(ctx, 0)
	})
	if err != nil {
		return nil, err
	}
	local, err := e.rate(n, func() error {
		if err := e.exec(ctx, "TRUNCATE local_kv"); err != nil {
			return err
		}
		return e.exec(ctx, e.insertSQL("local_kv"))
	})
	if err != nil {
		return nil, err
	}
	if err := e.exec(ctx, "VACUUM ANALYZE local_kv"); err != nil {
		return nil, err
	}
	var rows []benchRow
	if script {
		rows = append(rows, benchRow{Name: "1. bulk load INSERT ... SELECT, apply auto with kt_fdw.lua (atomic) (rows/s)", Value: atomic, Unit: "rows/s",
			Reference: "raw client binary set_bulk", RefValue: raw, Target: ">= 50% of raw", Pass: atLeastRatio(0.5)})
	}
	return append(rows,
		benchRow{Name: "1. bulk load INSERT ... SELECT, apply bulk (rows/s)", Value: bulk, Unit: "rows/s",
			Reference: "raw client binary set_bulk", RefValue: raw, Target: ">= 50% of raw", Pass: atLeastRatio(0.5)},
		benchRow{Name: "   same INSERT into a local UNLOGGED table (PK)", Value: local, Unit: "rows/s"},
	), nil
}

func (e *benchEnv) countRows(ctx context.Context, sql string) (int64, error) {
	var n int64
	err := e.conn.QueryRow(ctx, sql).Scan(&n)
	return n, errors.Wrapf(err, "running %q", sql)
}

func (e *benchEnv) benchScan(ctx context.Context) ([]benchRow, error) {
	n := e.cfg.Rows
	fmt.Fprintf(e.out, "== 2. full scans of %d rows\n", n)
	if got, err := e.countRows(ctx, "SELECT count(*) FROM kv"); err != nil || got != int64(n) {
		return nil, errors.Newf("count(*) through kt_fdw: %d rows, want %d (%v)", got, n, err)
	}
	query := func(sql string) func() error {
		return func() error { _, err := e.countRows(ctx, sql); return err }
	}
	fdwCount, err := e.rate(n, query("SELECT count(*) FROM kv"))
	if err != nil {
		return nil, err
	}
	fdwSum, err := e.rate(n, query("SELECT sum(length(value)) FROM kv"))
	if err != nil {
		return nil, err
	}
	raw, err := e.rate(n, func() error {
		got, err := e.rawRead(ctx)
		if err == nil && got != n {
			err = errors.Newf("raw read: %d records, want %d", got, n)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	localCount, err := e.rate(n, query("SELECT count(*) FROM local_kv"))
	if err != nil {
		return nil, err
	}
	localSum, err := e.rate(n, query("SELECT sum(length(value)) FROM local_kv"))
	if err != nil {
		return nil, err
	}
	// the same records in the tree database through an ordered table (its keys listed in order)
	if err := e.kt.Clear(ctx, "1"); err != nil {
		return nil, err
	}
	if err := e.rawLoad(ctx, 1); err != nil {
		return nil, err
	}
	tree, err := e.rate(n, query("SELECT sum(length(value)) FROM kv_tree"))
	if err != nil {
		return nil, err
	}
	if err := e.kt.Clear(ctx, "1"); err != nil {
		return nil, err
	}
	return []benchRow{
		{Name: "2. full scan count(*) (rows/s)", Value: fdwCount, Unit: "rows/s",
			Reference: "raw client match_prefix + binary get_bulk", RefValue: raw, Target: ">= 50% of raw", Pass: atLeastRatio(0.5)},
		{Name: "   full scan sum(length(value)) (rows/s)", Value: fdwSum, Unit: "rows/s",
			Reference: "raw client match_prefix + binary get_bulk", RefValue: raw, Target: ">= 50% of raw", Pass: atLeastRatio(0.5)},
		{Name: "   local table count(*)", Value: localCount, Unit: "rows/s"},
		{Name: "   local table sum(length(value))", Value: localSum, Unit: "rows/s"},
		{Name: "   ordered table (tree DB) sum(length(value))", Value: tree, Unit: "rows/s",
			Reference: "raw client (hash DB)", RefValue: raw},
	}, nil
}

// pgbenchResult is what one pgbench run reported.
type pgbenchResult struct {
	tps float64
	txs int64
}

var (
	tpsRE = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	txRE  = regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`)
)

// runPGBench runs script with one client for the configured time.
func (e *benchEnv) runPGBench(ctx context.Context, script string) (pgbenchResult, error) {
	dir, err := os.MkdirTemp("", "ktfdw-bench-")
	if err != nil {
		return pgbenchResult{}, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "script.sql")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		return pgbenchResult{}, err
	}
	cmd := exec.CommandContext(ctx, e.pgbench, "-n", "-M", "prepared", "-c", "1", "-j", "1",
		"-T", strconv.Itoa(int(e.cfg.PGBench.Seconds())), "-f", file,
		"-h", "127.0.0.1", "-p", strconv.Itoa(e.cluster.Port), "-U", "postgres", "postgres")
	cmd.Env = append(os.Environ(), "PGOPTIONS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchResult{}, errors.Wrapf(err, "pgbench: %s", out)
	}
	m, t := tpsRE.FindSubmatch(out), txRE.FindSubmatch(out)
	if m == nil || t == nil {
		return pgbenchResult{}, errors.Newf("pgbench output without tps: %s", out)
	}
	var r pgbenchResult
	r.tps, _ = strconv.ParseFloat(string(m[1]), 64)
	r.txs, _ = strconv.ParseInt(string(t[1]), 10, 64)
	return r, nil
}

// pgbenchMedian runs script Runs times; also KT requests per transaction
// (dev server only; -1 otherwise).
func (e *benchEnv) pgbenchMedian(ctx context.Context, script string) (tps, reqPerTx float64, err error) {
	var all []float64
	var txs int64
	var before uint64
	if e.dev != nil {
		before = e.dev.Requests()
	}
	for i := 0; i < e.cfg.Runs; i++ {
		r, err := e.runPGBench(ctx, script)
		if err != nil {
			return 0, 0, err
		}
		all = append(all, r.tps)
		txs += r.txs
	}
	reqPerTx = -1
	if e.dev != nil && txs > 0 {
		reqPerTx = float64(e.dev.Requests()-before) / float64(txs)
	}
	return median(all), reqPerTx, nil
}

func (e *benchEnv) benchLookups(ctx context.Context) ([]benchRow, error) {
	fmt.Fprintf(e.out, "== 3. point lookups (pgbench, 1 client, -M prepared, %s x %d)\n", e.cfg.PGBench, e.cfg.Runs)
	script := "\\set k random(1, %d)\nSELECT value FROM %s WHERE key = :k;\n"
	fdw, req, err := e.pgbenchMedian(ctx, fmt.Sprintf(script, e.cfg.Rows, "kv"))
	if err != nil {
		return nil, err
	}
	local, _, err := e.pgbenchMedian(ctx, fmt.Sprintf(script, e.cfg.Rows, "local_kv"))
	if err != nil {
		return nil, err
	}
	// the KT round trip alone: HTTP gets of the kt client, one at a time,
	// and the raw binary client's
	rawHTTP, err := e.rawRates(func(key []byte) error {
		_, err := e.kt.Get(ctx, "0", key)
		return err
	})
	if err != nil {
		return nil, err
	}
	raw, err := e.rawBounds(ctx)
	if err != nil {
		return nil, err
	}
	rows := []benchRow{{Name: "3. point lookups SELECT value ... WHERE key = $1 (tps)", Value: fdw, Unit: "tps",
		Reference: "local UNLOGGED table, primary key", RefValue: local, Target: ">= 60% of local", Pass: atLeastRatio(0.6)},
		{Name: "   kt client HTTP get, one at a time (KT round trips/s)", Value: rawHTTP, Unit: "ops/s"},
		{Name: "   raw binary get of one key, one at a time (no pool, no goroutine hand-off)", Value: raw.get, Unit: "ops/s"},
		// no FDW can beat a local lookup followed by one KT round trip
		{Name: "   kt_fdw vs the bound: local lookup + 1 binary round trip in series", Value: fdw, Unit: "tps",
			Reference: "1 / (1/local + 1/raw binary get)", RefValue: seriesBound(local, raw.get),
			Target: ">= 90% of the bound", Pass: atLeastRatio(0.9)}}
	if req >= 0 {
		rows = append(rows, benchRow{Name: "   KT requests per lookup (dev server count)", Value: req,
			Target: "exactly 1", Pass: func(v, _ float64) bool { return v > 0.99 && v < 1.01 }})
	}
	return rows, nil
}

func (e *benchEnv) benchInList(ctx context.Context) ([]benchRow, error) {
	q, k := e.cfg.InQueries, e.cfg.InKeys
	fmt.Fprintf(e.out, "== 4. IN-lists: %d queries of %d keys per run\n", q, k)
	rng := rand.New(rand.NewPCG(1, 2))
	lists := make([][]string, q)
	for i := range lists {
		lists[i] = make([]string, k)
		for j := range lists[i] {
			lists[i][j] = strconv.Itoa(1 + rng.IntN(e.cfg.Rows))
		}
	}
	run := func(table string) func() error {
		sql := "SELECT count(*) FROM " + table + " WHERE key = ANY($1)"
		return func() error {
			for _, l := range lists {
				var n int64
				if err := e.conn.QueryRow(ctx, sql, l).Scan(&n); err != nil {
					return errors.Wrapf(err, "running %q", sql)
				}
				if n == 0 {
					return errors.Newf("%q found no rows", sql)
				}
			}
			return nil
		}
	}
	fdw, err := e.rate(q*k, run("kv"))
	if err != nil {
		return nil, err
	}
	local, err := e.rate(q*k, run("local_kv"))
	if err != nil {
		return nil, err
	}
	return []benchRow{{Name: fmt.Sprintf("4. IN-list of %d keys (rows/s)", k), Value: fdw, Unit: "rows/s",
		Reference: "local table, primary key", RefValue: local}}, nil
}

// seriesBound is the rate of doing one operation at rate a and then one at
// rate b, one after the other.
func seriesBound(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return 1 / (1/a + 1/b)
}
