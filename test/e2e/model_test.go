package e2e_test

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// TestModel runs random statements in random transactions (savepoints
// released and rolled back, commits and rollbacks) in lockstep against a
// kt_fdw table and a local table with a primary key, on two connections.
// Every statement must return the same rows (a sorted set unless the query
// orders them), the same row count and the same SQLSTATE class, and after
// each transaction KT (read with the kt client) must hold exactly the local
// table. It runs on a hash database (bulk apply), on an ordered tree
// database (atomic apply with conflict_check) and with a write buffer that
// spills.
//
//	KT_FDW_MODEL_SEED   first seed (default 1; "random": from the clock)
//	KT_FDW_MODEL_RUNS   seeds to run, from the first (default 1)
//	KT_FDW_MODEL_STEPS  statements per seed and table (default 600)
//
// A divergence prints the seed and every statement run so far, as SQL.
func TestModel(t *testing.T) {
	seed, runs, steps := modelKnobs(t)
	for _, v := range []struct {
		name, opts string
		db         string
		env        func(t *testing.T) *env
		spills     bool
	}{
		// the dev server without kt_fdw's procedures: bulk apply
		{name: "hash", db: "", env: newEnv},
		// atomic apply (kt_fdw.lua's procedure), with its checks
		{name: "tree", db: "1", opts: "OPTIONS (db '1', ordered 'on')", env: func(t *testing.T) *env {
			return txScriptEnv(t, "conflict_check 'on'")
		}},
		// the write buffer spills at once (long values)
		{name: "spill", db: "", env: func(t *testing.T) *env {
			e := newEnv(t)
			e.exec("ALTER SERVER kt OPTIONS (ADD buffer_memory '8kB')")
			return e
		}, spills: true},
	} {
		t.Run(v.name, func(t *testing.T) {
			e := v.env(t)
			if v.db != "" && !ktTreeDB(t, e, v.db) {
				t.Skipf("KT database %s is not a tree database", v.db)
			}
			e.exec(`CREATE FOREIGN TABLE f (key text COLLATE "C", value text) SERVER kt ` + v.opts)
			e.exec(`CREATE TABLE l (key text COLLATE "C" PRIMARY KEY, value text NOT NULL)`)
			e.exec(`CREATE TABLE j (k text COLLATE "C")`)
			for _, k := range modelJoinKeys {
				e.exec("INSERT INTO j VALUES (" + sqlLit(k) + ")")
			}
			for run := 0; run < runs; run++ {
				m := &model{t: t, e: e, db: v.db, seed: seed + int64(run), steps: steps,
					fconn: e.pg.ConnDB(t, e.db), lconn: e.pg.ConnDB(t, e.db), spills: v.spills}
				m.run()
				if v.spills {
					require.Positive(t, m.stats["spilled"], "no transaction of seed %d spilled", m.seed)
				}
			}
		})
	}
}

func modelKnobs(t *testing.T) (seed int64, runs, steps int) {
	seed, runs, steps = 1, 1, 600
	num := func(name string, dst *int) {
		if s := os.Getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			require.NoError(t, err, "%s=%q", name, s)
			*dst = n
		}
	}
	num("KT_FDW_MODEL_RUNS", &runs)
	num("KT_FDW_MODEL_STEPS", &steps)
	switch s := os.Getenv("KT_FDW_MODEL_SEED"); s {
	case "":
	case "random":
		seed = time.Now().UnixNano() % 1_000_000_000
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		require.NoError(t, err, "KT_FDW_MODEL_SEED=%q", s)
		seed = n
	}
	t.Logf("model: KT_FDW_MODEL_SEED=%d KT_FDW_MODEL_RUNS=%d KT_FDW_MODEL_STEPS=%d", seed, runs, steps)
	return seed, runs, steps
}

// ktTreeDB reports whether KT database db keeps its keys in order (Kyoto
// Cabinet's tree types have odd type numbers: 0x11, 0x21, 0x31, 0x41).
func ktTreeDB(t *testing.T, e *env, db string) bool {
	st, err := e.kt.Status(ctx(t), db)
	require.NoError(t, err)
	n, err := strconv.Atoi(st["type"])
	return err == nil && n&1 == 1
}

// model is one seed's run.
type model struct {
	t            *testing.T
	e            *env
	db           string
	seed         int64
	steps        int
	fconn, lconn *pgx.Conn
	log          strings.Builder // the statements so far, as SQL on f
	inTx         bool
	savepoints   []string
	nsp          int
	stats        map[string]int // outcomes, logged at the end: the run did something
	spills       bool           // count statements after which the buffer had spilled
}

// outcome is what a statement did: its rows and tag, or its SQLSTATE class.
type outcome struct {
	rows  []string
	tag   string
	class string // "" on success
	err   string
}

func (o outcome) String() string {
	if o.class != "" {
		return "error " + o.err
	}
	return fmt.Sprintf("%s %q", o.tag, o.rows)
}

func (m *model) run() {
	g := modelGen{rand.New(rand.NewSource(m.seed))}
	m.do("SET plan_cache_mode = force_generic_plan") // statements with parameters
	m.do("TRUNCATE {T}")
	for step := 0; step < m.steps; step++ {
		switch r := g.rng.Intn(100); {
		case !m.inTx && r < 30:
			m.do("BEGIN")
			m.inTx, m.savepoints = true, nil
		case !m.inTx:
			m.doStmt(g.statement())
			m.checkKT()
		case r < 8:
			m.end("COMMIT")
		case r < 12:
			m.end("ROLLBACK")
		case r < 20:
			m.nsp++
			sp := fmt.Sprintf("s%d", m.nsp)
			m.do("SAVEPOINT " + sp)
			m.savepoints = append(m.savepoints, sp)
		case r < 24 && len(m.savepoints) > 0:
			i := g.rng.Intn(len(m.savepoints))
			m.do("RELEASE SAVEPOINT " + m.savepoints[i])
			m.savepoints = m.savepoints[:i]
		case r < 29 && len(m.savepoints) > 0:
			i := g.rng.Intn(len(m.savepoints))
			m.do("ROLLBACK TO SAVEPOINT " + m.savepoints[i])
			m.savepoints = m.savepoints[:i+1]
		default:
			if o := m.doStmt(g.statement()); o.class != "" {
				// the transaction is aborted: back to a savepoint, or out
				if len(m.savepoints) > 0 && g.chance(70) {
					i := g.rng.Intn(len(m.savepoints))
					m.do("ROLLBACK TO SAVEPOINT " + m.savepoints[i])
					m.savepoints = m.savepoints[:i+1]
				} else {
					m.end("ROLLBACK")
				}
			}
		}
	}
	if m.inTx {
		m.end("COMMIT")
	}
	m.t.Logf("model seed %d: %v", m.seed, m.stats)
}

// end commits or rolls back, then compares KT with the local table.
func (m *model) end(sql string) {
	m.do(sql)
	m.inTx = false
	m.checkKT()
}

// do runs sql on both tables and fails the test when the outcomes differ.
func (m *model) do(sql string) outcome { return m.doStmt(stmt{sql: sql}) }

func (m *model) doStmt(s stmt) outcome {
	m.t.Helper()
	sql := s.sql
	fsql, lsql := strings.ReplaceAll(sql, "{T}", "f"), strings.ReplaceAll(sql, "{T}", "l")
	fo, lo := m.exec(m.fconn, fsql, s), m.exec(m.lconn, lsql, s)
	switch {
	case s.copy != "":
		fmt.Fprintf(&m.log, "%s;\n%s\\.\n-- %s\n", fsql, s.copy, truncated(fo.String(), 200))
	case s.args != nil:
		fmt.Fprintf(&m.log, "%s; -- parameters %q (generic plan): %s\n", fsql, s.args, truncated(fo.String(), 200))
	default:
		fmt.Fprintf(&m.log, "%s; -- %s\n", fsql, truncated(fo.String(), 200))
	}
	m.count(sql, fo)
	if m.spills && m.inTx && fo.class == "" && s.sql != "BEGIN" {
		var n int
		require.NoError(m.t, m.fconn.QueryRow(ctx(m.t), "SELECT count(*) FROM pg_ls_tmpdir() WHERE name LIKE 'pgsql_tmpktfdw%'").Scan(&n))
		if n > 0 {
			m.stats["spilled"]++
		}
	}
	// The SQLSTATE class, not the code: a batched INSERT checks its keys
	// at the end of the statement, so one with a NULL value after a
	// duplicate key fails with 23502 where the local table says 23505.
	if fo.class != lo.class || fo.tag != lo.tag || !slices.Equal(fo.rows, lo.rows) {
		m.fail("statement %q\n  kt_fdw: %s\n  local:  %s", fsql, fo, lo)
	}
	return fo
}

// count tallies outcomes by statement kind.
func (m *model) count(sql string, o outcome) {
	if m.stats == nil {
		m.stats = map[string]int{}
	}
	kind, _, _ := strings.Cut(sql, " ")
	switch {
	case o.class != "":
		m.stats[kind+" error "+o.class]++
	case len(o.rows) > 0:
		m.stats[kind+" with rows"]++
	default:
		m.stats[kind]++
	}
}

func (m *model) exec(conn *pgx.Conn, sql string, s stmt) outcome {
	var o outcome
	var err error
	if s.copy != "" {
		var tag pgconn.CommandTag
		tag, err = conn.PgConn().CopyFrom(ctx(m.t), strings.NewReader(s.copy), sql)
		o.tag = tag.String()
	} else {
		args := append([]any{pgx.QueryExecModeSimpleProtocol}, s.args...)
		if s.args != nil {
			args = s.args // prepared: generic plans (plan_cache_mode)
		}
		var rows pgx.Rows
		if rows, err = conn.Query(ctx(m.t), sql, args...); err == nil {
			for rows.Next() {
				vals, verr := rows.Values()
				require.NoError(m.t, verr)
				var cols []string
				for _, v := range vals {
					if v == nil {
						cols = append(cols, "NULL")
					} else {
						cols = append(cols, strconv.Quote(fmt.Sprint(v)))
					}
				}
				o.rows = append(o.rows, strings.Join(cols, "|"))
			}
			rows.Close()
			err = rows.Err()
			o.tag = rows.CommandTag().String()
		}
	}
	if err != nil {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			m.fail("statement %q: %v", sql, err)
		}
		o.class, o.err, o.tag, o.rows = pe.Code[:2], pe.Code+" "+pe.Message, "", nil
	}
	if !ordered(sql) {
		slices.Sort(o.rows)
	}
	return o
}

// checkKT compares what KT holds with the local table.
func (m *model) checkKT() {
	m.t.Helper()
	keys, err := m.e.kt.MatchPrefix(ctx(m.t), m.db, nil, -1)
	require.NoError(m.t, err)
	got := map[string]string{}
	for i := 0; i < len(keys); i += 1000 {
		recs, err := m.e.kt.GetBulk(ctx(m.t), m.db, keys[i:min(i+1000, len(keys))], false)
		require.NoError(m.t, err)
		for _, r := range recs {
			got[string(r.Key)] = string(r.Value)
		}
	}
	want := map[string]string{}
	rows, err := m.lconn.Query(ctx(m.t), "SELECT key, value FROM l")
	require.NoError(m.t, err)
	for rows.Next() {
		var k, v string
		require.NoError(m.t, rows.Scan(&k, &v))
		want[k] = v
	}
	require.NoError(m.t, rows.Err())
	if len(got) == len(want) {
		same := true
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	var diff []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			diff = append(diff, fmt.Sprintf("missing in KT: %q", k))
		} else if g != v {
			diff = append(diff, fmt.Sprintf("differs in KT: %q: %q, local %q", k, truncated(g, 40), truncated(v, 40)))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, fmt.Sprintf("extra in KT: %q", k))
		}
	}
	slices.Sort(diff)
	m.fail("KT and the local table differ after the last statement:\n  %s", strings.Join(diff, "\n  "))
}

func (m *model) fail(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("model diverged (seed %d): %s\nreproduce: KT_FDW_MODEL_SEED=%d KT_FDW_MODEL_STEPS=%d go test ./test/e2e -run 'TestModel/%s'\nstatements (on f; the same ran on the local table l):\n%s",
		m.seed, fmt.Sprintf(format, args...), m.seed, m.steps, m.t.Name()[strings.LastIndex(m.t.Name(), "/")+1:], m.log.String())
}

func truncated(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("...(%d bytes)", len(s))
}
