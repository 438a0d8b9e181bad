package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

// TestDemo runs the README's demo end to end, so the first command README
// gives cannot silently break.
func TestDemo(t *testing.T) {
	ok, where, err := pgcluster.ExtensionInstalled("kt_fdw")
	require.NoError(t, err)
	if !ok {
		t.Skipf("kt_fdw is not installed in %s: run `make install` first", where)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	err = runDemo(ctx, &out)
	t.Log(out.String())
	require.NoError(t, err)
	require.Contains(t, out.String(), "KT matches the rules table")
	require.Contains(t, out.String(), "block-tor-exits   deny:on")
	require.NotContains(t, out.String(), "oops ")
}
