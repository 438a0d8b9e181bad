package e2e_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// INSERT, UPDATE and DELETE convert each row (output functions, JSON
// encoding, batch arrays) in a per-row memory context: a statement's memory
// must not grow with its row count. Each statement records the backend's
// total memory context size at its row 1,000 and row 20,000 (a SQL function
// called from the statement itself reads pg_backend_memory_contexts).
func TestModifyMemoryDoesNotGrowPerRow(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.kt.Clear(ctx(t), "1"))
	e.exec("CREATE FOREIGN TABLE kvj (id int, a text, b int) SERVER kt OPTIONS (format 'json', db '1')")
	e.exec(`CREATE FUNCTION ctx_bytes() RETURNS bigint LANGUAGE sql AS
		$$ SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts $$`)
	e.exec("INSERT INTO kv SELECT 'k' || g, 'v' FROM generate_series(1, 20000) g")
	e.exec("INSERT INTO kvj SELECT g, 'v', g FROM generate_series(1, 20000) g")

	// mark(x) records the memory at rows 1000 and 20000 (x is the row number)
	const mark = `CASE WHEN (%[1]s)::text IN ('1000', '20000') THEN set_config('t.m' || %[1]s, ctx_bytes()::text, true) ELSE 'w' END`
	const oneRowPerCall = "ALTER FOREIGN TABLE %s OPTIONS (ADD batch_size '1')"
	cases := []struct{ name, setup, sql string }{
		{"batch INSERT", "", `INSERT INTO kv SELECT 'n' || g, ` + fmt.Sprintf(mark, "g") + ` FROM generate_series(1, 20000) g`},
		{"INSERT one row per call", fmt.Sprintf(oneRowPerCall, "kv"), `INSERT INTO kv SELECT 'n' || g, ` + fmt.Sprintf(mark, "g") + ` FROM generate_series(1, 20000) g`},
		{"json batch INSERT", "", `INSERT INTO kvj SELECT g + 100000, ` + fmt.Sprintf(mark, "g") + `, g FROM generate_series(1, 20000) g`},
		{"json INSERT one row per call", fmt.Sprintf(oneRowPerCall, "kvj"), `INSERT INTO kvj SELECT g + 100000, ` + fmt.Sprintf(mark, "g") + `, g FROM generate_series(1, 20000) g`},
		{"UPDATE", "", `UPDATE kv SET value = ` + fmt.Sprintf(mark, "substr(key, 2)")},
		{"json UPDATE", "", `UPDATE kvj SET a = ` + fmt.Sprintf(mark, "id")},
		{"DELETE", "", `DELETE FROM kv WHERE ` + fmt.Sprintf(mark, "substr(key, 2)") + ` <> ''`},
		{"json DELETE", "", `DELETE FROM kvj WHERE ` + fmt.Sprintf(mark, "id") + ` <> ''`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := func(sql string) {
				_, err := e.conn.Exec(ctx(t), sql)
				require.NoError(t, err, sql)
			}
			run("BEGIN")
			defer func() { _, _ = e.conn.Exec(ctx(t), "ROLLBACK") }()
			if c.setup != "" {
				run(c.setup)
			}
			run(c.sql)
			var at1k, at20k string
			require.NoError(t, e.conn.QueryRow(ctx(t),
				"SELECT current_setting('t.m1000', true), current_setting('t.m20000', true)").Scan(&at1k, &at20k))
			m1, err1 := strconv.ParseInt(at1k, 10, 64)
			m2, err2 := strconv.ParseInt(at20k, 10, 64)
			require.NoError(t, err1, "row 1000 was not reached: %q", at1k)
			require.NoError(t, err2, "row 20000 was not reached: %q", at20k)
			t.Logf("memory contexts: %d bytes at row 1,000, %d at row 20,000", m1, m2)
			// 19,000 rows: even 20 bytes per row would be 380 kB
			assert.Less(t, m2-m1, int64(128<<10), "memory grew by %d bytes over 19,000 rows", m2-m1)
		})
	}
}
