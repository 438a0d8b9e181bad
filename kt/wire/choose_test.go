package wire

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestChooseReplyEncoding(t *testing.T) {
	tests := []struct {
		name  string
		pairs []Pair
		want  Encoding
	}{
		{"plain (golden 011)", pairsOf("value", "tokyo"), Raw},
		{"empty", nil, Raw},
		{"high bytes stay raw (golden 034)", pairsOf("value", "\xe6\x9d\xb1\xe4\xba\xac"), Raw},
		{"TAB -> U (golden 002)", pairsOf("a", "1", "b", "x\ty"), URL},
		{"TAB -> U (golden 036)", pairsOf("a", "second", "q", "1", "t", "x\ty"), URL},
		{"binary -> B (golden 030)", pairsOf("value", "\x00\x01\x02\xff\xfe\n\t\r"), Base64},
		{"garbage -> U (golden 038)", pairsOf("\xa6V\xa2\x00\x00'", "\x03'\xac", "key", "val"), URL},
		{"long plain -> U (golden 033)", pairsOf("v", strings.Repeat("a", 300)), URL},
		{"255 bytes stay raw", pairsOf("v", strings.Repeat("a", 255)), Raw},
		{"DEL forces encoding", pairsOf("k", "\x7f"), URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ChooseReplyEncoding(tt.pairs))
		})
	}
}

func TestChooseRequestEncoding(t *testing.T) {
	tests := []struct {
		name  string
		pairs []Pair
		want  Encoding
	}{
		{"plain raw", pairsOf("key", "japan", "value", "tokyo"), Raw},
		{"high bytes and spaces raw", pairsOf("key", "a b \xe3\x81\x82"), Raw},
		{"one TAB, mostly text -> Q (spaces free in Q)", pairsOf("key", "hello world\tand more words here"), QuotedPrintable},
		{"one TAB, identifier text -> U or Q tie picks U", pairsOf("key", "abc\tdef"), URL},
		{"binary -> B", pairsOf("key", "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"), Base64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ChooseRequestEncoding(tt.pairs)
			assert.Equal(t, tt.want, got)
			// the choice is never bigger than any alternative that is safe
			size := TSVLen(got, tt.pairs)
			for _, alt := range []Encoding{Base64, URL, QuotedPrintable} {
				assert.LessOrEqual(t, size, TSVLen(alt, tt.pairs), "vs %v", alt)
			}
		})
	}
}
