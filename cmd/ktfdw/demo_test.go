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
	// the dev server has kt_fdw.lua's procedures, so commits take the atomic path
	require.Contains(t, out.String(), "one call of kt_fdw.lua's ktfdwapply")
	require.NotContains(t, out.String(), "oops ")
	// the reconcile half: nothing, then exactly the injected drift, repaired
	require.Contains(t, out.String(), "2 source rows, 2 KT keys: 0 missing, 0 extra, 0 differing\n")
	require.Contains(t, out.String(), "1 missing, 1 extra, 1 differing; 3 repaired")
	require.Contains(t, out.String(), "KT matches the rules table again.")
	// the sync half: the copy from the slot's snapshot, then the stream
	require.Contains(t, out.String(), "copy: rules: 2/2 rows (100%)")
	require.Contains(t, out.String(), "geo-fence         deny:on")
	require.Contains(t, out.String(), "KT matches the rules table again, through ktfdw sync.")
}
