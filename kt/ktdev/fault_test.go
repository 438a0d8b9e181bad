package ktdev_test

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// quiet is how long a test waits to see that nothing arrives; it only
// decides "no reply yet", never a performance property.
const quiet = 150 * time.Millisecond

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

func TestFaultStallUntilCleared(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	srv.SetStall(true)
	a := dialRaw(t, srv.Addr())
	a.get("set", "key=k&value=v")
	_, _, err := a.response(quiet)
	require.True(t, isTimeout(err), "stalled request must not be answered, got %v", err)

	srv.ClearFault()
	resp, body, err := a.response(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode, body)
	other := dialRaw(t, srv.Addr())
	code, body := other.call("get", "key=k")
	assert.Equal(t, 200, code)
	assert.Equal(t, "value\tv\n", body)
}

func TestFaultStallDoesNotExecute(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultStall, Proc: "set"})
	a := dialRaw(t, srv.Addr())
	a.get("set", "key=k&value=v")
	_, _, err := a.response(quiet)
	require.True(t, isTimeout(err))
	// other procedures are not affected, and the stalled set has not run
	b := dialRaw(t, srv.Addr())
	code, _ := b.call("get", "key=k")
	assert.Equal(t, 450, code)
}

func TestFaultStallForDuration(t *testing.T) {
	srv := ktdev.NewTestServer(t, ktdev.WithFault(ktdev.Fault{Kind: ktdev.FaultStall, Stall: 20 * time.Millisecond, Times: 1}))
	a := dialRaw(t, srv.Addr())
	code, _ := a.call("void", "")
	assert.Equal(t, 200, code)
	code, _ = a.call("void", "")
	assert.Equal(t, 200, code)
}

func TestFaultStallReleasedByClose(t *testing.T) {
	srv, err := ktdev.Start(ktdev.Config{Fault: ktdev.Fault{Kind: ktdev.FaultStall}})
	require.NoError(t, err)
	a := dialRaw(t, srv.Addr())
	a.get("void", "")
	_, _, err = a.response(quiet)
	require.True(t, isTimeout(err))
	require.NoError(t, srv.Close()) // must not hang on the stalled request
	_, _, err = a.response(5 * time.Second)
	assert.Error(t, err)
}

func TestFaultCloseMidReply(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: "get", Times: 1})
	a := dialRaw(t, srv.Addr())
	code, _ := a.call("set", "key=k&value=hello")
	require.Equal(t, 200, code)
	a.get("get", "key=k")
	_ = a.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(a.br)
	require.NoError(t, err, "the server closes after the partial reply")
	assert.True(t, strings.HasPrefix(string(got), "HTTP/1.1 200 OK\r\n"), "%q", got)
	assert.NotContains(t, string(got), "value\thello")

	b := dialRaw(t, srv.Addr()) // Times: 1, so the next get is normal
	code, body := b.call("get", "key=k")
	assert.Equal(t, 200, code)
	assert.Equal(t, "value\thello\n", body)
}

func TestFaultGarbage(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultGarbage})
	a := dialRaw(t, srv.Addr())
	a.get("void", "")
	_ = a.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(a.br)
	require.NoError(t, err)
	require.NotEmpty(t, got)
	assert.False(t, strings.HasPrefix(string(got), "HTTP/"), "%q", got)
	assert.NotEqual(t, byte(wire.MagicError), got[0])
}

func TestFaultBinaryCloseMidReply(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultCloseMidReply, Proc: "bin_get_bulk"})
	a := dialRaw(t, srv.Addr())
	req := &wire.SetBulkRequest{Records: []wire.BinRecord{{DB: 0, Key: []byte("k"), Value: []byte("v"), XT: wire.XTNever}}}
	a.write(string(req.Append(nil)))
	n, err := wire.ReadCountReply(a.br, wire.MagicSetBulk)
	require.NoError(t, err, "set_bulk is not affected")
	assert.Equal(t, uint32(1), n)
	get := &wire.KeysRequest{Magic: wire.MagicGetBulk, Keys: []wire.BinRecord{{DB: 0, Key: []byte("k")}}}
	a.write(string(get.Append(nil)))
	_ = a.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(a.br)
	require.NoError(t, err)
	full := wire.AppendGetBulkReply(nil, []wire.BinRecord{{DB: 0, Key: []byte("k"), Value: []byte("v"), XT: wire.XTNeverStored}})
	assert.Equal(t, full[:len(full)/2], got)
}

func TestFaultRefuse(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	open := dialRaw(t, srv.Addr())
	code, _ := open.call("void", "")
	require.Equal(t, 200, code)

	srv.SetFault(ktdev.Fault{Kind: ktdev.FaultRefuse, Times: 1})
	refused := dialRaw(t, srv.Addr())
	refused.get("void", "")
	_ = refused.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(refused.br)
	if err == nil {
		assert.Empty(t, got)
	}
	code, _ = open.call("void", "")
	assert.Equal(t, 200, code, "open connections keep working")
	again := dialRaw(t, srv.Addr())
	code, _ = again.call("void", "")
	assert.Equal(t, 200, code, "Times: 1 refuses only one connection")
}

func TestRestartOnSamePort(t *testing.T) {
	srv, err := ktdev.Start(ktdev.Config{})
	require.NoError(t, err)
	addr := srv.Addr()
	require.NoError(t, srv.Close())
	_, err = net.Dial("tcp", addr)
	require.Error(t, err, "a closed server refuses connections")
	srv2, err := ktdev.Start(ktdev.Config{Addr: addr})
	require.NoError(t, err)
	defer srv2.Close()
	code, _ := dialRaw(t, addr).call("void", "")
	assert.Equal(t, 200, code)
}
