package e2e_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// syncSchema: three tables, each with a disabled kt_fdw_sync trigger (the
// configuration ktfdw sync reads): the row as JSON into a plain table, a
// format 'json' target with arrays, jsonb, date/time and an xt column, and
// a value column; apply_batch 20 so larger transactions take several
// ktfdwapply calls.
const syncSchema = `
ALTER SERVER kt OPTIONS (ADD apply_batch '20');
CREATE TABLE limits (id int PRIMARY KEY, route text NOT NULL, rps numeric, enabled boolean NOT NULL DEFAULT true,
                     route_len int GENERATED ALWAYS AS (length(route)) STORED);
CREATE FOREIGN TABLE limits_kt (key text, value text) SERVER kt OPTIONS (prefix 'l:');
CREATE TRIGGER limits_sync AFTER INSERT OR UPDATE OR DELETE ON limits FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('limits_kt');
ALTER TABLE limits DISABLE TRIGGER limits_sync;

CREATE TABLE rules (name text PRIMARY KEY, action text, tags text[], doc jsonb, at timestamptz, d date,
                    expires timestamptz, big text);
CREATE FOREIGN TABLE rules_kt (name text, action text, tags text[], doc jsonb, at timestamptz, d date,
                               expires timestamptz OPTIONS (xt 'on'), big text)
  SERVER kt OPTIONS (format 'json', prefix 'r:');
CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('rules_kt');
ALTER TABLE rules DISABLE TRIGGER rules_sync;

CREATE TABLE flags (k uuid PRIMARY KEY, v text);
CREATE FOREIGN TABLE flags_kt (key text, value text) SERVER kt OPTIONS (prefix 'f:');
CREATE TRIGGER flags_sync AFTER INSERT OR UPDATE OR DELETE ON flags FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('flags_kt', 'k', 'v');
ALTER TABLE flags DISABLE TRIGGER flags_sync;
`

func (e *cdcEnv) execAll(sql string) {
	e.t.Helper()
	for _, stmt := range strings.Split(sql, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			e.exec(stmt)
		}
	}
}

// TestSyncStreams: the initial copy, then every kind of change, end with
// KT equal to the tables (reconcile) and byte for byte equal to what the
// kt_fdw_sync trigger writes for the same rows; SIGTERM stops it with 0.
func TestSyncStreams(t *testing.T) {
	e := newCDCEnv(t, false)
	e.execAll(syncSchema)
	e.exec(`INSERT INTO limits (id, route, rps) SELECT i, '/r' || i, i / 4.0 FROM generate_series(1, 50) i`)
	e.exec(`INSERT INTO rules VALUES ('a', 'allow', '{x,"y z"}', '{"n": [1, 2]}', '2024-05-01 10:00:00.5+02', '2024-05-01', NULL, 'small'),
	                                 ('b', 'deny', NULL, NULL, 'infinity', NULL, date_trunc('second', now()) + interval '1 day', NULL)`)
	e.exec(`INSERT INTO flags VALUES ('00000000-0000-0000-0000-000000000001', 'on'), ('00000000-0000-0000-0000-000000000002', 'off')`)
	e.exec(`CREATE PUBLICATION ` + e.pub + ` FOR TABLE limits, rules, flags`)

	p := e.startSync()
	p.waitLog("grouping at most 9 row changes per apply") // apply_batch 20: a group fits one call
	p.waitLog("copy: limits: 50/50 rows (100%)")
	p.waitLog("streaming slot")

	// row changes, a key change, a transaction larger than apply_batch
	e.exec(`UPDATE limits SET enabled = false WHERE id % 3 = 0`)
	e.exec(`UPDATE limits SET id = 1001 WHERE id = 1`)
	e.exec(`DELETE FROM limits WHERE id BETWEEN 40 AND 45`)
	e.exec(`INSERT INTO limits (id, route, rps) SELECT i, '/bulk', 1 FROM generate_series(100, 199) i`)
	// a large (TOASTed) value, then an UPDATE that leaves it unchanged
	e.exec(`UPDATE rules SET big = (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 3000) i) WHERE name = 'a'`)
	e.exec(`UPDATE rules SET action = 'log' WHERE name = 'a'`)
	// a value column set to NULL removes the record, set again writes it
	e.exec(`UPDATE flags SET v = NULL WHERE v = 'on'`)
	e.exec(`UPDATE flags SET v = 'back' WHERE v IS NULL`)
	e.caughtUp(p)
	e.reconciled("limits", "rules", "flags")
	kt := e.ktRecords()
	require.Contains(t, kt["r:a"], `"action": "log"`)
	require.Contains(t, kt["r:a"], `"big": "c4ca4238`, "the unchanged TOASTed value is kept")
	require.NotContains(t, kt, "l:1")
	require.Contains(t, kt, "l:1001")

	// DDL: a column added and one dropped; rows written after it have the new shape
	e.exec(`ALTER TABLE limits ADD COLUMN note text DEFAULT 'n'`)
	e.exec(`ALTER TABLE limits DROP COLUMN rps`)
	e.exec(`INSERT INTO limits (id, route, enabled, note) VALUES (3000, '/new', true, 'added')`)
	e.exec(`UPDATE limits SET note = 'touched'`)
	// TRUNCATE empties the target's namespace; rows inserted after it in the same transaction stay
	e.exec(`BEGIN; TRUNCATE flags; INSERT INTO flags VALUES ('00000000-0000-0000-0000-000000000003', 'after'); COMMIT`)
	e.caughtUp(p)
	e.reconciled("limits", "rules", "flags")
	kt = e.ktRecords()
	require.Equal(t, `{"id": 3000, "note": "touched", "route": "/new", "enabled": true, "route_len": 4}`, kt["l:3000"],
		"the generated column pgoutput leaves out is computed")
	require.Equal(t, "after", kt["f:00000000-0000-0000-0000-000000000003"])
	require.NotContains(t, kt, "f:00000000-0000-0000-0000-000000000001")

	require.Equal(t, 0, p.stop(), p.log.String())
	require.Contains(t, p.log.String(), "stopped: applied up to")

	// the trigger writes exactly the same bytes for the same rows
	e.triggerRewrite("limits", "limits_sync", "id = id")
	e.triggerRewrite("rules", "rules_sync", "name = name")
	e.triggerRewrite("flags", "flags_sync", "k = k")
	require.Equal(t, kt, e.ktRecords())
}
