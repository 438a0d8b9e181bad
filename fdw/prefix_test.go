package fdw

import (
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfineKeepsScansInsidePrefix(t *testing.T) {
	tbl := fdwtype.Table{Prefix: []byte("r/")}
	k := func(s string) []byte { return []byte(s) }
	cases := []struct {
		name string
		in   ScanSpec
		want ScanSpec
	}{
		{"full scan becomes a prefix scan", ScanSpec{Kind: ScanFull}, ScanSpec{Kind: ScanPrefix, Prefix: k("r/")}},
		{"get", ScanSpec{Kind: ScanGet, Keys: [][]byte{k("a")}}, ScanSpec{Kind: ScanGet, Keys: [][]byte{k("r/a")}}},
		{"keys", ScanSpec{Kind: ScanKeys, Keys: [][]byte{k("a"), k("")}}, ScanSpec{Kind: ScanKeys, Keys: [][]byte{k("r/a"), k("r/")}}},
		{"LIKE prefix", ScanSpec{Kind: ScanPrefix, Prefix: k("ab")}, ScanSpec{Kind: ScanPrefix, Prefix: k("r/ab")}},
		{"empty LIKE prefix", ScanSpec{Kind: ScanPrefix}, ScanSpec{Kind: ScanPrefix, Prefix: k("r/")}},
		{"open range is clipped", ScanSpec{Kind: ScanRange},
			ScanSpec{Kind: ScanRange, Lo: Bound{Key: k("r/"), Set: true}, Hi: Bound{Key: k("r0"), Set: true, Exclusive: true}}},
		{"bounded range", ScanSpec{Kind: ScanRange, Lo: Bound{Key: k("b"), Set: true, Exclusive: true}, Hi: Bound{Key: k("c"), Set: true}},
			ScanSpec{Kind: ScanRange, Lo: Bound{Key: k("r/b"), Set: true, Exclusive: true}, Hi: Bound{Key: k("r/c"), Set: true}}},
		{"empty stays empty", ScanSpec{Kind: ScanGet, Empty: true}, ScanSpec{Kind: ScanGet, Empty: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := confine(tbl, c.in)
			assert.Equal(t, c.want, got)
			// every key the confined spec admits carries the prefix
			for _, key := range [][]byte{k("r/"), k("r/zz"), k("r"), k("s/a"), k("q/"), k("r0")} {
				if got.Kind != ScanGet && got.Kind != ScanKeys && got.matches(key) {
					assert.True(t, len(key) >= 2 && string(key[:2]) == "r/", "%q admitted", key)
				}
			}
		})
	}
	assert.Equal(t, ScanSpec{Kind: ScanFull}, confine(fdwtype.Table{}, ScanSpec{Kind: ScanFull}), "no prefix: unchanged")
}

func TestPrefixEndAndUnconfine(t *testing.T) {
	assert.Equal(t, []byte("r0"), prefixEnd([]byte("r/")))
	assert.Equal(t, []byte("b"), prefixEnd([]byte("a\xff\xff")))
	assert.Nil(t, prefixEnd([]byte("\xff")))

	tbl := fdwtype.Table{Prefix: []byte("p:")}
	rows := unconfine(tbl, []fdwtype.Record{{Key: []byte("p:a"), Value: []byte("1")}, {Key: []byte("x"), Value: []byte("2")}, {Key: []byte("p:")}})
	require.Len(t, rows, 2)
	assert.Equal(t, "a", string(rows[0].Key))
	assert.Equal(t, "", string(rows[1].Key))
	assert.Equal(t, "p:k", string(tbl.KTKey([]byte("k"))))
	assert.Equal(t, "k", tbl.DisplayKey([]byte("p:k")), "messages show the key column's value")
	assert.Nil(t, fdwtype.TablePrefix([]fdwtype.Option{{Name: "db", Value: "1"}}))
	assert.Equal(t, "p:", string(fdwtype.TablePrefix([]fdwtype.Option{{Name: "prefix", Value: "p:"}})))
	assert.NotNil(t, fdwtype.Validate(fdwtype.CatalogTable, []fdwtype.Option{{Name: "prefix", Value: ""}}))
	assert.Nil(t, fdwtype.Validate(fdwtype.CatalogTable, []fdwtype.Option{{Name: "prefix", Value: "rules/"}}))
}
