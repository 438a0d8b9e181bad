package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJoinMatchesConcatenation(t *testing.T) {
	prefixes := []string{"", "_", "ab", "abc", "abcd", "x\ty=", "_\x00"}
	bodies := [][]byte{nil, {}, []byte("k"), []byte("ke"), []byte("key"), []byte("\x00\xff\n=+ %"), []byte("0123456789")}
	for _, a := range prefixes {
		for _, b := range bodies {
			whole := append([]byte(a), b...)
			for _, enc := range []Encoding{Raw, Base64, URL, QuotedPrintable} {
				assert.Equal(t, string(AppendEncoded(nil, enc, whole)), string(AppendEncodedJoin(nil, enc, a, b)), "%q+%q %v", a, b, enc)
				assert.Equal(t, EncodedLen(enc, whole), EncodedLenJoin(enc, a, b), "%q+%q %v", a, b, enc)
			}
			var r1, r2 RequestEncoding
			r1.Add(whole)
			r2.AddJoin(a, b)
			assert.Equal(t, r1, r2)
		}
	}
}
