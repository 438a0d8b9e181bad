package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func pairsOf(kv ...string) []Pair {
	var out []Pair
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Pair{Key: []byte(kv[i]), Value: []byte(kv[i+1])})
	}
	return out
}

func strPairs(ps []Pair) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, string(p.Key), string(p.Value))
	}
	return out
}

func TestDecodeTSV(t *testing.T) {
	tests := []struct {
		name string
		enc  Encoding
		body string
		want []string
	}{
		{"golden 036 rules", Raw, "a\tfirst\na\tsecond\nnotabline\nt\tx\ty\r\n",
			[]string{"a", "first", "a", "second", "t", "x\ty"}},
		{"no trailing LF, empty value, empty key", Raw, "k\t\n\tv", []string{"k", "", "", "v"}},
		{"empty body", Raw, "", []string{}},
		{"golden 030 B", Base64, "a2V5\tYmluCWtleQoA\ndmFsdWU=\tAAEC//4KCQ0=\n",
			[]string{"key", "bin\tkey\n\x00", "value", "\x00\x01\x02\xff\xfe\n\t\r"}},
		{"golden 002 U", URL, "a\t1\nb\tx%09y\n", []string{"a", "1", "b", "x\ty"}},
		{"golden 038 reply U", URL, "%a6V%a2%00%00%27\t%03%27%ac\nkey\tval\n",
			[]string{"\xa6V\xa2\x00\x00'", "\x03'\xac", "key", "val"}},
		{"golden 032 Q", QuotedPrintable, "q=09key\ta=3Db\n", []string{"q\tkey", "a=b"}},
		{"CR stripped before decode", Base64, "YQ==\tYg==\r\n", []string{"a", "b"}},
		{"golden 012 error", Raw, "ERROR\tDB: 7: no record: no record\n",
			[]string{"ERROR", "DB: 7: no record: no record"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecodeTSV(nil, []byte(tt.body), tt.enc)
			assert.Equal(t, tt.want, strPairs(got))
		})
	}
}

func TestDecodeTSVResultsDoNotOverlap(t *testing.T) {
	got := DecodeTSV(nil, []byte("YQ==\tYg==\nYw==\tZA==\n"), Base64)
	got[0].Key = append(got[0].Key, 'X')
	assert.Equal(t, []string{"aX", "b", "c", "d"}, strPairs(got))
}

func TestTSVRoundTrip(t *testing.T) {
	in := pairsOf("key", "bin\tkey\n\x00", "", "", "é", "\r\n", "x", "y\tz")
	for _, enc := range []Encoding{Base64, URL, QuotedPrintable} {
		var body []byte
		for _, p := range in {
			body = AppendTSVPair(body, enc, p.Key, p.Value)
		}
		assert.Equal(t, TSVLen(enc, in), len(body))
		assert.Equal(t, strPairs(in), strPairs(DecodeTSV(nil, body, enc)), "enc %v", enc)
	}
}

func TestParseContentType(t *testing.T) {
	tests := []struct {
		in   string
		kind BodyKind
		enc  Encoding
	}{
		{"text/tab-separated-values", BodyTSV, Raw},
		{"text/tab-separated-values; colenc=B", BodyTSV, Base64},
		{"TEXT/Tab-Separated-Values; COLENC=\"b\"", BodyTSV, Base64},
		{"text/tab-separated-values;colenc=u", BodyTSV, URL},
		{"text/tab-separated-values; charset=utf-8 colenc = 'Q'", BodyTSV, QuotedPrintable},
		{"text/tab-separated-values; colenc=X", BodyTSV, Raw},
		{"text/tab-separated-values; colenc=", BodyTSV, Raw},
		{"application/x-www-form-urlencoded", BodyForm, Raw},
		{"application/x-www-form-urlencoded; charset=utf-8", BodyForm, Raw},
		{"text/plain", BodyIgnored, Raw},
		{"", BodyIgnored, Raw},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			kind, enc := ParseContentType([]byte(tt.in))
			assert.Equal(t, tt.kind, kind)
			assert.Equal(t, tt.enc, enc)
		})
	}
	for _, enc := range []Encoding{Raw, Base64, URL, QuotedPrintable} {
		kind, got := ParseContentType([]byte(ContentType(enc)))
		assert.Equal(t, BodyTSV, kind)
		assert.Equal(t, enc, got)
	}
}
