package fdw

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONRowRoundTrip(t *testing.T) {
	cols := []JSONColumn{
		{"n", CatNumber}, {"nan", CatNumber}, {"b", CatBool}, {"s", CatText}, {"j", CatJSON},
		{"a", CatArray}, {"null", CatText}, {"uni", CatText}, {"ts", CatText},
	}
	texts := [][]byte{
		[]byte("-12.50"), []byte("NaN"), []byte("t"), []byte("say \"hi\"\n\\"), []byte(`{"x": [1, null]}`),
		[]byte(`[["a b","c\"d"],[null,"e"]]`), nil, []byte("ü 日本 😀"), []byte("2024-01-02 03:04:05+00"),
	}
	v, err := EncodeJSONRow(cols, texts)
	require.NoError(t, err)
	assert.Equal(t, `{"n": -12.50, "nan": "NaN", "b": true, "s": "say \"hi\"\n\\", "j": {"x": [1, null]}, `+
		`"a": [["a b","c\"d"],[null,"e"]], "null": null, "uni": "ü 日本 😀", "ts": "2024-01-02 03:04:05+00"}`, string(v))

	back, err := DecodeJSONRow(cols, v)
	require.NoError(t, err)
	want := append([][]byte(nil), texts...)
	want[2] = []byte("true")                        // bool as JSON true
	want[5] = []byte(`{{"a b","c\"d"},{NULL,"e"}}`) // arrays come back as array literals
	assert.Equal(t, want, back)
}

func TestJSONRowDecodeLenient(t *testing.T) {
	cols := []JSONColumn{{"a", CatNumber}, {"b", CatBool}, {"missing", CatText}, {"arr", CatArray}}
	got, err := DecodeJSONRow(cols, []byte(`{"a": "7", "b": false, "extra": 1, "arr": [1, 2.5]}`))
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("7"), []byte("false"), nil, []byte(`{"1","2.5"}`)}, got)

	for _, bad := range []string{`[1]`, `"x"`, `nope`, `null`, ``} {
		_, err := DecodeJSONRow(cols, []byte(bad))
		assert.Error(t, err, bad)
	}
	_, err = EncodeJSONRow([]JSONColumn{{"j", CatJSON}}, [][]byte{[]byte("{bad")})
	assert.Error(t, err)
	_, err = EncodeJSONRow([]JSONColumn{{"s", CatText}}, [][]byte{{0xff}})
	assert.Error(t, err)
}
