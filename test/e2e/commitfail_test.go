package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// If KT cannot take the buffered writes at COMMIT, the Postgres transaction
// aborts too: a local change made in the same transaction is not committed,
// so a trigger-synced table and KT never disagree.
func TestCommitFailureAbortsTransaction(t *testing.T) {
	e := newDevEnv(t)
	e.exec("CREATE TABLE local_rules (name text PRIMARY KEY)")
	e.rows(e.conn)

	e.exec("BEGIN")
	e.exec("INSERT INTO local_rules VALUES ('r1')")
	e.exec("INSERT INTO kv VALUES ('r1', 'body')")
	addr := e.dev.Addr()
	require.NoError(t, e.dev.Close())

	pe := pgErr(t, e.conn, "COMMIT")
	t.Logf("COMMIT with KT down: %s %s", pe.Code, pe.Message)
	assert.Contains(t, []string{"HV", "08"}, pe.Code[:2])
	assert.Contains(t, pe.Message+" "+pe.Detail, addr)

	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM local_rules").Scan(&n))
	assert.Equal(t, 0, n, "the local insert was rolled back with the failed KT apply")

	// KT comes back: nothing was applied, and the session works again
	e.dev = pgtest.StartDevKT(t, addr)
	assert.Equal(t, map[string]string{}, e.rows(e.conn))
}

// A KT-side failure of the apply itself (a reply fault on the commit's
// write) aborts the transaction as well.
func TestCommitApplyErrorAbortsTransaction(t *testing.T) {
	e := newDevEnv(t)
	e.exec("CREATE TABLE local_rules (name text PRIMARY KEY)")
	e.rows(e.conn)

	e.exec("BEGIN")
	e.exec("INSERT INTO local_rules VALUES ('r1')")
	e.exec("INSERT INTO kv VALUES ('r1', 'body')")
	e.dev.SetFault(ktdev.Fault{Kind: ktdev.FaultGarbage}) // no KT reply at all
	t.Cleanup(e.dev.ClearFault)
	pe := pgErr(t, e.conn, "COMMIT")
	t.Logf("COMMIT with a garbage reply: %s %s", pe.Code, pe.Message)
	assert.Equal(t, "HV", pe.Code[:2])
	e.dev.ClearFault()

	var n int
	require.NoError(t, e.conn.QueryRow(ctx(t), "SELECT count(*) FROM local_rules").Scan(&n))
	assert.Equal(t, 0, n, "the local insert was rolled back")
}
