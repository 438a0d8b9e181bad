package kt

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type recordedRequest struct {
	head string
	body []byte
}

// recordingServer answers every request with an empty 200 and records it.
func recordingServer(t *testing.T) (string, func() ([]recordedRequest, int)) {
	var mu sync.Mutex
	var reqs []recordedRequest
	conns := 0
	addr := fakeServer(t, func(c net.Conn) {
		mu.Lock()
		conns++
		mu.Unlock()
		br := bufio.NewReader(c)
		for {
			var head strings.Builder
			n := 0
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				head.WriteString(line)
				if line == "\r\n" {
					break
				}
				if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
					n, _ = strconv.Atoi(strings.TrimSpace(v))
				}
			}
			body := make([]byte, n)
			if _, err := io.ReadFull(br, body); err != nil {
				return
			}
			mu.Lock()
			reqs = append(reqs, recordedRequest{head.String(), body})
			mu.Unlock()
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/tab-separated-values\r\n\r\n")
		}
	})
	return addr, func() ([]recordedRequest, int) {
		mu.Lock()
		defer mu.Unlock()
		return append([]recordedRequest{}, reqs...), conns
	}
}

// TestRequestFormat pins protocol §10: POST /rpc/<proc>, TSV body with the
// cheapest colenc, exact Content-Length, no Expect, no query string, one
// keep-alive connection for sequential calls, xt omitted unless given.
func TestRequestFormat(t *testing.T) {
	addr, recorded := recordingServer(t)
	c, err := NewClient(Config{Addr: addr})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "", b("japan"), b("tokyo")))
	require.NoError(t, c.Set(ctx, "casket.kct", b("k\x00"), b("\x01\x02\x03\x04\x05"), WithXT(-60)))
	require.NoError(t, c.Set(ctx, "1", b("k"), b("hello world\tx")))
	reqs, conns := recorded()
	require.Len(t, reqs, 3)
	assert.Equal(t, 1, conns, "keep-alive: one connection")

	want := []struct {
		head string
		body string
	}{
		{"POST /rpc/set HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: text/tab-separated-values\r\nContent-Length: 22\r\n\r\n",
			"key\tjapan\nvalue\ttokyo\n"},
		// short identifiers: U is cheaper than B
		{"POST /rpc/set HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: text/tab-separated-values; colenc=U\r\nContent-Length: 52\r\n\r\n",
			"DB\tcasket.kct\nkey\tk%00\nvalue\t%01%02%03%04%05\nxt\t-60\n"},
		// a TAB in text with spaces: Q keeps the spaces
		{"POST /rpc/set HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: text/tab-separated-values; colenc=Q\r\nContent-Length: 33\r\n\r\n",
			"DB\t1\nkey\tk\nvalue\thello world=09x\n"},
	}
	for i, w := range want {
		assert.Equal(t, w.head, reqs[i].head, "request %d", i)
		assert.Equal(t, w.body, string(reqs[i].body), "request %d", i)
		assert.NotContains(t, reqs[i].head, "Expect")
	}
}

func TestLargeValues(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB, beyond the 1 MiB read chunk
	require.NoError(t, c.Set(ctx, "", b("big"), big))
	rec, err := c.Get(ctx, "", b("big"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, rec.Value))

	bin := make([]byte, 2<<20)
	for i := range bin {
		bin[i] = byte(i * 31)
	}
	require.NoError(t, c.Set(ctx, "", b("bin"), bin))
	rec, err = c.Get(ctx, "", b("bin"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(bin, rec.Value))

	got, err := c.BinGetBulk(ctx, []BinRecord{{Key: b("bin")}, {Key: b("big")}})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, bytes.Equal(bin, got[0].Value))
	assert.True(t, bytes.Equal(big, got[1].Value))
}
