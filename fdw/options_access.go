package fdw

import (
	"strconv"
	"strings"
)

// Options that shape access paths (issue 6). They live in their own file
// and register themselves, so the option table stays one list per catalog.

// DefaultBatchSize is the rows per ExecForeignBatchInsert when no
// batch_size option is set and the keys are checked in the background
// (modify_deferred.go): larger batches only cost Postgres more slot copies.
const DefaultBatchSize = 100

// DefaultCheckedBatchSize is the default when each batch waits for its own
// get_bulk (ON CONFLICT DO NOTHING, AFTER INSERT triggers): fewer round trips.
const DefaultCheckedBatchSize = 1000

// MaxBatchSize bounds batch_size (rows Postgres buffers per batch insert).
const MaxBatchSize = 100000

func init() {
	validOptions[CatalogServer]["batch_size"] = checkBatchSize
	validOptions[CatalogTable]["batch_size"] = checkBatchSize
	validOptions[CatalogTable]["ordered"] = checkOrdered
}

// parseOnOff accepts what Postgres' defGetBoolean accepts.
func parseOnOff(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "yes", "1":
		return true, true
	case "false", "off", "no", "0":
		return false, true
	}
	return false, false
}

func checkOrdered(v string) (bool, string) {
	_, ok := parseOnOff(v)
	return ok, "Use 'true' when the KT database keeps keys in order (a tree database such as '%' or *.kct), else 'false'."
}

func parseBatchSize(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 1 && n <= MaxBatchSize
}

func checkBatchSize(v string) (bool, string) {
	_, ok := parseBatchSize(v)
	return ok, "The batch_size must be an integer between 1 and " + strconv.Itoa(MaxBatchSize) + "."
}

// AccessOptions are the options the planner and executor read.
type AccessOptions struct {
	Ordered   bool // the KT database is key-ordered (table option ordered)
	BatchSize int  // rows per batch insert: table, else server, else default
}

// ParseAccessOptions reads ordered and batch_size; the option lists have
// passed the validator, so bad values cannot occur (they fall back to the
// defaults).
func ParseAccessOptions(server, table []Option) AccessOptions {
	ao := AccessOptions{BatchSize: DefaultBatchSize}
	for _, list := range [][]Option{server, table} { // table wins
		for _, o := range list {
			switch o.Name {
			case "batch_size":
				if n, ok := parseBatchSize(o.Value); ok {
					ao.BatchSize = n
				}
			case "ordered":
				if b, ok := parseOnOff(o.Value); ok {
					ao.Ordered = b
				}
			}
		}
	}
	return ao
}

// InsertBatchSize is the rows per batched INSERT: the batch_size option (the
// table's, else the server's), else the default for how the batches are
// checked (checkedPerBatch: each waits for its own get_bulk).
func InsertBatchSize(server, table []Option, checkedPerBatch bool) int {
	n := DefaultBatchSize
	if checkedPerBatch {
		n = DefaultCheckedBatchSize
	}
	for _, list := range [][]Option{server, table} { // table wins
		for _, o := range list {
			if o.Name == "batch_size" {
				if v, ok := parseBatchSize(o.Value); ok {
					n = v
				}
			}
		}
	}
	return n
}
