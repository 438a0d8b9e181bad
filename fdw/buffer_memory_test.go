package fdw

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// heapAlloc is the live Go heap after a full collection.
func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBufferMemoryPerRecord guards the write buffer's compactness: a
// 1,000,000-row INSERT must not cost several times its data (a Go map of
// strings and slices took about 500 bytes per 110-byte record).
func TestBufferMemoryPerRecord(t *testing.T) {
	n := 1000000
	if testing.Short() {
		n = 100000
	}
	value := make([]byte, 100)
	before := heapAlloc()
	var b Buffer
	for i := 0; i < n; i++ {
		b.Set(1, []byte(fmt.Sprintf("k%09d", i)), value)
	}
	after := heapAlloc()
	payload := 10 + len(value)
	perRecord := float64(after-before) / float64(n)
	t.Logf("%d records of %d bytes: %.0f heap bytes per record", n, payload, perRecord)
	// a map[string]Change took 262 bytes per record here, the arena ~150
	assert.Less(t, perRecord, 1.5*float64(payload)+64)
	assert.Equal(t, n, b.Len())
	runtime.KeepAlive(&b)
}
