package fdw

import (
	"strconv"
	"strings"
)

// The server option buffer_memory: how many bytes of a transaction's
// buffered writes to one KT database stay in memory before the buffer
// spills to disk (spill.go). A plain number is bytes; kB, MB and GB
// (1024-based, as in postgresql.conf) are accepted.

const (
	optBufferMemory = "buffer_memory"
	// MinBufferMemory and MaxBufferMemory bound buffer_memory.
	MinBufferMemory = 8 << 10
	MaxBufferMemory = 1 << 40
)

func init() {
	validOptions[CatalogServer][optBufferMemory] = checkBufferMemory
}

func parseBufferMemory(v string) (int64, bool) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > MaxBufferMemory/mult {
		return 0, false
	}
	n *= mult
	return n, n >= MinBufferMemory && n <= MaxBufferMemory
}

func checkBufferMemory(v string) (bool, string) {
	_, ok := parseBufferMemory(v)
	return ok, "The buffer_memory must be a number of bytes (or with the unit kB, MB or GB) between 8kB and 1024GB."
}
