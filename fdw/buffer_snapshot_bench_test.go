package fdw

import (
	"fmt"
	"testing"
)

// BenchmarkBufferSnapshot: the cost of a scan (re)start with 1,000,000
// buffered keys: unchanged buffer (a nested-loop rescan) and one write
// since the last snapshot (the copy-on-write clone). Flattening the buffer
// into a map took about 0.46 s per scan start.
func BenchmarkBufferSnapshot(b *testing.B) {
	var buf Buffer
	value := make([]byte, 100)
	for i := 0; i < 1000000; i++ {
		buf.Set(1, []byte(fmt.Sprintf("k%09d", i)), value)
	}
	b.Run("unchanged", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = buf.Snapshot()
		}
	})
	b.Run("after a write", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = buf.Snapshot()
			buf.Set(1, []byte("k000000001"), value)
		}
	})
}
