package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendEncoded(t *testing.T) {
	tests := []struct {
		name string
		enc  Encoding
		in   string
		want string
	}{
		{"raw", Raw, "a\tb", "a\tb"},
		{"B golden 030 key", Base64, "key", "a2V5"},
		{"B golden 030 value", Base64, "\x00\x01\x02\xff\xfe\n\t\r", "AAEC//4KCQ0="},
		{"B empty", Base64, "", ""},
		{"U golden 002", URL, "x\ty", "x%09y"},
		{"U lower-case hex, = escaped (golden 032)", URL, "a=b", "a%3db"},
		{"U unreserved kept", URL, "Az09_.~-", "Az09_.~-"},
		{"U space plus high", URL, " +\xff", "%20%2b%ff"},
		{"Q upper-case hex", QuotedPrintable, "q\tkey=\xff ok", "q=09key=3D=FF ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendEncoded([]byte("pre"), tt.enc, []byte(tt.in))
			assert.Equal(t, "pre"+tt.want, string(got))
			assert.Equal(t, len(tt.want), EncodedLen(tt.enc, []byte(tt.in)))
		})
	}
}

func TestAppendDecoded(t *testing.T) {
	tests := []struct {
		name string
		enc  Encoding
		in   string
		want string
	}{
		{"B golden 030", Base64, "YmluCWtleQoA", "bin\tkey\n\x00"},
		{"B padding", Base64, "dmFsdWU=", "value"},
		{"B two pad", Base64, "YQ==", "a"},
		{"B skips junk", Base64, "Y Q\n=\t=", "a"},
		// golden 038: KC's decoder emits 3 bytes of a short final quartet
		{"B quirky short quartet (golden 038 key)", Base64, "plain", "\xa6V\xa2\x00\x00'"},
		{"B quirky 3 chars (golden 038 value)", Base64, "yes", "\x03'\xac"},
		{"B stops after =", Base64, "YQ==YQ==", "a"},
		{"B stops at NUL", Base64, "YQ==\x00YQ", "a"},
		{"U golden 031", URL, "a%09b", "a\tb"},
		{"U either case", URL, "%3d%3D%e3%81%82", "==\xe3\x81\x82"},
		{"U plus is space", URL, "a+b", "a b"},
		{"U drops raw control, space, del, high", URL, "a b\tc\x7fd\xe3e", "abcde"},
		{"U truncated escape ends output", URL, "ab%4", "ab"},
		{"U lone percent", URL, "ab%", "ab"},
		{"U bad hex digits", URL, "%zz%4z", "\x00\x04"},
		{"Q golden 032", QuotedPrintable, "q=09key", "q\tkey"},
		{"Q keeps space and plus, drops high", QuotedPrintable, "a b+c\xffd", "a b+cd"},
		{"Q soft line breaks", QuotedPrintable, "a=\r\nb=\nc=\rd", "abcd"},
		{"raw", Raw, "a\x00b", "a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendDecoded(nil, tt.enc, []byte(tt.in))
			assert.Equal(t, []byte(tt.want), append([]byte{}, got...))
		})
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, enc := range []Encoding{Raw, Base64, URL, QuotedPrintable} {
		for n := 0; n <= 8; n++ {
			in := all[:n]
			if enc == Raw {
				in = all[256-n:]
			}
			got := AppendDecoded(nil, enc, AppendEncoded(nil, enc, in))
			require.Equal(t, in, append([]byte{}, got...), "enc %v n %d", enc, n)
		}
		got := AppendDecoded(nil, enc, AppendEncoded(nil, enc, all))
		require.Equal(t, all, got, "enc %v", enc)
	}
}

func TestEncodingFromLetter(t *testing.T) {
	assert.Equal(t, Base64, EncodingFromLetter('b'))
	assert.Equal(t, QuotedPrintable, EncodingFromLetter('Q'))
	assert.Equal(t, URL, EncodingFromLetter('u'))
	assert.Equal(t, Raw, EncodingFromLetter('x'))
	assert.Equal(t, "B", Base64.String())
	assert.Equal(t, "raw", Raw.String())
}
