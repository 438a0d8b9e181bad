package golden

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `# title line
# more

## connection 1

--- C->S request 1 (escaped raw bytes) ---
POST /rpc/set HTTP/1.1\r\n
Content-Length: 9\r\n
\r\n
k\tv\\\x00\xff\n
--- S->C response 1 (escaped raw bytes) ---
HTTP/1.1 200 OK\r\n
Connection: close\r\n
\r\n

## connection 1 closed; a new connection 3 starts

--- C->S request 2 (hex) ---
00000000  ba 00 00 00 00 00 00 00 01 00 00 00 00 00 03 62  |...............b|
00000010  6b 31                                            |k1|
--- S->C response 2 (hex) ---
00000000  ba 00 00 00 01 00 00 00 00 00 03 00 00 00 03 00  |................|
00000010  00 00 ff ff ff ff ff 62 6b 31 62 76 31           |.......bk1bv1|
--- decoded ---
magic=0xba hits=1
  rec: dbidx=0 ksiz=3 vsiz=3 xt=1099511627775 (0x000000ffffffffff) key=b'bk1' value=b"b'\x00"

--- C->S request 3 (escaped raw bytes) ---
GET / HTTP/2.0\r\n
--- S->C response 3 (escaped raw bytes) ---
(no bytes; connection closed by server)
`

func TestParse(t *testing.T) {
	tr, err := Parse("012-x.txt", []byte(sample))
	require.NoError(t, err)
	assert.Equal(t, 12, tr.Number)
	assert.Equal(t, "title line", tr.Title)
	require.Len(t, tr.Exchanges, 3)

	e := tr.Exchanges[0]
	assert.Equal(t, "POST /rpc/set HTTP/1.1\r\nContent-Length: 9\r\n\r\nk\tv\\\x00\xff\n", string(e.Request))
	assert.Equal(t, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", string(e.Response))
	assert.True(t, e.Closed)
	assert.Equal(t, 1, e.Connection)
	assert.False(t, e.Binary)

	e = tr.Exchanges[1]
	assert.True(t, e.Binary)
	assert.Equal(t, 3, e.Connection)
	assert.Equal(t, []byte{0xba, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 'b', 'k', '1'}, e.Request)
	assert.Len(t, e.Response, 29)
	magic, n, recs, ok, err := DecodedReply(e.Decoded)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, byte(0xba), magic)
	assert.Equal(t, 1, n)
	require.Len(t, recs, 1)
	assert.Equal(t, DecodedRecord{DB: 0, XT: 1<<40 - 1, Key: []byte("bk1"), Value: []byte("b'\x00")}, recs[0])

	e = tr.Exchanges[2]
	assert.True(t, e.NoResponse)
	assert.True(t, e.Closed)
	assert.Empty(t, e.Response)
}

func TestParseErrors(t *testing.T) {
	_, err := Parse("x", []byte("--- S->C response 1 (hex) ---\n"))
	assert.Error(t, err)
	_, err = Parse("x", []byte("--- C->S request 1 (escaped raw bytes) ---\nab\\q\n"))
	assert.Error(t, err)
	_, err = Parse("x", []byte("--- C->S request 1 (hex) ---\n00000010  ba\n"))
	assert.Error(t, err, "offset must match")
}

// TestRealTranscripts parses every shipped transcript.
func TestRealTranscripts(t *testing.T) {
	trs := Load(t)
	assert.GreaterOrEqual(t, len(trs), 80)
	for _, tr := range trs {
		assert.NotEmpty(t, tr.Exchanges, tr.Name)
		for _, e := range tr.Exchanges {
			assert.NotEmpty(t, e.Request, "%s #%d", tr.Name, e.N)
			if !e.Binary {
				assert.True(t, e.NoResponse || bytes.HasPrefix(e.Response, []byte("HTTP/1.1 ")), "%s #%d", tr.Name, e.N)
			}
			if e.Binary && strings.Contains(e.Decoded, "rec:") {
				_, _, recs, _, err := DecodedReply(e.Decoded)
				assert.NoError(t, err, tr.Name)
				assert.NotEmpty(t, recs, tr.Name)
			}
		}
	}
	byNum := map[int]*Transcript{}
	for _, tr := range trs {
		byNum[tr.Number] = tr
	}
	if tr := byNum[57]; assert.NotNil(t, tr) {
		var conns []int
		for _, e := range tr.Exchanges {
			conns = append(conns, e.Connection)
		}
		assert.Equal(t, []int{1, 1, 2, 3}, conns)
	}
}
