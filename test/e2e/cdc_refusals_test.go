package e2e_test

import (
	"os/exec"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/require"
)

// syncStatus runs `ktfdw sync status` and returns exit status and output.
func (e *cdcEnv) syncStatus(args ...string) (int, string) {
	e.t.Helper()
	cmd := exec.Command(ktfdwCommand(e.t), append([]string{"sync", "status", "-d", e.pg.ConnStringDB(e.db), "-slot", e.slot}, args...)...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	require.NoError(e.t, err)
	return 0, string(out)
}

// TestSyncRefusals: what ktfdw sync cannot do safely it refuses before
// streaming, saying what to do.
func TestSyncRefusals(t *testing.T) {
	e := newCDCEnv(t, false)
	e.exec(`CREATE TABLE limits (id int PRIMARY KEY, name text UNIQUE NOT NULL, v text)`)
	e.exec(`CREATE FOREIGN TABLE limits_kt (key text, value text) SERVER kt OPTIONS (prefix 'l:')`)
	e.exec(`INSERT INTO limits VALUES (1, 'one', 'a')`)
	e.exec(`CREATE PUBLICATION ` + e.pub + ` FOR TABLE limits`)

	code, out := e.runSync()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "has no kt_fdw_sync row trigger: ktfdw sync takes the table's configuration from it")

	e.exec(`CREATE TRIGGER limits_sync AFTER INSERT OR UPDATE OR DELETE ON limits FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('limits_kt', 'name')`)
	code, out = e.runSync()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, `has an enabled kt_fdw_sync trigger "limits_sync"`)
	require.Contains(t, out, "hint: Hand the table over to ktfdw sync: ALTER TABLE limits DISABLE TRIGGER \"limits_sync\"")

	e.exec(`ALTER TABLE limits DISABLE TRIGGER limits_sync`)
	code, out = e.runSync()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, `key column "name" of limits is not part of its replica identity (primary key`)
	require.Contains(t, out, "REPLICA IDENTITY FULL")

	e.exec(`ALTER TABLE limits REPLICA IDENTITY FULL`)
	p := e.startSync()
	p.waitLog("streaming slot")
	e.exec(`UPDATE limits SET name = 'uno' WHERE id = 1`)
	e.caughtUp(p)
	e.reconciled("limits")
	require.Equal(t, 0, p.stop(), p.log.String())

	// status: lag, retained WAL, KT's position; failing above -max-retained
	code, out = e.syncStatus("-publication", e.pub)
	require.Equal(t, 0, code, out)
	require.Regexp(t, `slot \S+: active false, confirmed \S+, current WAL \S+, behind .*, WAL retained .*, wal_status reserved`, out)
	require.Regexp(t, `KT database 0 of server "kt" \(.*\): holds up to \S+ \(committed .*\)`, out)
	code, out = e.syncStatus("-max-retained", "1")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "more than the limit of 1 bytes")

	// KT lost the position (emptied, replaced): refused until -recopy
	require.NoError(t, e.kt.Clear(ctx(t), ""))
	code, out = e.runSync()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "holds no position for it")
	require.Contains(t, out, "-recopy")
	p = e.startSync("-recopy")
	p.waitLog("copy: limits: 1/1 rows (100%)")
	p.waitLog("streaming slot")

	// a table added to the publication while it runs stops it
	e.exec(`CREATE TABLE other (id int PRIMARY KEY)`)
	e.exec(`ALTER PUBLICATION ` + e.pub + ` ADD TABLE other`)
	e.exec(`INSERT INTO other VALUES (1)`)
	<-p.done
	require.Equal(t, 1, p.exit, p.log.String())
	require.Contains(t, p.log.String(), `table public.other (OID`)
	require.Contains(t, p.log.String(), "was not started with it")
}

// TestSyncNeedsScript: without kt_fdw.lua the position cannot be stored
// with the records; the sync refuses instead of promising less.
func TestSyncNeedsScript(t *testing.T) {
	e := &cdcEnv{env: newDevEnv(t)} // no RegisterKTFDWScripts
	e.slot, e.pub = "s_"+e.db, "p_"+e.db
	e.exec(`CREATE TABLE limits (id int PRIMARY KEY, v text)`)
	e.exec(`CREATE FOREIGN TABLE limits_kt (key text, value text) SERVER kt`)
	e.exec(`CREATE TRIGGER limits_sync AFTER INSERT OR UPDATE OR DELETE ON limits FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('limits_kt')`)
	e.exec(`ALTER TABLE limits DISABLE TRIGGER limits_sync`)
	e.exec(`CREATE PUBLICATION ` + e.pub + ` FOR TABLE limits`)
	code, out := e.runSync()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "does not run kt_fdw.lua")
	require.Contains(t, out, "hint: Start ktserver with -scr")
}
