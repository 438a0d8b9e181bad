package kt

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
)

// A refused redial after a pooled connection broke is marked ErrMaybeSent
// (the broken attempt may have delivered the request); a plain refusal is not.
func TestRefusedAfterStaleConnIsMaybeSent(t *testing.T) {
	c, target := newTestClient(t)
	kttest.RequireDev(t, "closes the server")
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "", b("k"), b("v"))) // leaves a pooled connection
	require.NoError(t, target.Dev.Close())

	err := c.Set(ctx, "", b("k"), b("w"))
	require.Error(t, err)
	var ne *NetError
	require.True(t, errors.As(err, &ne), "%v", err)
	assert.Equal(t, ConnRefused, ne.Kind)
	assert.True(t, errors.Is(err, ErrMaybeSent), "%v", err)

	// no pooled connection: nothing can have been sent
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	fresh, err := NewClient(Config{Addr: addr, ConnectTimeout: time.Second})
	require.NoError(t, err)
	defer fresh.Close()
	err = fresh.Set(ctx, "", b("k"), b("v"))
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrMaybeSent), "%v", err)
}
