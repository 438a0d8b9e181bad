package fdw

import (
	"sync"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Row counts for the planner. Planning never contacts KT, so the count of
// a KT database is only known after a full scan of it in this backend read
// every record; it is trusted for rowCountTTL.
const rowCountTTL = 5 * time.Minute

type rowCount struct {
	n    int64
	seen time.Time
}

var rowCounts = struct {
	sync.Mutex
	m map[fdwtype.Target]rowCount
}{m: map[fdwtype.Target]rowCount{}}

// now is replaced by tests.
var now = time.Now

// rememberRowCount records that a full scan of t saw n records.
func rememberRowCount(t fdwtype.Target, n int64) {
	rowCounts.Lock()
	defer rowCounts.Unlock()
	rowCounts.m[t] = rowCount{n: n, seen: now()}
}

// CachedRowCount is the record count of a table's KT database seen by a
// recent full scan in this backend; ok=false when unknown or stale.
func CachedRowCount(t fdwtype.Table) (n int64, ok bool) {
	rowCounts.Lock()
	defer rowCounts.Unlock()
	c, ok := rowCounts.m[t.Target()]
	if !ok || now().Sub(c.seen) > rowCountTTL {
		return 0, false
	}
	return c.n, true
}
