package kt

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		status    int
		enc       wire.Encoding
		body      string
		close     bool
		malformed bool
	}{
		{name: "golden 011", in: "HTTP/1.1 200 OK\r\nServer: KyotoTycoon/0.9.56b\r\nContent-Length: 12\r\nContent-Type: text/tab-separated-values\r\n\r\nvalue\ttokyo\n",
			status: 200, body: "value\ttokyo\n"},
		{name: "colenc and close, odd case, bare LF", in: "HTTP/1.1 450 Logical Inconsistency\nconnection: Close\ncontent-length: 3\ncontent-type: TEXT/tab-separated-values; COLENC=\"u\"\n\nabc",
			status: 450, enc: wire.URL, body: "abc", close: true},
		{name: "no content-length reads to EOF", in: "HTTP/1.1 200 OK\r\n\r\nrest", status: 200, body: "rest", close: true},
		{name: "no reason phrase", in: "HTTP/1.1 204\r\nContent-Length: 0\r\n\r\n", status: 204},
		{name: "garbage", in: "garbage\r\n\r\n", malformed: true},
		{name: "binary byte", in: "\xbf", malformed: true},
		{name: "HTTP/2", in: "HTTP/2 200 OK\r\n\r\n", malformed: true},
		{name: "bad length", in: "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", malformed: true},
		{name: "huge length", in: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", malformed: true},
		{name: "no colon", in: "HTTP/1.1 200 OK\r\nfoo\r\n\r\n", malformed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rp reply
			var got bool
			err := readResponse(bufio.NewReader(bytes.NewReader([]byte(tt.in))), &rp, &got)
			if tt.malformed {
				assert.True(t, errors.Is(err, errMalformed), "%v", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.status, rp.Status)
			assert.Equal(t, tt.enc, rp.Enc)
			assert.Equal(t, tt.body, string(rp.Body))
			assert.Equal(t, tt.close, rp.Close)
		})
	}
}

// FuzzReadResponse: the reply parser must never panic or over-read, and a
// body it accepts is exactly what Content-Length announced.
func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/tab-separated-values; colenc=B\r\n\r\ndmFsdWU=\tYQ==\n"))
	f.Add([]byte("HTTP/1.1 450 X\r\nContent-Length: 34\r\n\r\nERROR\tDB: 7: no record: no record\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n"))
	f.Add([]byte("\xbf"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rp reply
		var got bool
		br := bufio.NewReader(bytes.NewReader(data))
		if err := readResponse(br, &rp, &got); err != nil {
			return
		}
		require.LessOrEqual(t, len(rp.Body), len(data))
		_ = wire.DecodeTSV(nil, rp.Body, rp.Enc)
	})
}

func TestClosedClient(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	require.NoError(t, c.Void(ctx))
	require.NoError(t, c.Close())
	err := c.Void(ctx)
	var ne *NetError
	require.True(t, errors.As(err, &ne), "%v", err)
	assert.True(t, errors.Is(err, ErrClientClosed))
}

func TestDBName(t *testing.T) {
	assert.Equal(t, "casket.kct", DBName("count=0 size=400128 path=/srv/ktdb1/casket.kct"))
	assert.Equal(t, "x.kch", DBName("count=0 size=1 path=/a/x.kch#bnum=1000"))
	assert.Equal(t, "%", DBName("count=0 size=526693 path=%"))
	assert.Equal(t, "", DBName("count=0"))
}

func TestNewClientValidation(t *testing.T) {
	_, err := NewClient(Config{})
	assert.Error(t, err)
	_, err = NewClient(Config{Addr: "nohostport"})
	assert.Error(t, err)
	c, err := NewClient(Config{Addr: "127.0.0.1:1978"})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:1978", c.Addr())
	assert.Equal(t, 4, c.cfg.MaxIdleConns)
}
