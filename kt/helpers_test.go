package kt

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
)

// newTestClient connects to the test server (dev server, or KT_TEST_ADDR)
// and clears the DBs the tests use.
func newTestClient(t testing.TB) (*Client, kttest.Target) {
	t.Helper()
	target := kttest.Start(t)
	c, err := NewClient(Config{Addr: target.Addr, OpTimeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	for _, db := range kttest.DBs {
		err := c.Clear(context.Background(), db)
		var nd *NoSuchDBError
		if target.Dev == nil && errors.As(err, &nd) {
			continue // a real KT laid out '*' '%' (README) has no ':'; the tests use '*' and '%'
		}
		require.NoError(t, err)
	}
	return c, target
}

func b(s string) []byte { return []byte(s) }

func appendB64(dst, src []byte) []byte {
	return base64.StdEncoding.AppendEncode(dst, src)
}
