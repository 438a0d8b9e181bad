package kt

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/golden"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// The compact decoder reads every match_* reply a real ktserver sent like
// the pair decoder does: the same keys, in rank order.
func TestGoldenListKeys(t *testing.T) {
	var checked int
	for _, tr := range golden.Load(t) {
		for _, ex := range tr.Exchanges {
			if ex.Binary || ex.NoResponse || !bytes.HasPrefix(ex.Request, []byte("POST /rpc/match_")) {
				continue
			}
			name := fmt.Sprintf("%s#%d", tr.Name, ex.N)
			br := bufio.NewReader(bytes.NewReader(ex.Response))
			var rp reply
			var got bool
			n, err := readHead(br, &rp, &got)
			require.NoError(t, err, name)
			if rp.Status != 200 {
				continue
			}
			body, err := io.ReadAll(io.LimitReader(br, n))
			require.NoError(t, err, name)

			want := rankedKeys(t, name, wire.DecodeTSV(nil, body, rp.Enc))

			var l KeyList
			complete, err := decodeKeyList(bytes.NewReader(body), rp.Enc, 0, &l)
			require.NoError(t, err, name)
			assert.True(t, complete, name)
			assert.Equal(t, len(want), l.Len(), name)
			for i := range want {
				assert.Equal(t, want[i], l.Key(i), "%s key %d", name, i)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 2, "match_* replies in the transcripts")
}

// rankedKeys is an independent reading of a match reply: the "_" pairs
// sorted by their rank.
func rankedKeys(t *testing.T, name string, pairs []wire.Pair) [][]byte {
	type ranked struct {
		rank int
		key  []byte
	}
	var rs []ranked
	for _, p := range pairs {
		if len(p.Key) == 0 || p.Key[0] != '_' {
			continue
		}
		r, err := strconv.Atoi(string(p.Value))
		require.NoError(t, err, name)
		rs = append(rs, ranked{r, p.Key[1:]})
	}
	slices.SortFunc(rs, func(a, b ranked) int { return a.rank - b.rank })
	out := make([][]byte, len(rs))
	for i, r := range rs {
		out[i] = r.key
	}
	return out
}
