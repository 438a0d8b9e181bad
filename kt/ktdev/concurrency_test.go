package ktdev_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// TestConcurrentClients runs writers, readers, binary bulk and cursor scans
// on the same databases at once (meaningful under -race).
func TestConcurrentClients(t *testing.T) {
	srv := ktdev.NewTestServer(t)
	const workers, rounds = 6, 60
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := dialRaw(t, srv.Addr())
			for i := 0; i < rounds; i++ {
				key := fmt.Sprintf("w%d-%d", w, i)
				switch w % 3 {
				case 0:
					if code, body := c.call("set", "DB=1&key="+key+"&value=v"); code != 200 {
						errs <- fmt.Errorf("set: %d %s", code, body)
					}
					c.call("remove", "DB=1&key="+fmt.Sprintf("w%d-%d", w, i/2))
				case 1:
					req := &wire.SetBulkRequest{Records: []wire.BinRecord{{DB: 0, Key: []byte(key), Value: []byte("v"), XT: wire.XTNever}}}
					c.write(string(req.Append(nil)))
					if _, err := wire.ReadCountReply(c.br, wire.MagicSetBulk); err != nil {
						errs <- err
					}
				case 2:
					cur := fmt.Sprint(i)
					c.call("cur_jump", "DB=1&CUR="+cur)
					for j := 0; j < 5; j++ {
						code, _ := c.call("cur_get", "CUR="+cur+"&step=")
						if code != 200 && code != 450 {
							errs <- fmt.Errorf("cur_get: %d", code)
						}
					}
					c.call("cur_delete", "CUR="+cur)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int64(2*rounds), srv.DB("0").Count())
}
