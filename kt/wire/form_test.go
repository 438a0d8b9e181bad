package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDecodeForm(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"golden 035", "key=japan", []string{"key", "japan"}},
		{"golden 002 query", "b=x%09y&a=1", []string{"b", "x\ty", "a", "1"}},
		{"semicolon and empty pairs", "a=1;;b=2&", []string{"a", "1", "b", "2"}},
		{"missing = and extra =", "flag&k=v=w", []string{"flag", "", "k", "v=w"}},
		{"leading blanks skipped", " \ta=1", []string{"a", "1"}},
		{"plus and percent", "k=a+b%2Bc%2b", []string{"k", "a b+c+"}},
		{"golden 039 raw high bytes dropped", "k=\xe3\x81\x82x", []string{"k", "x"}},
		{"empty", "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, strPairs(DecodeForm(nil, []byte(tt.in))))
		})
	}
}

func TestSplitTarget(t *testing.T) {
	p, q := SplitTarget([]byte("/rpc/echo?a=1?b"))
	assert.Equal(t, "/rpc/echo", string(p))
	assert.Equal(t, "a=1?b", string(q))
	p, q = SplitTarget([]byte("/rpc/void"))
	assert.Equal(t, "/rpc/void", string(p))
	assert.Nil(t, q)
}
