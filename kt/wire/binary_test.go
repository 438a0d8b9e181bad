package wire

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unhex reads the hex columns of a golden hex dump.
func unhex(t testing.TB, dump string) []byte {
	var out []byte
	for _, line := range strings.Split(strings.TrimSpace(dump), "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "|"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		for _, f := range fields[1:] {
			b, err := hex.DecodeString(f)
			require.NoError(t, err)
			out = append(out, b...)
		}
	}
	return out
}

func reader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// golden 090
const golden090Req = `
00000000  b8 00 00 00 00 00 00 00 04 00 00 00 00 00 03 00  |................|
00000010  00 00 03 7f ff ff ff ff ff ff ff 62 6b 31 62 76  |...........bk1bv|
00000020  31 00 01 00 00 00 03 00 00 00 03 00 00 00 00 00  |1...............|
00000030  00 00 3c 62 6b 32 62 76 32 00 00 00 00 00 03 00  |..<bk2bv2.......|
00000040  00 00 03 ff ff ff ff 88 ca 6c 00 62 6b 33 62 76  |.........l.bk3bv|
00000050  33 00 09 00 00 00 01 00 00 00 01 7f ff ff ff ff  |3...............|
00000060  ff ff ff 78 79                                   |...xy|`

func golden090Records() []BinRecord {
	return []BinRecord{
		{DB: 0, Key: []byte("bk1"), Value: []byte("bv1"), XT: XTNever},
		{DB: 1, Key: []byte("bk2"), Value: []byte("bv2"), XT: 60},
		{DB: 0, Key: []byte("bk3"), Value: []byte("bv3"), XT: -2000000000},
		{DB: 9, Key: []byte("x"), Value: []byte("y"), XT: XTNever},
	}
}

func TestSetBulkRequestGolden(t *testing.T) {
	raw := unhex(t, golden090Req)
	m := &SetBulkRequest{Records: golden090Records()}
	assert.Equal(t, raw, m.Append(nil), "encoder matches the real client bytes")

	got, err := ReadRequest(reader(raw))
	require.NoError(t, err)
	assert.Equal(t, m, got)

	hits, err := ReadCountReply(reader([]byte{0xb8, 0, 0, 0, 3}), MagicSetBulk)
	require.NoError(t, err)
	assert.EqualValues(t, 3, hits)
}

func TestGetBulkGolden(t *testing.T) {
	req := unhex(t, `
00000000  ba 00 00 00 00 00 00 00 05 00 00 00 00 00 03 62  |...............b|
00000010  6b 31 00 01 00 00 00 03 62 6b 32 00 00 00 00 00  |k1......bk2.....|
00000020  03 62 6b 33 00 00 00 00 00 07 6d 69 73 73 69 6e  |.bk3......missin|
00000030  67 00 09 00 00 00 01 78                          |g......x|`)
	keys := []BinRecord{{DB: 0, Key: []byte("bk1")}, {DB: 1, Key: []byte("bk2")},
		{DB: 0, Key: []byte("bk3")}, {DB: 0, Key: []byte("missing")}, {DB: 9, Key: []byte("x")}}
	m := &KeysRequest{Magic: MagicGetBulk, Keys: keys}
	assert.Equal(t, req, m.Append(nil))
	got, err := ReadRequest(reader(req))
	require.NoError(t, err)
	assert.Equal(t, m, got)

	reply := unhex(t, `
00000000  ba 00 00 00 03 00 00 00 00 00 03 00 00 00 03 00  |................|
00000010  00 00 ff ff ff ff ff 62 6b 31 62 76 31 00 01 00  |.......bk1bv1...|
00000020  00 00 03 00 00 00 03 00 00 00 00 6b 02 a5 d2 62  |...........k...b|
00000030  6b 32 62 76 32 00 00 00 00 00 03 00 00 00 03 00  |k2bv2...........|
00000040  00 00 00 77 35 94 00 62 6b 33 62 76 33           |...w5..bk3bv3|`)
	want := []BinRecord{
		{DB: 0, Key: []byte("bk1"), Value: []byte("bv1"), XT: XTNeverStored},
		{DB: 1, Key: []byte("bk2"), Value: []byte("bv2"), XT: 1795335634},
		{DB: 0, Key: []byte("bk3"), Value: []byte("bv3"), XT: 2000000000},
	}
	recs, err := ReadGetBulkReply(reader(reply), nil)
	require.NoError(t, err)
	assert.Equal(t, want, recs)
	assert.Equal(t, reply, AppendGetBulkReply(nil, want))
}

func TestRemoveBulkGolden(t *testing.T) {
	m := &KeysRequest{Magic: MagicRemoveBulk, Flags: FlagNoReply, Keys: []BinRecord{{DB: 2, Key: []byte("k")}}}
	raw := m.Append(nil)
	assert.Equal(t, []byte{0xb9, 0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 1, 'k'}, raw)
	got, err := ReadRequest(reader(raw))
	require.NoError(t, err)
	assert.Equal(t, m, got)
	hits, err := ReadCountReply(reader(AppendCountReply(nil, MagicRemoveBulk, 7)), MagicRemoveBulk)
	require.NoError(t, err)
	assert.EqualValues(t, 7, hits)
}

func TestPlayScriptGolden(t *testing.T) {
	req := unhex(t, `
00000000  b4 00 00 00 00 00 00 00 04 00 00 00 02 65 63 68  |.............ech|
00000010  6f 00 00 00 01 00 00 00 01 61 31 00 00 00 02 00  |o........a1.....|
00000020  00 00 01 62 00 ff                                |...b..|`)
	m := &PlayScriptRequest{Name: []byte("echo"), Pairs: pairsOf("a", "1", "b\x00", "\xff")}
	assert.Equal(t, req, m.Append(nil))
	got, err := ReadRequest(reader(req))
	require.NoError(t, err)
	assert.Equal(t, m, got)

	reply := unhex(t, `
00000000  b4 00 00 00 03 00 00 00 01 00 00 00 01 61 31 00  |.............a1.|
00000010  00 00 02 00 00 00 01 62 00 ff 00 00 00 04 00 00  |.......b........|
00000020  00 02 74 68 69 64 31 34                          |..thid14|`)
	pairs, err := ReadPlayScriptReply(reader(reply))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "1", "b\x00", "\xff", "thid", "14"}, strPairs(pairs))
	assert.Equal(t, reply, AppendPlayScriptReply(nil, pairs))
}

func TestBinaryErrors(t *testing.T) {
	// golden 098: ksiz 0x20000000 > 256 MiB
	oversize := unhex(t, `
00000000  b8 00 00 00 00 00 00 00 01 00 00 20 00 00 00 00  |........... ....|
00000010  00 00 01 7f ff ff ff ff ff ff ff                 |...........|`)
	_, err := ReadRequest(reader(oversize))
	assert.True(t, errors.Is(err, ErrTooLarge), "%v", err)

	_, err = ReadRequest(reader([]byte{0xb7, 0, 0}))
	assert.True(t, errors.Is(err, ErrUnknownMagic), "%v", err)

	_, err = ReadRequest(reader(nil))
	assert.Equal(t, io.EOF, err)

	full := (&SetBulkRequest{Records: golden090Records()}).Append(nil)
	for n := 1; n < len(full); n++ {
		_, err = ReadRequest(reader(full[:n]))
		assert.Equal(t, io.ErrUnexpectedEOF, err, "cut at %d", n)
	}

	_, err = ReadCountReply(reader([]byte{MagicError}), MagicSetBulk)
	assert.True(t, errors.Is(err, ErrServer))
	_, err = ReadGetBulkReply(reader([]byte{MagicError}), nil)
	assert.True(t, errors.Is(err, ErrServer))
	_, err = ReadPlayScriptReply(reader([]byte{MagicError}))
	assert.True(t, errors.Is(err, ErrServer))
	_, err = ReadCountReply(reader([]byte("HTTP/1.1")), MagicSetBulk)
	assert.True(t, errors.Is(err, ErrMalformed))

	// a huge count with no data behind it must fail fast without a huge allocation
	allocs := testing.AllocsPerRun(5, func() {
		_, err = ReadGetBulkReply(reader([]byte{0xba, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x0f, 0xff, 0xff, 0xff}), nil)
	})
	assert.Equal(t, io.ErrUnexpectedEOF, err)
	assert.Less(t, allocs, 10.0)
}

func TestBinaryLargeValueRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB, beyond the arena
	recs := []BinRecord{{DB: 3, Key: []byte{}, Value: big, XT: 5}, {DB: 0, Key: []byte("k"), Value: []byte("v"), XT: XTNeverStored}}
	got, err := ReadGetBulkReply(reader(AppendGetBulkReply(nil, recs)), nil)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, big, got[0].Value)
	assert.Empty(t, got[0].Key)
	assert.Equal(t, recs[1], got[1])
}

func TestIsBinaryMagic(t *testing.T) {
	assert.True(t, IsBinaryMagic(0))
	assert.True(t, IsBinaryMagic(0xb8))
	assert.True(t, IsBinaryMagic(0x80))
	assert.False(t, IsBinaryMagic('P'))
	assert.False(t, IsBinaryMagic(0x7f))
}
