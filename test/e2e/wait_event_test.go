package e2e_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A backend waiting on a stalled KT says so in pg_stat_activity:
// wait_event_type 'Extension', and on PostgreSQL 17+ a wait_event naming
// the KT operation (custom wait events, doc/operations.md); 15 and 16 have
// only the generic wait_event 'Extension'.
func TestWaitEventNamesKTOperation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup []string // run before KT stalls
		sql   string   // waits on the stalled KT
		event string   // wait_event on 17+
	}{
		{"get", nil, "SELECT * FROM kv WHERE key = 'a'", "KtGet"},
		{"get_bulk", nil, "SELECT * FROM kv WHERE key IN ('a', 'b')", "KtGetBulk"},
		{"match_prefix", nil, "SELECT * FROM kv WHERE key LIKE 'a%'", "KtMatchPrefix"},
		{"full scan", nil, "SELECT * FROM kv", "KtScan"},
		{"cursor range", []string{
			`CREATE FOREIGN TABLE kvt (key text COLLATE "C", value text) SERVER kt OPTIONS (db '1', ordered 'on')`,
		}, "SELECT * FROM kvt WHERE key > 'a'", "KtCursor"},
		{"insert key check", nil, "INSERT INTO kv VALUES ('b', '2')", "KtKeyCheck"},
		{"commit", []string{"BEGIN", "UPDATE kv SET value = '2' WHERE key = 'a'"}, "COMMIT", "KtCommit"},
		{"import", []string{"CREATE SCHEMA imported"}, "IMPORT FOREIGN SCHEMA kt FROM SERVER kt INTO imported", "KtImport"},
		{"analyze", nil, "ANALYZE kv", "KtAnalyze"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newDevEnv(t)
			e.ktSet("a", "1")
			e.rows(e.conn) // connect before stalling
			admin := e.pg.ConnDB(t, e.db)
			pid := backendPID(t, e.conn)
			want := "Extension"
			if serverVersionNum(t, admin) >= 170000 {
				want = tc.event
			}
			for _, s := range tc.setup {
				e.exec(s)
			}
			e.stall()

			done := make(chan error, 1)
			go func() {
				_, err := e.conn.Exec(ctx(t), tc.sql)
				done <- err
			}()
			var typ, event string
			require.Eventually(t, func() bool {
				err := admin.QueryRow(ctx(t),
					"SELECT coalesce(wait_event_type, ''), coalesce(wait_event, '') FROM pg_stat_activity WHERE pid = $1",
					pid).Scan(&typ, &event)
				return err == nil && typ == "Extension"
			}, 10*time.Second, 10*time.Millisecond, "backend %d never reported an Extension wait (last: %q %q)", pid, typ, event)
			assert.Equal(t, want, event, "wait_event while %q waits on KT", tc.sql)

			var ok bool
			require.NoError(t, admin.QueryRow(ctx(t), "SELECT pg_cancel_backend($1)", pid).Scan(&ok))
			require.True(t, ok)
			select {
			case err := <-done:
				require.Error(t, err, "%q against a stalled KT was cancelled", tc.sql)
			case <-time.After(interruptBound):
				t.Fatalf("%q still running %v after pg_cancel_backend", tc.sql, interruptBound)
			}
			e.dev.ClearFault()
		})
	}
}
