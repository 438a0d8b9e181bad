package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitTriggerArgs(t *testing.T) {
	assert.Equal(t, []string{"rules_kt"}, splitTriggerArgs([]byte("rules_kt\x00")))
	assert.Equal(t, []string{"s.t", "", "val"}, splitTriggerArgs([]byte("s.t\x00\x00val\x00")))
}

func TestKindOf(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		want *string
		cur  string
		inKT bool
		kind string
	}{
		{s("a"), "", false, diffMissing},
		{nil, "a", true, diffExtra},
		{s("a"), "b", true, diffDiffering},
		{s("a"), "a", true, ""},
		{nil, "", false, ""},
		{s(""), "", true, ""},
	} {
		assert.Equal(t, c.kind, kindOf(c.want, c.cur, c.inKT), "%+v", c)
	}
}

func TestReconcileFlags(t *testing.T) {
	var stderr bytes.Buffer
	_, err := parseReconcileFlags([]string{"-repair"}, &stderr)
	require.Error(t, err, "no -source")
	assert.Contains(t, stderr.String(), "usage: ktfdw reconcile")

	o, err := parseReconcileFlags([]string{"-source", "rules", "-batch", "50", "-repair"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, "rules", o.source)
	assert.Equal(t, 50, o.batch)
	assert.True(t, o.repair)
	assert.Equal(t, 20, o.list)
	assert.False(t, o.jsonOut)

	o, err = parseReconcileFlags([]string{"-source", "rules", "-json", "-row-json", "-quiet", "-progress-every", "1m"}, &stderr)
	require.NoError(t, err)
	assert.True(t, o.jsonOut, "-json: the summary as JSON")
	assert.True(t, o.rowJSON, "-row-json: the value compared is the row as JSON")
	assert.True(t, o.quiet)
	assert.Equal(t, time.Minute, o.every)
}

func TestSpecSQLQuotes(t *testing.T) {
	s := &syncSpec{Source: `"Odd ""src"""`, Target: "public.kt", KeyCol: `k"ey`, KeyType: "integer",
		ValueCol: "v;drop", FTKey: "key", FTKeyType: "text", FTVal: "value", FTValType: "text"}
	q := s.sourceBatchSQL(false, 10)
	assert.Contains(t, q, `s."k""ey" > $1::text::integer`)
	assert.Contains(t, q, `s."v;drop"::text`)
	assert.Contains(t, q, "LIMIT 10")
	assert.Contains(t, s.sourceByKeysSQL(), "FOR SHARE OF s")

	var res reconcileResult
	res.listMax = 1
	res.add(diffMissing, "a")
	res.add(diffExtra, "b")
	var out bytes.Buffer
	printReconcile(&out, s, &res, true)
	assert.Equal(t, "missing   a\n... and 1 more\n"+
		`"Odd ""src""" -> public.kt: 0 source rows, 0 KT keys: 1 missing, 1 extra, 0 differing; 0 repaired`+"\n", out.String())
}
