package fdw

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
)

// A host list lists keys compactly too, failing over like any read.
func TestFailoverListKeys(t *testing.T) {
	f, a, b, _ := twoHosts(t)
	for _, k := range []string{"p1", "p2", "q"} {
		b.put("", k, "v")
	}
	a.err = errRefused
	l := &kt.KeyList{}
	complete, err := f.ListKeysInto(context.Background(), l, "", []byte("p"), -1, 0)
	require.NoError(t, err)
	assert.True(t, complete)
	assert.Equal(t, [][]byte{[]byte("p1"), []byte("p2")}, l.AppendKeys(nil, 0, l.Len()))
	assert.Equal(t, 1, a.count("match_prefix"))
	assert.Equal(t, 1, b.count("match_prefix"))
}
