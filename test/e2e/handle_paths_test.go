package e2e_test

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// Every Go handle a statement opens is released by a memory context reset
// callback (doc/design.md, rule 4), whichever way the statement's state goes
// away: rescans, EXPLAIN ANALYZE, cursors closed early or dropped with their
// transaction or subtransaction, errors caught by PL/pgSQL. Each case runs
// its SQL on one session and checks kt_fdw_stats().open_handles (and the
// session still works: no handle released twice or used after release).
func TestHandlesReleasedOnEveryPath(t *testing.T) {
	e := newEnv(t)
	recs := make([]kt.Record, 2500) // more than one scan batch
	for i := range recs {
		recs[i] = kt.Record{Key: []byte(fmt.Sprintf("h%05d", i)), Value: []byte("v")}
	}
	_, err := e.kt.SetBulk(ctx(t), "", recs, false)
	require.NoError(t, err)
	e.exec("CREATE TABLE outer_keys AS SELECT 'h' || lpad(g::text, 5, '0') AS k FROM generate_series(0, 49) g")
	e.exec(`CREATE FUNCTION scan_then_fail() RETURNS int LANGUAGE plpgsql AS $$
		DECLARE n int := 0; r record;
		BEGIN
			BEGIN
				FOR r IN SELECT * FROM kv LOOP
					n := n + 1;
					IF n = 1500 THEN RAISE division_by_zero; END IF;
				END LOOP;
			EXCEPTION WHEN division_by_zero THEN
				RETURN n;
			END;
			RETURN -1;
		END $$`)
	e.exec(`CREATE FUNCTION insert_then_fail() RETURNS text LANGUAGE plpgsql AS $$
		BEGIN
			BEGIN
				INSERT INTO kv SELECT 'new' || g, (1 / (g - 3))::text FROM generate_series(1, 5) g;
			EXCEPTION WHEN division_by_zero THEN
				RETURN 'caught';
			END;
			RETURN 'not raised';
		END $$`)

	cases := []struct {
		name string
		sql  []string
	}{
		{"rescan: foreign table as the inner side of a nested loop", []string{
			"SET enable_hashjoin = off", "SET enable_mergejoin = off", "SET enable_material = off",
			"SELECT count(*) FROM outer_keys o JOIN LATERAL (SELECT * FROM kv WHERE key >= o.k LIMIT 3) x ON true",
			"SELECT count(*) FROM outer_keys o, kv WHERE kv.key = o.k",
			"RESET ALL"}},
		{"EXPLAIN ANALYZE of a scan, a lookup and an insert", []string{
			"EXPLAIN ANALYZE SELECT * FROM kv",
			"EXPLAIN ANALYZE SELECT * FROM kv WHERE key = 'h00001'",
			"BEGIN", "EXPLAIN ANALYZE INSERT INTO kv VALUES ('explained', 'x')", "ROLLBACK"}},
		{"plain EXPLAIN", []string{
			"EXPLAIN SELECT * FROM kv", "EXPLAIN INSERT INTO kv VALUES ('e', 'x')",
			"EXPLAIN UPDATE kv SET value = 'y' WHERE key = 'h00001'"}},
		{"cursor closed after one row", []string{
			"BEGIN", "DECLARE c CURSOR FOR SELECT * FROM kv", "FETCH 1 FROM c", "CLOSE c", "COMMIT"}},
		{"cursor dropped by COMMIT", []string{
			"BEGIN", "DECLARE c CURSOR FOR SELECT * FROM kv", "FETCH 1 FROM c", "COMMIT"}},
		{"cursor dropped by ROLLBACK", []string{
			"BEGIN", "DECLARE c CURSOR FOR SELECT * FROM kv", "FETCH 1 FROM c", "ROLLBACK"}},
		{"cursor opened in a subtransaction that is rolled back", []string{
			"BEGIN", "SAVEPOINT s", "DECLARE c CURSOR FOR SELECT * FROM kv", "FETCH 1 FROM c",
			"ROLLBACK TO SAVEPOINT s", "SELECT count(*) FROM kv", "COMMIT"}},
		{"scroll cursor rewound and read again", []string{
			"BEGIN", "DECLARE c SCROLL CURSOR FOR SELECT * FROM kv", "FETCH 1500 FROM c",
			"MOVE ABSOLUTE 0 IN c", "FETCH 10 FROM c", "COMMIT"}},
		{"held cursor", []string{
			"DECLARE c CURSOR WITH HOLD FOR SELECT * FROM kv", "FETCH 1 FROM c", "CLOSE c"}},
		{"error mid-scan caught by PL/pgSQL", []string{"SELECT scan_then_fail()"}},
		{"error mid-insert caught by PL/pgSQL", []string{"BEGIN", "SELECT insert_then_fail()", "COMMIT"}},
		{"LIMIT stops a scan early", []string{"SELECT * FROM kv LIMIT 1", "SELECT * FROM (SELECT * FROM kv) s LIMIT 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, sql := range c.sql {
				_, err := e.conn.Exec(ctx(t), sql, pgx.QueryExecModeSimpleProtocol)
				require.NoError(t, err, sql)
			}
			require.Equal(t, stats{0, 0, 1}, ktfdwStats(t, e.conn), "after %v", c.sql)
			var n int
			require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM kv").Scan(&n))
			require.Equal(t, len(recs), n, "the session still scans normally")
		})
	}
}
