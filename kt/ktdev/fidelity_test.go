package ktdev_test

import (
	"bufio"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// Cursor and increment behaviours reduced from differential runs against a
// real ktserver (KT 1.0.0 on Kyoto Cabinet 1.2.79). Each test runs on the
// dev server and, with KT_TEST_ADDR, on a real KT with the same assertions.

const noRecord = "ERROR\tDB: 7: no record: no record\n"

// ktConn is one HTTP connection (cursors belong to a connection) to the
// test server, with the '%' and '*' databases cleared.
type ktConn struct {
	*rawConn
	addr string
}

func dialKT(t *testing.T) *ktConn {
	t.Helper()
	addr := kttest.Addr(t)
	c := &ktConn{rawConn: dialRaw(t, addr), addr: addr}
	for _, db := range []string{kttest.Tree, kttest.Hash} {
		c.want("clear", "DB="+url.QueryEscape(db), 200, "")
	}
	return c
}

// want calls proc and asserts the status and body of the reply.
func (c *ktConn) want(proc, query string, status int, body string) {
	c.t.Helper()
	code, got := c.call(proc, query)
	assert.Equal(c.t, status, code, "%s?%s", proc, query)
	assert.Equal(c.t, body, got, "%s?%s", proc, query)
}

// set stores each key with the value "V"+key.
func (c *ktConn) set(db string, keys ...string) {
	c.t.Helper()
	for _, k := range keys {
		c.want("set", "DB="+url.QueryEscape(db)+"&key="+k+"&value=V"+k, 200, "")
	}
}

// key asserts that cursor 1 is on key.
func (c *ktConn) key(key string) {
	c.t.Helper()
	c.want("cur_get_key", "CUR=1", 200, "key\t"+key+"\n")
}

// invalid asserts that cursor 1 answers 450 and stays invalid (a record
// set again afterwards does not revive it).
func (c *ktConn) invalid(db string) {
	c.t.Helper()
	c.want("cur_get_key", "CUR=1", 450, noRecord)
	c.set(db, "zz")
	c.want("cur_get_key", "CUR=1", 450, noRecord)
	c.want("cur_step", "CUR=1", 450, noRecord)
}

// binRemove removes key from the tree DB with the binary protocol on
// another connection. The tree is DB index 1 in the dev layout and in the
// layouts README.md gives a real KT.
func binRemove(t testing.TB, addr, key string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
	req := wire.KeysRequest{Magic: wire.MagicRemoveBulk, Keys: []wire.BinRecord{{DB: 1, Key: []byte(key)}}}
	_, err = nc.Write(req.Append(nil))
	require.NoError(t, err)
	n, err := wire.ReadCountReply(bufio.NewReader(nc), wire.MagicRemoveBulk)
	require.NoError(t, err)
	require.Equal(t, uint32(1), n, "binary remove_bulk of %q", key)
}

// removers are the ways a record under cursor 1 disappears.
var removers = []struct {
	name   string
	remove func(c *ktConn, key string)
}{
	{"remove", func(c *ktConn, key string) { c.want("remove", "DB=%25&key="+key, 200, "") }},
	{"seize", func(c *ktConn, key string) { c.want("seize", "DB=%25&key="+key, 200, "value\tV"+key+"\n") }},
	{"remove_bulk", func(c *ktConn, key string) { c.want("remove_bulk", "DB=%25&_"+key+"=", 200, "num\t1\n") }},
	{"binary remove_bulk", func(c *ktConn, key string) { binRemove(c.t, c.addr, key) }},
	{"cas", func(c *ktConn, key string) { c.want("cas", "DB=%25&key="+key+"&oval=V"+key, 200, "") }},
	{"another cursor", func(c *ktConn, key string) {
		c.want("cur_jump", "DB=%25&CUR=2&key="+key, 200, "")
		c.want("cur_remove", "CUR=2", 200, "")
	}},
}

// A backward cursor whose record was removed goes forward, to the first
// record >= the removed key, whatever its direction (KC's tree cursor
// looks its key up with lower_bound); with none, 450 and an invalid
// cursor. Record operations then work on that record and keep the
// backward direction.
func TestBackwardCursorAfterRemovalGoesForward(t *testing.T) {
	for _, rm := range removers {
		t.Run(rm.name, func(t *testing.T) {
			c := dialKT(t)
			c.set("%", "a", "b", "c")
			c.want("cur_jump_back", "DB=%25&CUR=1&key=b", 200, "")
			rm.remove(c, "b")
			c.key("c")

			c = dialKT(t)
			c.set("%", "a", "b")
			c.want("cur_jump_back", "DB=%25&CUR=1", 200, "")
			rm.remove(c, "b")
			c.invalid("%")

			c = dialKT(t)
			c.set("%", "a", "b", "c", "d")
			c.want("cur_jump_back", "DB=%25&CUR=1&key=b", 200, "")
			rm.remove(c, "b")
			c.want("cur_remove", "CUR=1", 200, "")
			c.want("get", "DB=%25&key=c", 450, noRecord)
			c.key("a")
		})
	}

	c := dialKT(t)
	c.set("%", "a", "b", "c", "d")
	c.want("cur_jump_back", "DB=%25&CUR=1&key=b", 200, "")
	c.want("remove", "DB=%25&key=b", 200, "")
	c.want("cur_seize", "CUR=1", 200, "key\tc\nvalue\tVc\n")
	c.key("a")

	c = dialKT(t)
	c.set("%", "a", "b", "c", "d")
	c.want("cur_jump_back", "DB=%25&CUR=1&key=b", 200, "")
	c.want("remove", "DB=%25&key=b", 200, "")
	c.want("cur_set_value", "CUR=1&value=X&step=1", 200, "")
	c.want("get", "DB=%25&key=c", 200, "value\tX\n")
	c.key("a")
	c.want("cur_step_back", "CUR=1", 450, noRecord)
}

// cur_step after the record under the cursor was removed moves past the
// record that took its place: it skips one. On a hash DB too (the removal
// moves KC's hash cursor on to the next record), in the DB's own order.
func TestStepAfterRemovalSkipsOne(t *testing.T) {
	c := dialKT(t)
	c.set("%", "a", "b", "c", "d")
	c.want("cur_jump", "DB=%25&CUR=1&key=b", 200, "")
	c.want("remove", "DB=%25&key=b", 200, "")
	c.want("cur_step", "CUR=1", 200, "")
	c.key("d")

	c = dialKT(t)
	c.set("%", "a", "b", "c")
	c.want("cur_jump", "DB=%25&CUR=1&key=b", 200, "")
	c.want("remove", "DB=%25&key=b", 200, "")
	c.want("cur_step", "CUR=1", 450, noRecord)
	c.invalid("%")

	c = dialKT(t)
	c.set("%", "a", "b", "c")
	c.want("cur_jump", "DB=%25&CUR=1&key=b", 200, "")
	c.want("remove", "DB=%25&key=b", 200, "")
	c.want("cur_step_back", "CUR=1", 200, "")
	c.key("a")

	c = dialKT(t)
	c.set("*", "a", "b", "c", "d", "e")
	order := hashOrder(c, 5)
	c.want("cur_jump", "DB=*&CUR=1&key="+order[1], 200, "")
	c.want("remove", "DB=*&key="+order[1], 200, "")
	c.key(order[2])
	c.want("cur_step", "CUR=1", 200, "")
	c.key(order[3])
	c.want("remove", "DB=*&key="+order[3], 200, "")
	c.want("cur_step", "CUR=1", 450, noRecord) // the record after the removed one was the last
	c.invalid("*")
}

// hashOrder walks the hash DB with cursor 3 and returns its n keys in the
// server's order.
func hashOrder(c *ktConn, n int) []string {
	c.t.Helper()
	c.want("cur_jump", "DB=*&CUR=3", 200, "")
	var keys []string
	for {
		code, body := c.call("cur_get_key", "CUR=3&step=1")
		if code != 200 {
			require.Equal(c.t, 450, code, body)
			break
		}
		keys = append(keys, strings.TrimSuffix(strings.TrimPrefix(body, "key\t"), "\n"))
	}
	require.Len(c.t, keys, n)
	return keys
}

// cur_jump_back and cur_step_back on a hash DB answer 501 and leave the
// cursor where it was.
func TestHashJumpBackKeepsPosition(t *testing.T) {
	c := dialKT(t)
	c.set("*", "a", "b", "c")
	order := hashOrder(c, 3)
	notImpl := "ERROR\tDB: 1: not implemented: not implemented\n"
	c.want("cur_jump", "DB=*&CUR=1&key="+order[1], 200, "")
	c.want("cur_jump_back", "CUR=1", 501, notImpl)
	c.key(order[1])
	c.want("cur_jump_back", "CUR=1&key="+order[2], 501, notImpl)
	c.key(order[1])
	c.want("cur_step_back", "CUR=1", 501, notImpl)
	c.key(order[1])
	c.want("cur_step", "CUR=1", 200, "")
	c.key(order[2])
}

// increment and increment_double with orig=set on a record of the wrong
// size (not 8, resp. 16 bytes) answer 450 and leave the record; on a
// record of the right size, or none, they store num.
func TestIncrementOrigSetOnWrongSize(t *testing.T) {
	const logic = "ERROR\tDB: 8: logical inconsistency: logical inconsistency\n"
	c := dialKT(t)
	c.set("*", "t")
	c.want("increment", "DB=*&key=t&num=5&orig=set", 450, logic)
	c.want("increment_double", "DB=*&key=t&num=5&orig=set", 450, logic)
	c.want("get", "DB=*&key=t", 200, "value\tVt\n")

	c.want("increment", "DB=*&key=i&num=5&orig=set", 200, "num\t5\n")
	c.want("increment", "DB=*&key=i&num=0&orig=set", 200, "num\t0\n")
	c.want("increment_double", "DB=*&key=i&num=1&orig=set", 450, logic)
	c.want("increment", "DB=*&key=i&num=0", 200, "num\t0\n")

	c.want("increment_double", "DB=*&key=d&num=1.5&orig=set", 200, "num\t1.500000\n")
	c.want("increment_double", "DB=*&key=d&num=0.25&orig=set", 200, "num\t0.250000\n")
	c.want("increment", "DB=*&key=d&num=1&orig=set", 450, logic)
	c.want("increment_double", "DB=*&key=d&num=0", 200, "num\t0.250000\n")
}
