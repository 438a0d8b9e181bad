package ktscript

import (
	"github.com/cockroachdb/errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

func TestRequestRoundTrip(t *testing.T) {
	req := Request{
		DB: "1",
		Writes: []Write{
			{Key: []byte("b"), Value: []byte("2"), XT: 4102444800},
			{Key: []byte("a"), Remove: true},
			{Key: []byte("\x00bin"), Value: nil},
		},
		Checks: []Check{
			{Key: []byte("a"), Value: []byte("old")},
			{Key: []byte("n"), Absent: true},
		},
	}
	pairs := req.Pairs()
	var keys []string
	for _, p := range pairs {
		keys = append(keys, string(p.Key))
		require.NotNil(t, p.Value, "values are never nil (empty is sent)")
	}
	assert.Equal(t, []string{"An", "Ra", "S\x00bin", "Sb", "Va", "Xb", "db"}, keys, "sorted, tagged")

	got, err := DecodeRequest(req.Map())
	require.NoError(t, err)
	assert.Equal(t, "1", got.DB)
	assert.Equal(t, []Write{
		{Key: []byte("\x00bin"), Value: []byte{}},
		{Key: []byte("a"), Remove: true},
		{Key: []byte("b"), Value: []byte("2"), XT: 4102444800},
	}, got.Writes)
	assert.Equal(t, []Check{
		{Key: []byte("a"), Value: []byte("old")},
		{Key: []byte("n"), Absent: true},
	}, got.Checks)
}

func TestDecodeRequestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   map[string][]byte
		want string
	}{
		{"unknown tag", map[string][]byte{"Za": nil}, "unknown input"},
		{"expiration without set", map[string][]byte{"Xa": []byte("5"), "Sb": nil}, "expiration time but is not set"},
		{"expiration of a remove", map[string][]byte{"Xa": []byte("5"), "Ra": nil}, "expiration time but is not set"},
		{"bad expiration", map[string][]byte{"Xa": []byte("-5"), "Sa": nil}, "bad expiration time"},
		{"empty input key", map[string][]byte{"": nil}, "unknown input"},
		{"lowercase field", map[string][]byte{"dbx": nil}, "unknown input"},
		{"set and remove", map[string][]byte{"Sa": []byte("1"), "Ra": nil}, "both set and remove"},
		{"value and absence", map[string][]byte{"Va": []byte("1"), "Aa": nil}, "both an expected value and absence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRequest(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestReplyRoundTrip(t *testing.T) {
	tests := []Reply{
		{Status: StatusOK, Set: 3, Removed: 1, Tran: true},
		{Status: StatusOK},
		{Status: StatusConflict, Tran: true, Conflicts: []Conflict{
			{Key: []byte("a")},
			{Key: []byte("b\x00"), Exists: true, Value: []byte{}},
			{Key: []byte("c"), Exists: true, Value: []byte("now")},
		}},
		{Status: StatusError, Error: "no such database: 9"},
		{Status: StatusError, Error: "accept_bulk failed: disk", MaybeWritten: true},
	}
	for _, rep := range tests {
		t.Run(rep.Status+rep.Error, func(t *testing.T) {
			got, err := DecodeReplyMap(rep.Map())
			require.NoError(t, err)
			assert.Equal(t, rep, got)
		})
	}
}

func TestDecodeReplyErrors(t *testing.T) {
	tests := []struct {
		name  string
		pairs map[string]string
		want  string
	}{
		{"no status", map[string]string{"set": "1"}, "no status"},
		{"unknown status", map[string]string{"status": "maybe"}, "unknown status"},
		{"bad number", map[string]string{"status": "ok", "set": "x"}, "output set"},
		{"unknown field", map[string]string{"status": "ok", "extra": "1"}, "unknown output"},
		{"bad conflict state", map[string]string{"status": "conflict", "conflicts": "1", "Ca": "Q"}, "bad conflict state"},
		{"conflict count mismatch", map[string]string{"status": "conflict", "conflicts": "2", "Ca": "A"}, "says 2"},
		{"bad written", map[string]string{"status": "error", "error": "x", "written": "1"}, "bad output written"},
		{"conflict without keys", map[string]string{"status": "conflict", "conflicts": "0"}, "names 0 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pairs []wire.Pair
			for k, v := range tt.pairs {
				pairs = append(pairs, wire.Pair{Key: []byte(k), Value: []byte(v)})
			}
			_, err := DecodeReply(pairs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestReplyErr(t *testing.T) {
	assert.NoError(t, (&Reply{Status: StatusOK}).Err())

	err := (&Reply{Status: StatusConflict, Conflicts: []Conflict{{Key: []byte("k1"), Exists: true}, {Key: []byte("k2")}}}).Err()
	require.ErrorIs(t, err, ErrConflict)
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []byte("k1"), ce.Conflicts[0].Key)
	assert.Equal(t, `key "k1" holds another value (and 1 more)`, err.Error())

	err = (&Reply{Status: StatusError, Error: "no such database: 9"}).Err()
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrConflict)
	assert.Contains(t, err.Error(), "no such database: 9")
	assert.False(t, errors.Is(err, ErrMaybeWritten))

	err = (&Reply{Status: StatusError, Error: "accept_bulk failed: disk", MaybeWritten: true}).Err()
	require.True(t, errors.Is(err, ErrMaybeWritten))
	assert.Contains(t, err.Error(), "may have been applied")
	assert.Contains(t, err.Error(), "accept_bulk failed: disk")
}

func TestDecodeVersion(t *testing.T) {
	v, err := DecodeVersionPairs([]wire.Pair{{Key: []byte("impl"), Value: []byte("lua")}, {Key: []byte("procs"), Value: []byte("ktfdwapply ktfdwversion")}, {Key: []byte("version"), Value: []byte("3")}})
	require.NoError(t, err)
	assert.True(t, v.Compatible())
	assert.Equal(t, "lua", v.Impl)
	v, err = DecodeVersion(map[string][]byte{"version": []byte("2")})
	require.NoError(t, err)
	assert.False(t, v.Compatible(), "protocol 2 scripts do not answer every failure")
	v, err = DecodeVersion(map[string][]byte{"version": []byte("1")})
	require.NoError(t, err)
	assert.False(t, v.Compatible())
	_, err = DecodeVersion(map[string][]byte{"echo": []byte("x")})
	require.Error(t, err)
}
