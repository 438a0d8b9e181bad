package fdw

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// BenchmarkBufferInsertCommit buffers BENCH_ROWS-like 110-byte records as
// a 1,000,000-row INSERT does (a lookup, then a set per key) and drains
// them as the commit does, in memory (budget 1 TB) and spilling at the
// default budget:
//
//	go test ./fdw -run '^$' -bench BufferInsertCommit -benchtime 1x
func BenchmarkBufferInsertCommit(b *testing.B) {
	const rows = 1000000
	value := make([]byte, 100)
	for _, budget := range []int64{fdwtype.MaxBufferMemory, DefaultBufferMemory} {
		b.Run(fmt.Sprintf("budget=%d", budget), func(b *testing.B) {
			for range b.N {
				buf := &Buffer{budget: budget}
				key := make([]byte, 0, 16)
				for i := range rows {
					key = strconv.AppendInt(key[:0], int64(i+1), 10)
					if _, ok := buf.Lookup(key); ok {
						b.Fatal("duplicate")
					}
					buf.Set(1, key, value)
				}
				it := buf.FinalIter()
				n := 0
				for {
					sets, removes, st := it.Next(4 * fdwtype.DefaultApplyBatch)
					if st != nil {
						b.Fatal(st)
					}
					if len(sets)+len(removes) == 0 {
						break
					}
					n += len(sets)
				}
				if n != rows {
					b.Fatal(n)
				}
				b.ReportMetric(float64(buf.SpilledBytes())/1e6, "spilledMB")
				runs := 0
				for _, l := range buf.levels {
					runs += len(l.segs)
				}
				b.ReportMetric(float64(runs), "runs")
				buf.Release()
			}
		})
	}
}
