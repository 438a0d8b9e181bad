package fdw

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// devTable is a table on a fresh dev server (with kt_fdw's procedures when
// scripts is true), plus a plain client playing "another KT client".
func devTable(t *testing.T, scripts bool, xo fdwtype.XactOptions) (fdwtype.Table, *ktdev.Server, *kt.Client) {
	t.Helper()
	opts := []ktdev.Option{}
	if scripts {
		opts = append(opts, ktdev.WithKTFDWScripts())
	}
	srv := ktdev.NewTestServer(t, opts...)
	host, portStr, err := net.SplitHostPort(srv.Addr())
	require.NoError(t, err)
	port, err := strconv.Atoi(portStr)
	require.NoError(t, err)
	tbl := fdwtype.Table{
		Server: fdwtype.Server{OID: 9, Name: "kt", Opts: fdwtype.ServerOptions{Host: host, Port: port, Timeout: 2 * time.Second,
			ConnectTimeout: time.Second, Xact: xo}},
		Name: "kv", KeyCol: "key", DB: "1",
	}
	c, err := kt.NewClient(kt.Config{Addr: srv.Addr()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return tbl, srv, c
}

func ktContents(t *testing.T, c *kt.Client, db string) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := c.MatchPrefix(ctx, db, nil, -1)
	require.NoError(t, err)
	out := map[string]string{}
	if len(keys) == 0 {
		return out
	}
	recs, err := c.GetBulk(ctx, db, keys, true)
	require.NoError(t, err)
	for _, r := range recs {
		out[string(r.Key)] = string(r.Value)
	}
	return out
}

func put(t *testing.T, c *kt.Client, db, k, v string) {
	t.Helper()
	require.NoError(t, c.Set(context.Background(), db, []byte(k), []byte(v)))
}

// settleModify runs a modify call to completion (KT lookups included).
func settleModify(t *testing.T, m *Modify, res ModifyResult, st *fdwtype.Status) {
	t.Helper()
	for res == ModifyPending {
		res, st = m.Wait(10 * time.Millisecond)
	}
	require.Nil(t, st)
	require.Equal(t, ModifyDone, res)
}

func TestApplyModes(t *testing.T) {
	tests := []struct {
		name       string
		scripts    bool
		mode       fdwtype.ApplyMode
		wantScript bool
		wantErr    string
	}{
		{"auto with script", true, fdwtype.ApplyAuto, true, ""},
		{"auto without script", false, fdwtype.ApplyAuto, false, ""},
		{"atomic with script", true, fdwtype.ApplyAtomic, true, ""},
		{"atomic without script", false, fdwtype.ApplyAtomic, false, "-scr"},
		{"bulk with script", true, fdwtype.ApplyBulk, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, srv, c := devTable(t, tt.scripts, fdwtype.XactOptions{Apply: tt.mode})
			put(t, c, tbl.DB, "gone", "x")
			put(t, c, tbl.DB, "keep", "y")
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			buf := be.writeBuffer(tbl)
			buf.Set(1, []byte("a"), []byte("1"))
			buf.Set(1, []byte("b"), []byte{})
			buf.Remove(1, []byte("gone"))
			before := srv.Counts()

			st := commit(t, be)
			after := srv.Counts()
			if tt.wantErr != "" {
				require.NotNil(t, st)
				assert.Equal(t, fdwtype.SQLStateFDWError, st.SQLState)
				assert.Contains(t, st.Message, "does not run kt_fdw.lua")
				assert.Contains(t, st.Hint, tt.wantErr)
				assert.Equal(t, map[string]string{"gone": "x", "keep": "y"}, ktContents(t, c, tbl.DB), "nothing applied")
				return
			}
			require.Nil(t, st)
			assert.Equal(t, map[string]string{"a": "1", "b": "", "keep": "y"}, ktContents(t, c, tbl.DB))
			scripts := after["cnt_script"] - before["cnt_script"]
			sets := after["cnt_set"] - before["cnt_set"]
			if tt.wantScript {
				assert.Equal(t, uint64(2), scripts, "one probe and one apply")
				assert.Zero(t, sets, "no set_bulk")
			} else {
				assert.Equal(t, uint64(2), sets, "set_bulk of 2 records")
			}
		})
	}
}

func TestApplyProbesOncePerConnection(t *testing.T) {
	tbl, srv, _ := devTable(t, true, fdwtype.XactOptions{})
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	for i := 0; i < 3; i++ {
		be.writeBuffer(tbl).Set(1, []byte("k"), []byte(strconv.Itoa(i)))
		be.writeBuffer(tbl).Set(1, []byte("k2"), []byte(strconv.Itoa(i)))
		require.Nil(t, commit(t, be))
	}
	assert.Equal(t, uint64(4), srv.Counts()["cnt_script"], "1 probe + 3 applies")

	// a new connection (ALTER SERVER, kt_fdw_disconnect) asks again
	be.Conns.Drop(tbl.Server.OID)
	be.writeBuffer(tbl).Set(1, []byte("k"), []byte("x"))
	be.writeBuffer(tbl).Set(1, []byte("k2"), []byte("x"))
	require.Nil(t, commit(t, be))
	assert.Equal(t, uint64(6), srv.Counts()["cnt_script"], "probe + apply")

	// the probe goes over the binary protocol: HTTP play_script is not used
	be.Conns.Drop(tbl.Server.OID)
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultGarbage, Proc: "play_script"})
	defer srv.ClearFault()
	be.writeBuffer(tbl).Set(1, []byte("k"), []byte("y"))
	be.writeBuffer(tbl).Set(1, []byte("k2"), []byte("y"))
	require.Nil(t, commit(t, be))
	assert.Equal(t, uint64(8), srv.Counts()["cnt_script"], "probe + apply")
}

func TestApplyBatchChunks(t *testing.T) {
	tbl, srv, c := devTable(t, true, fdwtype.XactOptions{ApplyBatch: 2})
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	for i := 0; i < 5; i++ {
		be.writeBuffer(tbl).Set(1, []byte{'k', byte('0' + i)}, []byte("v"))
	}
	require.Nil(t, commit(t, be))
	assert.Len(t, ktContents(t, c, tbl.DB), 5)
	assert.Equal(t, uint64(1+3), srv.Counts()["cnt_script"], "probe + ceil(5/2) chunks")
}

// conflictTxn buffers an UPDATE of "u" (read as "old"), a DELETE of "d"
// (read as "dv"), an INSERT of "n" (absent in KT) and a plain write "w".
func conflictTxn(t *testing.T, be *Backend, tbl fdwtype.Table) {
	t.Helper()
	m := NewModify(be, tbl, false)
	defer m.Close()
	m.Saw(1, []byte("u"), []byte("old"))
	res, st := m.Update(1, []byte("u"), []byte("u"), []byte("new"))
	settleModify(t, m, res, st)
	m.Saw(1, []byte("d"), []byte("dv"))
	res, st = m.Delete(1, []byte("d"))
	settleModify(t, m, res, st)
	res, st = m.Insert(1, []byte("n"), []byte("ins"))
	settleModify(t, m, res, st)
	res, st = m.Insert(1, []byte("w"), []byte("w1"))
	settleModify(t, m, res, st)
}

func TestConflictCheck(t *testing.T) {
	tests := []struct {
		name     string
		scripts  bool
		mode     fdwtype.ApplyMode
		meddle   func(t *testing.T, c *kt.Client, db string)
		conflict string // key named in the 40001, "" = commit succeeds
	}{
		{"no interference", true, fdwtype.ApplyAuto, func(*testing.T, *kt.Client, string) {}, ""},
		{"updated row changed", true, fdwtype.ApplyAuto, func(t *testing.T, c *kt.Client, db string) { put(t, c, db, "u", "theirs") }, `"u"`},
		{"deleted row changed", true, fdwtype.ApplyAuto, func(t *testing.T, c *kt.Client, db string) { put(t, c, db, "d", "theirs") }, `"d"`},
		{"deleted row already gone", true, fdwtype.ApplyAuto, func(t *testing.T, c *kt.Client, db string) {
			require.NoError(t, c.Remove(context.Background(), db, []byte("d")))
		}, `"d"`},
		{"inserted key created meanwhile", true, fdwtype.ApplyAuto, func(t *testing.T, c *kt.Client, db string) { put(t, c, db, "n", "theirs") }, `"n"`},
		{"bulk: updated row changed", false, fdwtype.ApplyAuto, func(t *testing.T, c *kt.Client, db string) { put(t, c, db, "u", "theirs") }, `"u"`},
		{"bulk: inserted key created meanwhile", true, fdwtype.ApplyBulk, func(t *testing.T, c *kt.Client, db string) { put(t, c, db, "n", "theirs") }, `"n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, _, c := devTable(t, tt.scripts, fdwtype.XactOptions{Apply: tt.mode})
			tbl.ConflictCheck = true
			put(t, c, tbl.DB, "u", "old")
			put(t, c, tbl.DB, "d", "dv")
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			conflictTxn(t, be, tbl)
			tt.meddle(t, c, tbl.DB)
			before := ktContents(t, c, tbl.DB)

			st := commit(t, be)
			if tt.conflict == "" {
				require.Nil(t, st)
				assert.Equal(t, map[string]string{"u": "new", "n": "ins", "w": "w1"}, ktContents(t, c, tbl.DB))
				return
			}
			require.NotNil(t, st)
			assert.Equal(t, fdwtype.SQLStateSerializationFailure, st.SQLState)
			assert.Contains(t, st.Message, tt.conflict)
			assert.Contains(t, st.Detail, "nothing was written")
			assert.Equal(t, before, ktContents(t, c, tbl.DB), "nothing written, not even the unchecked key")
		})
	}
}

func TestConflictCheckOffIgnoresChanges(t *testing.T) {
	tbl, _, c := devTable(t, true, fdwtype.XactOptions{})
	put(t, c, tbl.DB, "u", "old")
	put(t, c, tbl.DB, "d", "dv")
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	conflictTxn(t, be, tbl)
	put(t, c, tbl.DB, "u", "theirs")
	require.Nil(t, commit(t, be))
	assert.Equal(t, "new", ktContents(t, c, tbl.DB)["u"], "last writer wins")
}

func TestConflictExpectationsFollowSavepoints(t *testing.T) {
	tbl, _, c := devTable(t, true, fdwtype.XactOptions{})
	tbl.ConflictCheck = true
	put(t, c, tbl.DB, "a", "1")
	put(t, c, tbl.DB, "b", "2")
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	m := NewModify(be, tbl, false)
	defer m.Close()
	// nest 2: update a, then ROLLBACK TO: its expectation goes too
	m.Saw(2, []byte("a"), []byte("1"))
	res, st := m.Update(2, []byte("a"), []byte("a"), []byte("x"))
	settleModify(t, m, res, st)
	be.EndSubXact(2, false)
	// nest 2 again: update b, RELEASE: kept
	m.Saw(2, []byte("b"), []byte("2"))
	res, st = m.Update(2, []byte("b"), []byte("b"), []byte("y"))
	settleModify(t, m, res, st)
	be.EndSubXact(2, true)
	put(t, c, tbl.DB, "a", "changed") // not read any more: no conflict
	require.Nil(t, commit(t, be))
	assert.Equal(t, map[string]string{"a": "changed", "b": "y"}, ktContents(t, c, tbl.DB))

	// the released expectation is checked
	m2 := NewModify(be, tbl, false)
	defer m2.Close()
	m2.Saw(2, []byte("b"), []byte("y"))
	res, st = m2.Update(2, []byte("b"), []byte("b"), []byte("z"))
	settleModify(t, m2, res, st)
	be.EndSubXact(2, true)
	put(t, c, tbl.DB, "b", "theirs")
	st = commit(t, be)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateSerializationFailure, st.SQLState)
}

func TestConflictFirstReadWins(t *testing.T) {
	tbl, _, c := devTable(t, true, fdwtype.XactOptions{})
	tbl.ConflictCheck = true
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	m := NewModify(be, tbl, false)
	defer m.Close()
	// INSERT k (absent in KT), then UPDATE k (read from the buffer): the
	// expectation stays "absent"
	res, st := m.Insert(1, []byte("k"), []byte("1"))
	settleModify(t, m, res, st)
	m.Saw(1, []byte("k"), []byte("1"))
	res, st = m.Update(1, []byte("k"), []byte("k"), []byte("2"))
	settleModify(t, m, res, st)
	require.Nil(t, commit(t, be))
	assert.Equal(t, map[string]string{"k": "2"}, ktContents(t, c, tbl.DB))
}

// TestApplyChunkedConflictWritesNothing: with several chunks, a conflict in
// a later chunk is found by the check pass before any chunk is written.
func TestApplyChunkedConflictWritesNothing(t *testing.T) {
	tbl, _, c := devTable(t, true, fdwtype.XactOptions{ApplyBatch: 2})
	tbl.ConflictCheck = true
	put(t, c, tbl.DB, "z", "old")
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	m := NewModify(be, tbl, false)
	defer m.Close()
	for _, k := range []string{"a", "b", "c", "d"} {
		res, st := m.Insert(1, []byte(k), []byte("v"))
		settleModify(t, m, res, st)
	}
	m.Saw(1, []byte("z"), []byte("old"))
	res, st := m.Update(1, []byte("z"), []byte("z"), []byte("new"))
	settleModify(t, m, res, st)
	put(t, c, tbl.DB, "z", "theirs")
	st = commit(t, be)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateSerializationFailure, st.SQLState)
	assert.Equal(t, map[string]string{"z": "theirs"}, ktContents(t, c, tbl.DB))
}

// TestApplyFaults: an apply whose connection breaks mid-reply (or whose reply
// is garbage) was applied by the server; the retry must not turn that into
// an error or a conflict.
// A stalled apply times out and leaves KT untouched.
func TestApplyFaults(t *testing.T) {
	for _, tc := range []struct {
		kind  ktdev.FaultKind
		check bool
	}{{ktdev.FaultCloseMidReply, false}, {ktdev.FaultCloseMidReply, true}, {ktdev.FaultGarbage, true}} {
		check := tc.check
		t.Run(tc.kind.String()+", conflict_check="+strconv.FormatBool(check), func(t *testing.T) {
			tbl, srv, c := devTable(t, true, fdwtype.XactOptions{})
			tbl.ConflictCheck = check
			put(t, c, tbl.DB, "u", "old")
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			// probe first, so the fault hits the apply
			be.writeBuffer(tbl).Set(1, []byte("warm"), []byte("1"))
			require.Nil(t, commit(t, be))

			m := NewModify(be, tbl, false)
			m.Saw(1, []byte("u"), []byte("old"))
			res, st := m.Update(1, []byte("u"), []byte("u"), []byte("new"))
			settleModify(t, m, res, st)
			res, st = m.Insert(1, []byte("n"), []byte("ins"))
			settleModify(t, m, res, st)
			m.Close()
			srv.SetFault(ktdev.Fault{Kind: tc.kind, Proc: "bin_play_script", Times: 1})
			require.Nil(t, commit(t, be))
			assert.Equal(t, map[string]string{"u": "new", "n": "ins", "warm": "1"}, ktContents(t, c, tbl.DB))
		})
	}
	t.Run("stall past the timeout", func(t *testing.T) {
		tbl, srv, c := devTable(t, true, fdwtype.XactOptions{})
		tbl.Server.Opts.Timeout = 300 * time.Millisecond
		be := NewBackend(DialKT)
		defer be.Conns.CloseAll()
		be.writeBuffer(tbl).Set(1, []byte("warm"), []byte("1"))
		require.Nil(t, commit(t, be))
		be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
		be.writeBuffer(tbl).Set(1, []byte("b"), []byte("2"))
		srv.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "bin_play_script"})
		st := commit(t, be)
		require.NotNil(t, st)
		assert.Contains(t, st.Message, "ktfdwapply")
		assert.Contains(t, st.Message, "timed out")
		assert.Equal(t, map[string]string{"warm": "1"}, ktContents(t, c, tbl.DB), "nothing applied while stalled")
		require.NoError(t, srv.Close(), "the stalled request dies with the server")
	})
	t.Run("refused connection", func(t *testing.T) {
		tbl, srv, _ := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic})
		srv.SetFault(ktdev.Fault{Kind: ktdev.FaultRefuse})
		be := NewBackend(DialKT)
		defer be.Conns.CloseAll()
		be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
		st := commit(t, be)
		require.NotNil(t, st)
		assert.Contains(t, st.Message, `server "kt"`)
	})
}

func TestApplyScriptErrorStatus(t *testing.T) {
	tbl, _, _ := devTable(t, true, fdwtype.XactOptions{Apply: fdwtype.ApplyAtomic})
	tbl.DB = "nosuchdb"
	be := NewBackend(DialKT)
	defer be.Conns.CloseAll()
	be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
	be.writeBuffer(tbl).Set(1, []byte("b"), []byte("1"))
	st := commit(t, be)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateFDWError, st.SQLState)
	assert.Contains(t, st.Message, "no such database")
	assert.Contains(t, st.Message, `KT operation ktfdwapply on server "kt"`)

	// a one-key commit (one binary set) resolves the database first
	be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
	st = commit(t, be)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateFDWTableNotFound, st.SQLState)
	assert.Contains(t, st.Message, `KT server "kt" (`+tbl.Server.Opts.Addr()+`) has no database "nosuchdb"`)
}

func TestBufferedBytes(t *testing.T) {
	be := NewBackend(func(fdwtype.ServerOptions) (Remote, error) { return nil, errors.New("no I/O") })
	tbl := testTable("db")
	assert.Zero(t, be.BufferedBytes())
	be.writeBuffer(tbl).Set(1, []byte("key"), make([]byte, 1000))
	n := be.BufferedBytes()
	assert.GreaterOrEqual(t, n, int64(1003))
	be.writeBuffer(tbl).Set(2, []byte("key2"), make([]byte, 1000))
	assert.GreaterOrEqual(t, be.BufferedBytes(), n+1004)
	be.EndSubXact(2, false)
	assert.Equal(t, n, be.BufferedBytes(), "ROLLBACK TO frees")
	be.EndXact()
	assert.Zero(t, be.BufferedBytes())
}

// TestApplyScriptGoneAfterProbe: the server lost the script after the probe
// (restarted without -scr): its error reply to the first apply call makes
// the FDW ask again; 'auto' then commits with bulk calls, 'atomic' says
// the script is missing.
func TestApplyScriptGoneAfterProbe(t *testing.T) {
	for _, mode := range []fdwtype.ApplyMode{fdwtype.ApplyAuto, fdwtype.ApplyAtomic} {
		t.Run(mode.String(), func(t *testing.T) {
			tbl, srv, c := devTable(t, true, fdwtype.XactOptions{Apply: mode})
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			be.writeBuffer(tbl).Set(1, []byte("a"), []byte("1"))
			require.Nil(t, commit(t, be))
			srv.RegisterScript("ktfdwapply", nil)
			srv.RegisterScript("ktfdwversion", nil)

			be.writeBuffer(tbl).Set(1, []byte("b"), []byte("2"))
			be.writeBuffer(tbl).Set(1, []byte("c"), []byte("3")) // two keys: a ktfdwapply call
			st := commit(t, be)
			if mode == fdwtype.ApplyAtomic {
				require.NotNil(t, st)
				assert.Contains(t, st.Message, "does not run kt_fdw.lua")
				assert.Equal(t, map[string]string{"a": "1"}, ktContents(t, c, tbl.DB))
				return
			}
			require.Nil(t, st)
			assert.Equal(t, map[string]string{"a": "1", "b": "2", "c": "3"}, ktContents(t, c, tbl.DB))
		})
	}
}
