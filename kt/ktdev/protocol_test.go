package ktdev_test

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// Behaviour of protocol §1-§7 not covered by a golden transcript.

func TestLongRequestLineDropsConnection(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	ok := dialRaw(t, srv.Addr())
	code, _ := ok.call("echo", "v="+strings.Repeat("a", 8000))
	assert.Equal(t, 200, code, "8000-byte query works")

	long := dialRaw(t, srv.Addr())
	long.get("echo", "v="+strings.Repeat("a", 9000))
	_ = long.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(long.br)
	require.NoError(t, err)
	assert.Empty(t, got, "a line above 8191 bytes is dropped silently")
}

func TestChunkedBody(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	c := dialRaw(t, srv.Addr())
	c.write("POST /rpc/set HTTP/1.1\r\nContent-Type: text/tab-separated-values\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"6\r\nkey\tk\n\r\n8\r\nvalue\tv\n\r\n0\r\n\r\n")
	resp, _, err := c.response(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	code, body := c.call("get", "key=k")
	assert.Equal(t, 200, code)
	assert.Equal(t, "value\tv\n", body)
}

func TestWaitSignal(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	var wg sync.WaitGroup
	results := make(chan string, 2)
	for i := 0; i < 2; i++ {
		waiter := dialRaw(t, srv.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			waiter.get("get", "key=w&WAIT=cond&WAITTIME=30")
			resp, body, err := waiter.response(20 * time.Second)
			if err != nil {
				results <- err.Error()
				return
			}
			results <- fmt.Sprint(resp.StatusCode, " ", body)
		}()
	}
	sig := dialRaw(t, srv.Addr())
	code, body := sig.call("void", "SIGNAL=nobody")
	require.Equal(t, 200, code)
	require.Equal(t, "SIGNALED\t0\n", body)
	// signal until both waiters were woken (they may register late)
	deadline := time.Now().Add(10 * time.Second)
	var woken int
	for woken < 2 && time.Now().Before(deadline) {
		code, body := sig.call("set", "key=w&value=x&SIGNAL=cond&SIGNALBROAD=")
		require.Equal(t, 200, code)
		var n int
		_, _ = fmt.Sscanf(body, "SIGNALED\t%d", &n)
		woken += n
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	close(results)
	assert.Equal(t, 2, woken)
	for r := range results {
		assert.Equal(t, "200 value\tx\n", r, "a signalled request runs normally")
	}
}

func TestScriptingDisabled(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	c := dialRaw(t, srv.Addr())
	code, body := c.call("play_script", "name=echo")
	assert.Equal(t, 501, code)
	assert.Equal(t, "ERROR\tthe scripting extention is disabled\n", body)

	req := &wire.PlayScriptRequest{Name: []byte("echo")}
	c.write(string(req.Append(nil)))
	_, err := wire.ReadPlayScriptReply(c.br)
	assert.ErrorIs(t, err, wire.ErrServer)
}

func TestRegisterScriptWithDB(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	srv.RegisterScript("swap", func(in map[string][]byte) (map[string][]byte, ktdev.ScriptResult) {
		db := srv.DB("")
		var old string
		err := db.Update(func(tx *ktdev.Tx) error {
			old, _, _ = tx.Get(string(in["key"]))
			tx.Set(string(in["key"]), string(in["value"]), ktdev.XTAbsent)
			return nil
		})
		if err != nil {
			return nil, ktdev.ScriptInternal
		}
		return map[string][]byte{"old": []byte(old)}, ktdev.ScriptSuccess
	})
	c := dialRaw(t, srv.Addr())
	code, _ := c.call("play_script", "name=swap&_key=k&_value=1")
	require.Equal(t, 200, code)
	code, body := c.call("play_script", "name=swap&_key=k&_value=2")
	require.Equal(t, 200, code)
	assert.Equal(t, "_old\t1\n", body)
}

func TestExpirationOverRPC(t *testing.T) {
	var now int64 = 1_800_000_000
	var mu sync.Mutex
	srv := ktdev.NewTestServer(t, ktdev.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Unix(now, 0)
	}))
	c := dialRaw(t, srv.Addr())
	code, _ := c.call("set", "key=k&value=v&xt=10")
	require.Equal(t, 200, code)
	code, body := c.call("get", "key=k")
	require.Equal(t, 200, code)
	assert.Equal(t, "value\tv\nxt\t1800000010\n", body)
	mu.Lock()
	now += 11
	mu.Unlock()
	code, _ = c.call("get", "key=k")
	assert.Equal(t, 450, code)
	// REST X-Kt-Xt is absolute
	c.write("PUT /r HTTP/1.1\r\nX-Kt-Xt: 1900000000\r\nContent-Length: 1\r\n\r\nx")
	resp, _, err := c.response(5 * time.Second)
	require.NoError(t, err)
	require.Equal(t, 201, resp.StatusCode)
	code, body = c.call("get", "key=r")
	assert.Equal(t, 200, code)
	assert.Equal(t, "value\tx\nxt\t1900000000\n", body)
}

func TestBinaryOversizeClosesAfterError(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	c := dialRaw(t, srv.Addr())
	// remove_bulk with ksiz above 256 MiB
	c.write("\xb9\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x20\x00\x00\x00")
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c.br)
	require.NoError(t, err)
	assert.Equal(t, []byte{wire.MagicError}, got)
}

func TestBinaryPipelined(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	c := dialRaw(t, srv.Addr())
	var batch []byte
	for i := 0; i < 100; i++ {
		req := &wire.SetBulkRequest{Records: []wire.BinRecord{
			{DB: 1, Key: []byte(fmt.Sprint("k", i)), Value: []byte("v"), XT: wire.XTNever},
		}}
		batch = req.Append(batch)
	}
	c.write(string(batch))
	for i := 0; i < 100; i++ {
		n, err := wire.ReadCountReply(c.br, wire.MagicSetBulk)
		require.NoError(t, err)
		require.Equal(t, uint32(1), n)
	}
	assert.Equal(t, int64(100), srv.DB("1").Count())
	assert.Equal(t, uint64(100), srv.Counts()["cnt_set"])
}

func TestCountersLikeKT(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	c := dialRaw(t, srv.Addr())
	c.call("set", "key=a&value=1")
	c.call("get", "key=a")
	c.call("get", "key=missing")
	c.call("remove", "key=missing")
	c.call("get_bulk", "_a=&_b=")
	counts := srv.Counts()
	assert.Equal(t, uint64(1), counts["cnt_set"])
	assert.Equal(t, uint64(4), counts["cnt_get"])
	assert.Equal(t, uint64(2), counts["cnt_get_misses"])
	assert.Equal(t, uint64(1), counts["cnt_remove"])
	assert.Equal(t, uint64(1), counts["cnt_remove_misses"])
	code, body := c.call("report", "")
	require.Equal(t, 200, code)
	assert.Contains(t, body, "cnt_get\t4\n")
	assert.Contains(t, body, "db_0\tcount=1 ")
}

func TestDefaultDBs(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	c := dialRaw(t, srv.Addr())
	code, body := c.call("status", "DB=0")
	require.Equal(t, 200, code)
	assert.Contains(t, body, "path\t*\n")
	assert.Contains(t, body, "type\t32\n")
	code, body = c.call("status", "DB=%25")
	require.Equal(t, 200, code)
	assert.Contains(t, body, "type\t33\n")
	code, _ = c.call("status", "DB=2")
	assert.Equal(t, 400, code)
}
