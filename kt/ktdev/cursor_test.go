package ktdev

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fillTree(t *testing.T, keys ...string) (*DB, *fakeClock) {
	db, clk := testDB(t, "%")
	for _, k := range keys {
		db.set(k, "V"+k, XTAbsent)
	}
	return db, clk
}

func curKey(t *testing.T, c *Cursor) string {
	t.Helper()
	k, _, _, err := c.Get(false)
	require.NoError(t, err)
	return k
}

func strp(s string) *string { return &s }

func TestCursorForwardScan(t *testing.T) {
	db, _ := fillTree(t, "c", "a", "d", "b")
	c := db.NewCursor()
	_, _, _, err := c.Get(false)
	assert.ErrorIs(t, err, ErrNoRecord, "a fresh cursor is unpositioned")
	require.NoError(t, c.Jump(nil))
	var got []string
	for {
		k, v, xt, err := c.Get(true)
		if err != nil {
			assert.ErrorIs(t, err, ErrNoRecord)
			break
		}
		assert.Equal(t, "V"+k, v)
		assert.Equal(t, XTNever, xt)
		got = append(got, k)
	}
	assert.Equal(t, []string{"a", "b", "c", "d"}, got)
	assert.ErrorIs(t, c.Step(), ErrNoRecord, "past the end the cursor stays invalid")
}

func TestCursorJumpAndBackward(t *testing.T) {
	db, _ := fillTree(t, "a", "b", "c", "d")
	c := db.NewCursor()
	require.NoError(t, c.Jump(strp("bb")))
	assert.Equal(t, "c", curKey(t, c))
	require.NoError(t, c.JumpBack(nil))
	assert.Equal(t, "d", curKey(t, c))
	require.NoError(t, c.StepBack())
	assert.Equal(t, "c", curKey(t, c))
	require.NoError(t, c.JumpBack(strp("bb")))
	assert.Equal(t, "b", curKey(t, c))
	require.NoError(t, c.Step())
	assert.Equal(t, "c", curKey(t, c))
	assert.ErrorIs(t, c.Jump(strp("z")), ErrNoRecord)
	assert.ErrorIs(t, c.JumpBack(strp("0")), ErrNoRecord)
}

func TestCursorRemoveMovesInDirection(t *testing.T) {
	db, _ := fillTree(t, "a", "b", "c", "d")
	c := db.NewCursor()
	require.NoError(t, c.JumpBack(nil))
	require.NoError(t, c.StepBack())
	require.NoError(t, c.SetValue("NEW", 100, false))
	_, v, xt, err := c.Get(false)
	require.NoError(t, err)
	assert.Equal(t, "NEW", v)
	assert.Equal(t, int64(1_000_100), xt)
	require.NoError(t, c.Remove()) // c removed, moves backward to b
	assert.Equal(t, "b", curKey(t, c))
	k, _, _, err := c.Seize()
	require.NoError(t, err)
	assert.Equal(t, "b", k)
	assert.Equal(t, "a", curKey(t, c))

	require.NoError(t, c.Jump(nil)) // forward direction now
	require.NoError(t, c.Remove())
	assert.Equal(t, "d", curKey(t, c))
	require.NoError(t, c.Remove())
	_, _, _, err = c.Get(false)
	assert.ErrorIs(t, err, ErrNoRecord)
	assert.Equal(t, int64(0), db.Count())
}

// A stepping get or set_value keeps the direction of the last movement, as
// on a real ktserver's tree DB: after cur_jump_back, cur_get with step moves
// to the previous record; after a forward movement, to the next one.
func TestCursorStepKeepsDirection(t *testing.T) {
	db, _ := fillTree(t, "a", "b", "c")
	c := db.NewCursor()
	require.NoError(t, c.JumpBack(nil))
	k, _, _, err := c.Get(true)
	require.NoError(t, err)
	assert.Equal(t, "c", k)
	assert.Equal(t, "b", curKey(t, c), "get with step after jump_back moves backward")
	require.NoError(t, c.SetValue("NEW", XTAbsent, true))
	assert.Equal(t, "a", curKey(t, c), "set_value with step after jump_back moves backward")
	k, _, _, err = c.Get(true)
	require.NoError(t, err)
	assert.Equal(t, "a", k)
	_, _, _, err = c.Get(false)
	assert.ErrorIs(t, err, ErrNoRecord, "backward past the first record")

	require.NoError(t, c.JumpBack(strp("b")))
	require.NoError(t, c.Step()) // forward again
	k, _, _, err = c.Get(true)
	require.NoError(t, err)
	assert.Equal(t, "c", k)
	_, _, _, err = c.Get(false)
	assert.ErrorIs(t, err, ErrNoRecord, "forward past the last record")
	v, _, ok := db.get("b")
	require.True(t, ok)
	assert.Equal(t, "NEW", v)
}

func TestCursorSurvivesRemovalByOthers(t *testing.T) {
	db, _ := fillTree(t, "a", "b", "c")
	c := db.NewCursor()
	require.NoError(t, c.Jump(strp("b")))
	require.NoError(t, db.Update(func(tx *Tx) error { return tx.Remove("b") }))
	assert.Equal(t, "c", curKey(t, c), "a removed record is replaced by its successor")
}

// When the record under a cursor is gone, record operations start from the
// first record after its key in either direction; an expired one there is
// skipped in the direction of travel (KT's TimedDB retry loop).
func TestCursorRemovedThenExpiredSkipsInDirection(t *testing.T) {
	db, clk := fillTree(t, "a", "b", "d")
	db.set("c", "Vc", 5)
	clk.sec += 6
	c := db.NewCursor()
	require.NoError(t, c.JumpBack(strp("b")))
	require.True(t, db.remove("b"))
	assert.Equal(t, "a", curKey(t, c), "backward: c is expired, so back to a")

	db.set("b", "Vb", XTAbsent)
	require.NoError(t, c.Jump(strp("b")))
	require.True(t, db.remove("b"))
	assert.Equal(t, "d", curKey(t, c), "forward: past the expired c to d")
}

func TestCursorSkipsExpired(t *testing.T) {
	db, clk := fillTree(t, "a", "c")
	db.set("b", "Vb", 5)
	c := db.NewCursor()
	clk.sec += 6
	require.NoError(t, c.Jump(nil))
	require.NoError(t, c.Step())
	assert.Equal(t, "c", curKey(t, c))
	require.NoError(t, c.StepBack())
	assert.Equal(t, "a", curKey(t, c))
}

// Movements do not skip expired records, record operations do (KT's
// TimedDB cursor, as observed on a real ktserver).
func TestCursorMovesOntoExpiredRecords(t *testing.T) {
	db, clk := fillTree(t, "a")
	db.set("b", "Vb", 5)
	db.set("c", "Vc", 5)
	clk.sec += 6
	c := db.NewCursor()
	require.NoError(t, c.Jump(nil))
	require.NoError(t, c.Step(), "step onto an expired record succeeds")
	require.NoError(t, c.Step(), "and onto the next one")
	assert.ErrorIs(t, c.Step(), ErrNoRecord, "past the last stored record")
	require.NoError(t, c.Jump(strp("b")), "jump to an expired record succeeds")
	_, _, _, err := c.Get(false)
	assert.ErrorIs(t, err, ErrNoRecord, "no live record from b on")
	require.NoError(t, c.JumpBack(nil))
	assert.Equal(t, "a", curKey(t, c), "get skips backward after jump_back")
	assert.ErrorIs(t, c.StepBack(), ErrNoRecord, "the get moved the cursor onto a")

	h, clk := testDB(t, ":")
	for _, k := range []string{"x", "y", "z"} {
		h.set(k, "v", XTAbsent)
	}
	h.set("old", "v", 5)
	clk.sec += 6
	hc := h.NewCursor()
	require.NoError(t, hc.Jump(strp("old")), "a hash DB jumps to an expired key")
	k, _, _, err := hc.Get(false)
	if err == nil {
		assert.NotEqual(t, "old", k, "the get returns the next live record instead")
	} else {
		assert.ErrorIs(t, err, ErrNoRecord, "or none if the expired key is last in hash order")
	}
}

// A clear invalidates the database's cursors, even when records are added
// again (KC's clear disables cursors).
func TestCursorInvalidatedByClear(t *testing.T) {
	for _, arg := range []string{"%", ":"} {
		db, _ := testDB(t, arg)
		db.set("a", "v", XTAbsent)
		c := db.NewCursor()
		require.NoError(t, c.Jump(nil))
		require.NoError(t, db.Update(func(tx *Tx) error { tx.Clear(); return nil }))
		db.set("a", "v", XTAbsent)
		_, _, _, err := c.Get(false)
		assert.ErrorIs(t, err, ErrNoRecord, "%s: get after clear", arg)
		assert.ErrorIs(t, c.Step(), ErrNoRecord, "%s: step after clear", arg)
		require.NoError(t, c.Jump(nil), "%s: a jump positions it again", arg)
		assert.Equal(t, "a", curKey(t, c))
	}
}

func TestCursorHashDB(t *testing.T) {
	db, _ := testDB(t, ":")
	for _, k := range []string{"x", "y", "z"} {
		db.set(k, "v", XTAbsent)
	}
	c := db.NewCursor()
	require.NoError(t, c.Jump(nil))
	seen := map[string]bool{}
	for {
		k, _, _, err := c.Get(true)
		if err != nil {
			break
		}
		seen[k] = true
	}
	assert.Len(t, seen, 3)
	assert.ErrorIs(t, c.JumpBack(nil), ErrNotImpl)
	assert.ErrorIs(t, c.StepBack(), ErrNotImpl)
	require.NoError(t, c.Jump(strp("y")))
	assert.Equal(t, "y", curKey(t, c))
	assert.ErrorIs(t, c.Jump(strp("nosuch")), ErrNoRecord, "hash DBs jump to exact keys only")
}
