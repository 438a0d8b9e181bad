package pgtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m, pgtest.Setting("max_prepared_transactions", "2")) }

func TestSharedClusterSettingsAndDB(t *testing.T) {
	c := pgtest.Shared(t)
	db := c.CreateDB(t)
	conn := c.ConnDB(t, db)
	var got, mpt string
	require.NoError(t, conn.QueryRow(context.Background(),
		"select current_database(), current_setting('max_prepared_transactions')").Scan(&got, &mpt))
	require.Equal(t, db, got)
	require.Equal(t, "2", mpt)
}

func TestStartPerTestCluster(t *testing.T) {
	c := pgtest.Start(t, pgtest.Setting("work_mem", "'8MB'"))
	var wm string
	require.NoError(t, c.Conn(t).QueryRow(context.Background(), "show work_mem").Scan(&wm))
	require.Equal(t, "8MB", wm)
	require.NotEqual(t, pgtest.Shared(t).Port, c.Port, "its own cluster")
}
