package fdw

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drain polls a scan to the end, as the C side does.
func drain(t *testing.T, s *Scan) (map[string]string, int, *fdwtype.Status) {
	t.Helper()
	out := map[string]string{}
	batches := 0
	for i := 0; i < 100000; i++ {
		res, rows, st := s.Next(10 * time.Millisecond)
		switch res {
		case ScanRows:
			batches++
			for _, r := range rows {
				_, dup := out[string(r.Key)]
				require.False(t, dup, "key %q returned twice", r.Key)
				out[string(r.Key)] = string(r.Value)
			}
		case ScanEOF:
			return out, batches, nil
		case ScanError:
			return out, batches, st
		}
	}
	t.Fatal("scan never ended")
	return nil, 0, nil
}

func TestFullScanBatches(t *testing.T) {
	f := newFake()
	want := map[string]string{}
	n := 2*ScanBatch + 5
	for i := 0; i < n; i++ {
		k, v := fmt.Sprintf("k%05d", i), fmt.Sprintf("v%d", i)
		f.put("db", k, v)
		want[k] = v
	}
	be := newTestBackend(f)
	s := NewScan(be, testTable("db"))
	require.Nil(t, s.Start(false, nil))
	got, _, st := drain(t, s)
	require.Nil(t, st)
	assert.Equal(t, want, got)
	assert.Equal(t, 1, f.count("match_prefix"))
	assert.Equal(t, 3, f.count("get_bulk"), "one get_bulk per %d keys", ScanBatch)
	assert.Zero(t, f.count("get"))
}

func TestScanMergesBuffer(t *testing.T) {
	f := newFake()
	f.put("db", "a", "kt-a")
	f.put("db", "b", "kt-b")
	f.put("db", "c", "kt-c")
	f.put("other", "x", "other-db")
	be := newTestBackend(f)
	tbl := testTable("db")
	buf := be.writeBuffer(tbl)
	buf.Set(1, []byte("a"), []byte("new-a"))
	buf.Remove(1, []byte("b"))
	buf.Set(1, []byte("d"), []byte("new-d"))

	s := NewScan(be, tbl)
	require.Nil(t, s.Start(false, nil))
	got, _, st := drain(t, s)
	require.Nil(t, st)
	assert.Equal(t, map[string]string{"a": "new-a", "c": "kt-c", "d": "new-d"}, got)

	tests := []struct {
		key   string
		want  map[string]string
		gets  int
		isNil bool
	}{
		{"a", map[string]string{"a": "new-a"}, 0, false},
		{"b", map[string]string{}, 0, false},
		{"c", map[string]string{"c": "kt-c"}, 1, false},
		{"zz", map[string]string{}, 1, false},
		{"", map[string]string{}, 0, true},
	}
	for _, tt := range tests {
		t.Run("get "+tt.key, func(t *testing.T) {
			before := f.count("get")
			var key []byte
			if !tt.isNil {
				key = []byte(tt.key)
			}
			require.Nil(t, s.Start(true, key)) // rescan with a new key
			got, _, st := drain(t, s)
			require.Nil(t, st)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.gets, f.count("get")-before, "KT round trips")
		})
	}
}

func TestScanErrors(t *testing.T) {
	f := newFake()
	f.err = errors.New("KT said no")
	s := NewScan(newTestBackend(f), testTable(""))
	require.Nil(t, s.Start(false, nil))
	_, _, st := drain(t, s)
	require.NotNil(t, st)
	assert.Equal(t, fdwtype.SQLStateFDWError, st.SQLState)
	assert.Equal(t, `KT operation match_prefix on server "s" (127.0.0.1:1978) failed: KT said no`, st.Message)
}

func TestScanStallTimesOutAndCancels(t *testing.T) {
	f := newFake()
	f.stall = true
	tbl := testTable("")
	tbl.Server.Opts.Timeout = 50 * time.Millisecond
	s := NewScan(newTestBackend(f), tbl)
	require.Nil(t, s.Start(true, []byte("k")))
	res, _, _ := s.Next(0)
	assert.Equal(t, ScanPending, res, "a poll never blocks")
	_, _, st := drain(t, s)
	require.NotNil(t, st)
	assert.Equal(t, `KT operation get on server "s" (127.0.0.1:1978) timed out after 50ms`, st.Message)

	// Without a timeout, Close (the handle release) ends the stalled call.
	tbl.Server.Opts.Timeout = 0
	s = NewScan(newTestBackend(f), tbl)
	require.Nil(t, s.Start(false, nil))
	res, _, _ = s.Next(5 * time.Millisecond)
	assert.Equal(t, ScanPending, res)
	s.Close()
	res, _, _ = s.Next(time.Second)
	assert.Contains(t, []ScanResult{ScanEOF, ScanError}, res)
}

func TestScanBufferRowsSorted(t *testing.T) {
	be := newTestBackend(newFake())
	tbl := testTable("")
	for _, k := range []string{"c", "a", "b"} {
		be.writeBuffer(tbl).Set(1, []byte(k), []byte(k))
	}
	s := NewScan(be, tbl)
	require.Nil(t, s.Start(false, nil))
	var keys []string
	for {
		res, rows, st := s.Next(10 * time.Millisecond)
		require.Nil(t, st)
		if res == ScanEOF {
			break
		}
		for _, r := range rows {
			keys = append(keys, string(r.Key))
		}
	}
	assert.True(t, sort.StringsAreSorted(keys))
	assert.Len(t, keys, 3)
}
