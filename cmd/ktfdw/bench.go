package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// benchConfig sizes a benchmark run: flags, or the BENCH_* environment
// variables `make bench` passes on.
type benchConfig struct {
	Rows      int           // records loaded and scanned (1,000,000 by default)
	Runs      int           // runs per figure; the median is reported
	PGBench   time.Duration // duration of one pgbench run
	InQueries int           // IN-list queries per run
	InKeys    int           // keys per IN-list query
	SyncRows  int           // rows of the synced rules table
	ValueSize int           // bytes per value
	// Only names the sections to run (empty: all); see benchSections
	Only map[string]bool
}

// benchSections are the measurements in table order, by the names -only takes.
var benchSections = []string{"load", "scan", "lookups", "inlist", "sync", "memory"}

func defaultBenchConfig() benchConfig {
	return benchConfig{Rows: 1000000, Runs: 3, PGBench: 10 * time.Second, InQueries: 100,
		InKeys: 1000, SyncRows: 10000, ValueSize: 100}
}

func parseBenchConfig(args []string) (benchConfig, error) {
	c := defaultBenchConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: ktfdw bench [flags]\n\nMeasures kt_fdw against a throwaway Postgres and KT (doc/performance.md).\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&c.Rows, "rows", envInt("BENCH_ROWS", c.Rows), "records to load and scan (BENCH_ROWS)")
	fs.IntVar(&c.Runs, "runs", envInt("BENCH_RUNS", c.Runs), "runs per figure, median reported (BENCH_RUNS)")
	fs.DurationVar(&c.PGBench, "pgbench-time", envDuration("BENCH_PGBENCH_TIME", c.PGBench), "duration of one pgbench run (BENCH_PGBENCH_TIME)")
	fs.IntVar(&c.InQueries, "in-queries", envInt("BENCH_IN_QUERIES", c.InQueries), "IN-list queries per run (BENCH_IN_QUERIES)")
	fs.IntVar(&c.SyncRows, "sync-rows", envInt("BENCH_SYNC_ROWS", c.SyncRows), "rows of the synced rules table (BENCH_SYNC_ROWS)")
	only := fs.String("only", os.Getenv("BENCH_ONLY"), "comma-separated sections to run, of "+strings.Join(benchSections, ",")+"; default all (BENCH_ONLY)")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	for _, name := range strings.FieldsFunc(*only, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(benchSections, name) {
			err := errors.Newf("-only: unknown section %q (sections: %s)", name, strings.Join(benchSections, ", "))
			fmt.Fprintf(fs.Output(), "%v\n", err)
			return c, errors.Mark(err, errUsage)
		}
		if c.Only == nil {
			c.Only = map[string]bool{}
		}
		c.Only[name] = true
	}
	if c.Rows < c.InKeys {
		c.InKeys = c.Rows
	}
	if c.Rows < 1 || c.Runs < 1 || c.SyncRows < 1 || c.InQueries < 1 || c.PGBench < time.Second {
		err := errors.New("rows, runs, sync-rows and in-queries must be positive, pgbench-time at least 1s")
		fmt.Fprintf(fs.Output(), "%v\n", err)
		fs.Usage()
		return c, errors.Mark(err, errUsage)
	}
	return c, nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// benchEnv is what every measurement uses.
type benchEnv struct {
	cfg     benchConfig
	out     io.Writer
	cluster *pgcluster.Cluster
	conn    *pgx.Conn
	kt      *kt.Client
	dev     *ktdev.Server // nil with KT_TEST_ADDR
	ktAddr  string
	pgbench string
	raw     *rawBounds // the raw binary client's round trips, once measured
}

// runs reports whether section is to be measured.
func (c benchConfig) runs(section string) bool { return c.Only == nil || c.Only[section] }

const benchSetup = `
CREATE EXTENSION kt_fdw;
CREATE SERVER kt FOREIGN DATA WRAPPER kt_fdw OPTIONS (host '%s', port '%s', timeout '60s');
CREATE USER MAPPING FOR PUBLIC SERVER kt;
CREATE FOREIGN TABLE kv (key text, value text) SERVER kt OPTIONS (db '0', batch_size '1000');
CREATE FOREIGN TABLE kv_tree (key text, value text) SERVER kt OPTIONS (db '1', ordered 'true');
CREATE UNLOGGED TABLE local_kv (key text PRIMARY KEY, value text);
`

// runBench starts a throwaway Postgres and KT, runs every measurement and
// prints the table.
func runBench(ctx context.Context, out io.Writer, args []string) error {
	cfg, err := parseBenchConfig(args)
	if err != nil {
		return err
	}
	env := &benchEnv{cfg: cfg, out: out}
	bin, err := pgcluster.BinDir()
	if err != nil {
		return err
	}
	env.pgbench = bin + "/pgbench"
	if _, err := os.Stat(env.pgbench); err != nil {
		return errors.Wrap(err, "pgbench not found (Debian: postgresql-client-15 / postgresql-15)")
	}

	if addr := os.Getenv("KT_TEST_ADDR"); addr != "" {
		env.ktAddr = addr
	} else {
		// with kt_fdw.lua's procedures, as a recommended deployment runs KT
		// (apply auto is then atomic); the bulk load is also measured in
		// mode bulk (benchLoad)
		srv, err := ktdev.Start(ktdev.Config{KTFDWScripts: true})
		if err != nil {
			return err
		}
		defer srv.Close()
		env.dev, env.ktAddr = srv, srv.Addr()
	}
	env.kt, err = kt.NewClient(kt.Config{Addr: env.ktAddr, OpTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer env.kt.Close()

	fmt.Fprintf(out, "== starting a throwaway PostgreSQL cluster and KT (%s)\n", env.ktDescription())
	env.cluster, err = pgcluster.Start(pgcluster.Config{})
	if err != nil {
		return err
	}
	defer env.cluster.Stop()
	env.conn, err = pgx.Connect(ctx, env.cluster.ConnString())
	if err != nil {
		return errors.Wrap(err, "connecting to the throwaway cluster")
	}
	defer env.conn.Close(context.Background())
	host, port, _ := net.SplitHostPort(env.ktAddr)
	if _, err := env.conn.Exec(ctx, fmt.Sprintf(benchSetup, host, port)); err != nil {
		return errors.Wrap(err, "setting up (is the extension installed? run `make install`)")
	}

	var rows []benchRow
	if !cfg.runs("load") {
		if err := env.loadOnly(ctx); err != nil {
			return err
		}
	}
	for i, m := range []func(context.Context) ([]benchRow, error){
		env.benchLoad, env.benchScan, env.benchLookups, env.benchInList, env.benchSync, env.benchMemory,
	} {
		if !cfg.runs(benchSections[i]) {
			continue
		}
		r, err := m(ctx)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	env.printTable(rows)
	return nil
}

func (e *benchEnv) ktDescription() string {
	if e.dev != nil {
		return "ktdev dev server in this process at " + e.ktAddr
	}
	return "KT server at " + e.ktAddr + " (KT_TEST_ADDR)"
}

// benchRow is one line of the result table.
type benchRow struct {
	Name      string
	Value     float64
	Unit      string
	Reference string  // what Value is compared with
	RefValue  float64 // 0: no comparison
	Target    string  // the target, "" for information
	// Pass decides Target from Value and RefValue; nil: no target
	Pass func(v, ref float64) bool
}

func atLeastRatio(r float64) func(v, ref float64) bool {
	return func(v, ref float64) bool { return ref > 0 && v/ref >= r }
}

func below(limit float64) func(v, ref float64) bool {
	return func(v, _ float64) bool { return v < limit }
}

func (e *benchEnv) printTable(rows []benchRow) {
	fmt.Fprintf(e.out, "\n== results: %d rows, %d-byte values, median of %d runs, pgbench %s per run, KT: %s\n",
		e.cfg.Rows, e.cfg.ValueSize, e.cfg.Runs, e.cfg.PGBench, e.ktDescription())
	fmt.Fprintf(e.out, "machine: %s\n\n", machineDescription())
	tw := tabwriter.NewWriter(e.out, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, " measurement\t kt_fdw\t compared with\t reference\t ratio\t target\t met")
	fmt.Fprintln(tw, " ---\t ---\t ---\t ---\t ---\t ---\t ---")
	for _, r := range rows {
		ref, ratio, met := "", "", ""
		if r.RefValue > 0 {
			ref = formatValue(r.RefValue, r.Unit)
			ratio = fmt.Sprintf("%.0f%%", 100*r.Value/r.RefValue)
		}
		if r.Pass != nil {
			met = "yes"
			if !r.Pass(r.Value, r.RefValue) {
				met = "NO"
			}
		}
		fmt.Fprintf(tw, " %s\t %s\t %s\t %s\t %s\t %s\t %s\n", r.Name, formatValue(r.Value, r.Unit),
			r.Reference, ref, ratio, r.Target, met)
	}
	_ = tw.Flush()
}

func formatValue(v float64, unit string) string {
	switch {
	case unit == "":
		return fmt.Sprintf("%.2f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	default:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rate runs fn runs times and returns the median of n/seconds.
func (e *benchEnv) rate(n int, fn func() error) (float64, error) {
	var rates []float64
	for i := 0; i < e.cfg.Runs; i++ {
		start := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		rates = append(rates, float64(n)/time.Since(start).Seconds())
	}
	return median(rates), nil
}

func machineDescription() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(line[strings.IndexByte(line, ':')+1:])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 2 {
			if kb, err := strconv.Atoi(f[1]); err == nil {
				mem = fmt.Sprintf(", %.1f GB RAM", float64(kb)/1024/1024)
			}
		}
	}
	pg, _ := pgcluster.ConfigValue("--version")
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = fmt.Sprintf(", load average %s %s %s at the end", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s, %s, %s%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH,
		strings.TrimSpace(pg), runtime.Version(), load)
}
