package fdw

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// BenchmarkApply commits 10,000 buffered records per iteration to a dev
// server: one ktfdwapply call (atomic) versus set_bulk (bulk), with and
// without conflict_check expectations.
func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct {
		name  string
		mode  ApplyMode
		check bool
	}{{"atomic", ApplyAtomic, false}, {"atomic+check", ApplyAtomic, true}, {"bulk", ApplyBulk, false}, {"bulk+check", ApplyBulk, true}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := ktdev.NewTestServer(b, ktdev.WithKTFDWScripts())
			host, portStr, err := net.SplitHostPort(srv.Addr())
			require.NoError(b, err)
			port, _ := strconv.Atoi(portStr)
			tbl := Table{
				Server: Server{OID: 9, Name: "kt", Opts: ServerOptions{Host: host, Port: port, Timeout: 10 * time.Second,
					ConnectTimeout: time.Second, Xact: XactOptions{Apply: bc.mode}}},
				Name: "kv", KeyCol: "key", DB: "0", ConflictCheck: bc.check,
			}
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			const n = 10000
			keys := make([][]byte, n)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("key%08d", i))
			}
			value := make([]byte, 100)
			b.SetBytes(n * (11 + 100))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				buf := be.writeBuffer(tbl)
				for _, k := range keys {
					if bc.check {
						// absent in the first round, then holding value
						be.expectationsFor(tbl).add(1, k, value, i == 0)
					}
					buf.Set(1, k, value)
				}
				if st := commitTB(b, be); st != nil {
					b.Fatal(st)
				}
			}
		})
	}
}

// commitTB is commit for benchmarks.
func commitTB(tb testing.TB, be *Backend) *Status {
	started, st := be.StartCommit()
	if st != nil || !started {
		return st
	}
	for {
		if finished, st := be.WaitCommit(10 * time.Millisecond); finished {
			be.EndXact()
			return st
		}
	}
}
