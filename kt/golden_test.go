package kt

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/golden"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

var (
	statusLineRe = regexp.MustCompile(`^HTTP/1\.1 (\d{3}) `)
	colencRe     = regexp.MustCompile(`(?i)\r\ncontent-type: text/tab-separated-values; colenc=([BQU])\r\n`)
)

// TestGoldenReplies decodes every reply recorded from a real ktserver with
// the client's decoders and checks the result against an independent
// reading of the same bytes.
func TestGoldenReplies(t *testing.T) {
	trs := golden.Load(t)
	c := &Client{cfg: Config{Addr: "127.0.0.1:19780"}}
	var httpReplies, binReplies int
	for _, tr := range trs {
		for _, ex := range tr.Exchanges {
			name := fmt.Sprintf("%s#%d", tr.Name, ex.N)
			if ex.NoResponse || bytes.HasPrefix(ex.Request, []byte("HEAD ")) {
				continue // HEAD replies announce a body they do not send; the client never sends HEAD
			}
			if ex.Binary {
				binReplies += checkGoldenBinary(t, name, ex)
				continue
			}
			br := bufio.NewReader(bytes.NewReader(ex.Response))
			for {
				if _, err := br.Peek(1); err == io.EOF {
					break
				}
				raw := nextRawResponse(t, name, ex.Response[len(ex.Response)-br.Buffered():])
				var rp reply
				var got bool
				require.NoError(t, readResponse(br, &rp, &got), name)
				httpReplies++
				checkGoldenHTTP(t, c, name, raw, &rp)
			}
		}
	}
	t.Logf("decoded %d HTTP and %d binary replies", httpReplies, binReplies)
	assert.Greater(t, httpReplies, 150)
	assert.Greater(t, binReplies, 8)
}

// nextRawResponse returns the bytes of the first response in b (head up to
// the blank line plus Content-Length bytes), read independently of readResponse.
func nextRawResponse(t *testing.T, name string, b []byte) []byte {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	require.GreaterOrEqual(t, end, 0, name)
	head := b[:end+4]
	m := regexp.MustCompile(`(?i)\r\ncontent-length: (\d+)\r\n`).FindSubmatch(head)
	if m == nil {
		return head
	}
	n, _ := strconv.Atoi(string(m[1]))
	return b[:end+4+n]
}

func checkGoldenHTTP(t *testing.T, c *Client, name string, raw []byte, rp *reply) {
	m := statusLineRe.FindSubmatch(raw)
	require.NotNil(t, m, name)
	status, _ := strconv.Atoi(string(m[1]))
	assert.Equal(t, status, rp.Status, name)
	body := raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
	assert.Equal(t, body, append([]byte{}, rp.Body...), name)
	wantEnc := wire.Raw
	if m := colencRe.FindSubmatch(raw); m != nil {
		wantEnc = wire.Encoding(m[1][0])
	}
	assert.Equal(t, wantEnc, rp.Enc, name)
	assert.Equal(t, bytes.Contains(raw, []byte("\r\nConnection: close\r\n")), rp.Close, name)
	if !bytes.Contains(raw, []byte("\r\nContent-Type: text/tab-separated-values")) {
		return // REST or text/plain: framing only
	}
	pairs := wire.DecodeTSV(nil, rp.Body, rp.Enc)
	// the server writes every pair as key TAB value LF: re-encoding the
	// decoded pairs must give the body back byte for byte
	var again []byte
	for _, p := range pairs {
		again = wire.AppendTSVPair(again, rp.Enc, p.Key, p.Value)
	}
	assert.Equal(t, string(body), string(again), name)
	// and the server's own encoding choice is reproduced
	assert.Equal(t, rp.Enc, wire.ChooseReplyEncoding(pairs), name)
	if status != 200 {
		rp.Pairs = pairs
		err := c.serverError("op", rp)
		var se *ServerError
		require.True(t, errors.As(err, &se), name)
		assert.Equal(t, status, se.Status, name)
		switch msg := se.Message; {
		case status == 450 && bytes.HasPrefix([]byte(msg), []byte("DB: 7:")):
			assert.ErrorIs(t, err, ErrNoRecord, name)
		case status == 450 && bytes.HasPrefix([]byte(msg), []byte("DB: 6:")):
			assert.ErrorIs(t, err, ErrDuplicate, name)
		case status == 450 && msg == "DB: 8: logical inconsistency: status conflict":
			assert.ErrorIs(t, err, ErrCASMismatch, name)
		case status == 450:
			assert.ErrorIs(t, err, ErrLogic, name)
		case status == 501:
			assert.ErrorIs(t, err, ErrNotImplemented, name)
		case status == 400:
			assert.ErrorIs(t, err, ErrInvalid, name)
		}
	}
}

func checkGoldenBinary(t *testing.T, name string, ex golden.Exchange) int {
	require.NotEmpty(t, ex.Request, name)
	magic := ex.Request[0]
	br := bufio.NewReader(bytes.NewReader(ex.Response))
	if len(ex.Response) == 1 && ex.Response[0] == wire.MagicError {
		_, err := wire.ReadCountReply(br, magic)
		assert.ErrorIs(t, err, wire.ErrServer, name)
		return 1
	}
	dMagic, count, recs, ok, err := golden.DecodedReply(ex.Decoded)
	require.NoError(t, err, name)
	if !ok {
		return 0 // replication stream: not a client concern
	}
	assert.Equal(t, magic, dMagic, name)
	switch magic {
	case wire.MagicSetBulk, wire.MagicRemoveBulk:
		n, err := wire.ReadCountReply(br, magic)
		require.NoError(t, err, name)
		assert.EqualValues(t, count, n, name)
	case wire.MagicGetBulk:
		got, err := wire.ReadGetBulkReply(br, nil)
		require.NoError(t, err, name)
		require.Len(t, got, count, name)
		for i, r := range recs {
			assert.Equal(t, BinRecord{DB: uint16(r.DB), Key: r.Key, Value: r.Value, XT: r.XT}, got[i], name)
		}
	case wire.MagicPlayScript:
		got, err := wire.ReadPlayScriptReply(br)
		require.NoError(t, err, name)
		require.Len(t, got, count, name)
		for i, r := range recs {
			assert.Equal(t, string(r.Key), string(got[i].Key), name)
			assert.Equal(t, string(r.Value), string(got[i].Value), name)
		}
	default:
		t.Errorf("%s: unexpected magic 0x%02x", name, magic)
	}
	_, err = br.ReadByte()
	assert.Equal(t, io.EOF, err, "%s: the whole reply is consumed", name)
	return 1
}

// TestGoldenRequestBodies checks that the client encodes requests the way
// the recorded ones were sent (same body bytes and colenc).
func TestGoldenRequestBodies(t *testing.T) {
	trs := golden.Load(t)
	find := func(num, n int) golden.Exchange {
		for _, tr := range trs {
			if tr.Number == num {
				return tr.Exchanges[n-1]
			}
		}
		t.Fatalf("transcript %03d missing", num)
		return golden.Exchange{}
	}
	tests := []struct {
		num, n int
		req    *rpcRequest
	}{
		{10, 1, newRequest("set", "").param("key", b("japan")).param("value", b("tokyo"))},
		{11, 1, newRequest("get", "").param("key", b("japan"))},
		{18, 1, newRequest("set", "").param("key", b("temp")).param("value", b("v")).xt([]WriteOption{WithXT(60)})},
		{30, 1, newRequest("set", "").param("key", b("bin\tkey\n\x00")).param("value", b("\x00\x01\x02\xff\xfe\n\t\r"))},
		{30, 2, newRequest("get", "").param("key", b("bin\tkey\n\x00"))},
	}
	for _, tt := range tests {
		ex := find(tt.num, tt.n)
		head, body, ok := bytes.Cut(ex.Request, []byte("\r\n\r\n"))
		require.True(t, ok)
		enc := tt.req.encoding()
		wantEnc := wire.Raw
		if m := regexp.MustCompile(`colenc=([BQU])`).FindSubmatch(head); m != nil {
			wantEnc = wire.Encoding(m[1][0])
		}
		name := fmt.Sprintf("%03d#%d", tt.num, tt.n)
		assert.Equal(t, wantEnc, enc, name)
		assert.Equal(t, string(body), string(tt.req.appendBody(nil, enc)), name)
	}
}
