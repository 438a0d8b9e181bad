package fdw

import (
	"context"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// Small duplicate checks on the calling goroutine, like a point lookup
// (scan_getnow.go): a one-row INSERT (a synced trigger's, say) would
// otherwise pay a goroutine start and the hand-offs of Go's locked callback
// thread, which cost a backend more than the KT round trip itself.

// checkNowMaxKeys: larger groups go to the goroutine, where a KT that needs
// longer than getNowBudget does not make the check start over.
const checkNowMaxKeys = 1000

// checkNow runs fn on the calling goroutine with a deadline of getNowBudget,
// the reply awaited in poll(2) on the backend's thread (kt.WithThreadWait).
// It returns false, and the caller starts the usual goroutine (which
// repeats the read with the server's timeout, retries and error reporting),
// on any error, the budget's timeout included, and for remotes it must not
// time out early: failover lists (a slow host must not be marked down) and
// a server timeout under the budget (a real timeout must be reported as one).
func (m *Modify) checkNow(r Remote, op string, fn func(ctx context.Context) error) bool {
	if _, ok := r.(ktRemote); !ok {
		return false
	}
	oc := opContext(m.table, op)
	if oc.Timeout > 0 && oc.Timeout < getNowBudget {
		return false
	}
	ctx := kt.WithThreadWait(deadlineCtx{context.Background(), time.Now().Add(getNowBudget)})
	if fn(ctx) != nil {
		return false
	}
	countCall(oc, 1, false)
	return true
}

// firstFound is the first of keys that recs (a get_bulk's answer) holds;
// ok=false when it holds none (the key found may be the empty key).
func firstFound(keys [][]byte, recs []fdwtype.Record) (key []byte, ok bool) {
	if len(recs) == 0 {
		return nil, false
	}
	inKT := make(map[string]bool, len(recs))
	for _, rec := range recs {
		inKT[string(rec.Key)] = true
	}
	for _, k := range keys {
		if inKT[string(k)] {
			return k, true
		}
	}
	return nil, false
}

// finishGroupNow checks the last, small group of a statement on the calling
// goroutine; ok=false: it could not, use sendGroup.
func (m *Modify) finishGroupNow() (res ModifyResult, st *fdwtype.Status, ok bool) {
	if m.flight != nil || m.group.len() > checkNowMaxKeys {
		return 0, nil, false
	}
	r, st := m.be.remote(m.table.Server)
	if st != nil {
		return ModifyError, st, true
	}
	keys := m.group.keys()
	var recs []fdwtype.Record
	if !m.checkNow(r, "get_bulk", func(ctx context.Context) error {
		var err error
		recs, err = r.GetBulk(ctx, m.table.DB, keys)
		return err
	}) {
		return 0, nil, false
	}
	m.group = keyGroup{}
	if k, found := firstFound(keys, recs); found {
		return ModifyError, m.table.DuplicateKey(k, false), true
	}
	return ModifyDone, nil, true
}
