package wire

import (
	"bytes"
	"io"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// golden 095, response 3: get_bulk of "nr" found with value "1", never expires
const golden095GetReply = `
00000000  ba 00 00 00 01 00 00 00 00 00 02 00 00 00 01 00  |................|
00000010  00 00 ff ff ff ff ff 6e 72 31                    |.......nr1|`

func TestReadGetOneReply(t *testing.T) {
	v, xt, found, err := ReadGetOneReply(reader(unhex(t, golden095GetReply)), []byte("nr"))
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "1", string(v))
	assert.Equal(t, XTNeverStored, xt)

	big := bytes.Repeat([]byte("v"), 3*arenaChunk+5)
	longKey := bytes.Repeat([]byte("k"), 5000) // longer than a small reader's buffer
	one := func(key, value []byte) []byte {
		return AppendGetBulkReply(nil, []BinRecord{{Key: key, Value: value, XT: 77}})
	}
	for _, tc := range []struct{ key, value []byte }{{longKey, big}, {[]byte(""), []byte("")}, {[]byte("k\x00"), []byte("\xff")}} {
		v, xt, found, err := ReadGetOneReply(reader(one(tc.key, tc.value)), tc.key)
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, tc.value, v)
		assert.EqualValues(t, 77, xt)
		if len(v) <= arenaChunk {
			assert.Equal(t, len(v), cap(v), "a small value has a buffer of its own size")
		}
	}

	_, _, found, err = ReadGetOneReply(reader(AppendGetBulkReply(nil, nil)), []byte("k"))
	require.NoError(t, err)
	assert.False(t, found, "hits 0: missing")

	_, _, _, err = ReadGetOneReply(reader([]byte{MagicError}), []byte("k"))
	assert.ErrorIs(t, err, ErrServer)

	two := AppendGetBulkReply(nil, []BinRecord{{Key: []byte("k")}, {Key: []byte("k")}})
	_, _, _, err = ReadGetOneReply(reader(two), []byte("k"))
	assert.ErrorIs(t, err, ErrMalformed)

	_, _, _, err = ReadGetOneReply(reader(one([]byte("other"), nil)), []byte("k"))
	assert.ErrorIs(t, err, ErrMalformed, "another key's length")
	_, _, _, err = ReadGetOneReply(reader(one([]byte("j"), nil)), []byte("k"))
	assert.ErrorIs(t, err, ErrMalformed, "another key of the same length")

	full := one([]byte("k"), []byte("value"))
	for cut := 1; cut < len(full); cut++ {
		_, _, _, err := ReadGetOneReply(reader(full[:cut]), []byte("k"))
		assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "cut at %d: %v", cut, err)
	}
}

func TestAppendGetOneRequest(t *testing.T) {
	m := KeysRequest{Magic: MagicGetBulk, Keys: []BinRecord{{DB: 3, Key: []byte("k\x00y")}}}
	assert.Equal(t, m.Append(nil), AppendGetOneRequest(nil, 3, []byte("k\x00y")))
}
