package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// A Go runtime does not survive fork: kt_fdw in shared_preload_libraries
// must stop the postmaster with a clear message.
func TestSharedPreloadIsRefused(t *testing.T) {
	pgtest.RequireExtension(t)
	c, err := pgcluster.Start(pgcluster.Config{Settings: map[string]string{
		"shared_preload_libraries": "'kt_fdw'",
	}})
	if err == nil {
		_ = c.Stop()
	}
	require.Error(t, err, "a cluster preloading kt_fdw must not start")
	t.Logf("start error: %v", err)
	assert.Contains(t, err.Error(), "shared_preload_libraries", "the log explains why")
	assert.Contains(t, err.Error(), "kt_fdw")
}
