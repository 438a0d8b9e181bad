package fdw

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
)

// BenchmarkApply commits 10,000 buffered records per iteration to a dev
// server: one ktfdwapply call (atomic) versus set_bulk (bulk), with and
// without conflict_check expectations; and 200,000 records (several
// chunks).
func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct {
		name  string
		mode  fdwtype.ApplyMode
		check bool
		n     int
	}{
		{"atomic", fdwtype.ApplyAtomic, false, 10000}, {"atomic+check", fdwtype.ApplyAtomic, true, 10000},
		{"bulk", fdwtype.ApplyBulk, false, 10000}, {"bulk+check", fdwtype.ApplyBulk, true, 10000},
		// several chunks: atomic in apply_batch chunks, bulk over binary
		{"atomic-200k", fdwtype.ApplyAtomic, false, 200000}, {"bulk-200k", fdwtype.ApplyBulk, false, 200000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := ktdev.NewTestServer(b, ktdev.WithKTFDWScripts())
			host, portStr, err := net.SplitHostPort(srv.Addr())
			require.NoError(b, err)
			port, _ := strconv.Atoi(portStr)
			tbl := fdwtype.Table{
				Server: fdwtype.Server{OID: 9, Name: "kt", Opts: fdwtype.ServerOptions{Host: host, Port: port, Timeout: 10 * time.Second,
					ConnectTimeout: time.Second, Xact: fdwtype.XactOptions{Apply: bc.mode}}},
				Name: "kv", KeyCol: "key", DB: "0", ConflictCheck: bc.check,
			}
			be := NewBackend(DialKT)
			defer be.Conns.CloseAll()
			n := bc.n
			keys := make([][]byte, n)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("key%08d", i))
			}
			value := make([]byte, 100)
			b.SetBytes(int64(n) * (11 + 100))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer() // the commit alone
				buf := be.writeBuffer(tbl)
				for _, k := range keys {
					if bc.check {
						// absent in the first round, then holding value
						be.expectationsFor(tbl).add(1, k, value, i == 0)
					}
					buf.Set(1, k, value)
				}
				b.StartTimer()
				if st := commitTB(b, be); st != nil {
					b.Fatal(st)
				}
			}
		})
	}
}

// commitTB is commit for benchmarks.
func commitTB(tb testing.TB, be *Backend) *fdwtype.Status {
	started, st := be.StartCommit()
	if st != nil || !started {
		if st == nil {
			be.EndXact()
		}
		return st
	}
	for {
		if finished, st := be.WaitCommit(10 * time.Millisecond); finished {
			be.EndXact()
			return st
		}
	}
}

// BenchmarkApplyBinaryChunk sends 200,000 records of 100 bytes with binary
// set_bulk in chunks of 10,000 and of 50,000 (binaryApplyChunk), and with
// HTTP set_bulk (atomic) in chunks of 10,000 for comparison.
func BenchmarkApplyBinaryChunk(b *testing.B) {
	srv := ktdev.NewTestServer(b)
	host, portStr, err := net.SplitHostPort(srv.Addr())
	require.NoError(b, err)
	port, _ := strconv.Atoi(portStr)
	tbl := fdwtype.Table{Server: fdwtype.Server{OID: 9, Name: "kt", Opts: fdwtype.ServerOptions{Host: host, Port: port, Timeout: 10 * time.Second,
		ConnectTimeout: time.Second}}, Name: "kv", KeyCol: "key", DB: "0"}
	r, err := DialKT(tbl.Server.Opts)
	require.NoError(b, err)
	defer r.Close()
	const n = 200000
	sets := make([]fdwtype.Record, n)
	value := make([]byte, 100)
	for i := range sets {
		sets[i] = fdwtype.Record{Key: []byte(fmt.Sprintf("key%08d", i)), Value: value}
	}
	for _, bc := range []struct {
		name   string
		chunk  int
		binary bool
	}{{"binary-10000", 10000, true}, {"binary-20000", 20000, true}, {"binary-50000", 50000, true}, {"http-10000", 10000, false}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(n * (11 + 100))
			for i := 0; i < b.N; i++ {
				var st *fdwtype.Status
				if bc.binary {
					st = applyBinary(context.Background(), tbl, r.(BinaryBulkRemote), sets, nil, bc.chunk)
				} else {
					for j := 0; j < n && st == nil; j += bc.chunk {
						st = call(context.Background(), opContext(tbl, "set_bulk"), func(ctx context.Context) error {
							return r.SetBulk(ctx, tbl.DB, sets[j:j+bc.chunk])
						})
					}
				}
				if st != nil {
					b.Fatal(st)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
