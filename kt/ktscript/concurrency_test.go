package ktscript_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// TestApplyConcurrent runs batch applies (some with preconditions), plain
// sets and removes, and atomic snapshot readers on the same 10 keys at once.
// Every batch writes one tag to all 10 keys and plain writers write "p..."
// tags, so in any atomic snapshot the batch-written values present must all
// be equal; a half-applied batch would show two batch tags. A batch refused
// for a conflict must never be seen at all.
func TestApplyConcurrent(t *testing.T) {
	c, _ := target(t)
	ctx := context.Background()
	const db = "0"
	require.NoError(t, c.Clear(ctx, db))
	keys := make([][]byte, 10)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("k%d", i))
	}
	const rounds = 150
	var (
		mu         sync.Mutex
		seen       = map[string]bool{} // batch tags seen by readers
		conflicted = map[string]bool{} // tags of batches refused
		applied    = map[string]bool{} // tags of batches reported ok
	)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	batch := func(w int, conditional bool) {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			tag := fmt.Sprintf("b%d-%d", w, i)
			req := ktscript.Request{DB: db}
			for _, k := range keys {
				req.Writes = append(req.Writes, ktscript.Write{Key: k, Value: []byte(tag)})
			}
			if conditional {
				rec, err := c.Get(ctx, db, keys[0])
				switch {
				case errors.Is(err, kt.ErrNoRecord):
					req.Checks = []ktscript.Check{{Key: keys[0], Absent: true}}
				case err != nil:
					fail(err)
					return
				default:
					req.Checks = []ktscript.Check{{Key: keys[0], Value: rec.Value}}
				}
			}
			out, err := c.BinPlayScript(ctx, ktscript.ProcApply, req.Pairs(), false)
			if err != nil {
				fail(err)
				return
			}
			rep, err := ktscript.DecodeReply(out)
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			switch rep.Status {
			case ktscript.StatusOK:
				applied[tag] = true
				if rep.Set != len(keys) {
					fail(errors.Newf("batch %s set %d records", tag, rep.Set))
				}
			case ktscript.StatusConflict:
				conflicted[tag] = true
			default:
				fail(errors.Newf("batch %s: %v", tag, rep.Err()))
			}
			mu.Unlock()
		}
	}
	plain := func(w int) {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			k := keys[(w*7+i*3)%len(keys)]
			var err error
			if i%5 == 4 {
				err = c.Remove(ctx, db, k)
				if errors.Is(err, kt.ErrNoRecord) {
					err = nil
				}
			} else {
				err = c.Set(ctx, db, k, []byte(fmt.Sprintf("p%d-%d", w, i)))
			}
			if err != nil {
				fail(err)
				return
			}
		}
	}
	reader := func() {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			recs, err := c.GetBulk(ctx, db, keys, true)
			if err != nil {
				fail(err)
				return
			}
			batchTag := ""
			for _, r := range recs {
				v := string(r.Value)
				if strings.HasPrefix(v, "p") {
					continue
				}
				if batchTag == "" {
					batchTag = v
				} else if v != batchTag {
					fail(errors.Newf("half-applied batch: snapshot holds %q and %q", batchTag, v))
					return
				}
			}
			if batchTag != "" {
				mu.Lock()
				seen[batchTag] = true
				mu.Unlock()
			}
		}
	}
	for w := 0; w < 2; w++ {
		wg.Add(2)
		go batch(w, false)
		go batch(10+w, true)
	}
	for w := 0; w < 2; w++ {
		wg.Add(2)
		go plain(w)
		go reader()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for tag := range seen {
		assert.False(t, conflicted[tag], "batch %s was refused but readers saw it", tag)
		assert.True(t, applied[tag], "readers saw %s, which no batch reported applied", tag)
	}
	// the final state obeys the same rule
	final := contents(t, c, db)
	batchTag := ""
	for _, v := range final {
		if strings.HasPrefix(v, "p") {
			continue
		}
		if batchTag == "" {
			batchTag = v
		}
		assert.Equal(t, batchTag, v, "final state mixes batches: %v", final)
	}
	t.Logf("applied %d batches, %d refused for conflicts, readers saw %d distinct batches", len(applied), len(conflicted), len(seen))
	assert.NotEmpty(t, applied)
}
