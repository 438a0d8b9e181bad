package fdw

import (
	"bytes"
	"context"
	"sort"
	"sync"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// fakeRemote is an in-memory KT for unit tests. It counts calls, can fail
// every call with err, and can stall until the caller's context ends.
type fakeRemote struct {
	mu     sync.Mutex
	dbs    map[string]map[string][]byte
	calls  map[string]int
	err    error
	stall  bool
	closed bool
}

func newFake() *fakeRemote {
	return &fakeRemote{dbs: map[string]map[string][]byte{}, calls: map[string]int{}}
}

func (f *fakeRemote) db(name string) map[string][]byte {
	d, ok := f.dbs[name]
	if !ok {
		d = map[string][]byte{}
		f.dbs[name] = d
	}
	return d
}

// enter records a call and applies the configured failure.
func (f *fakeRemote) enter(ctx context.Context, op string) error {
	f.mu.Lock()
	f.calls[op]++
	stall, err := f.stall, f.err
	f.mu.Unlock()
	if stall {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (f *fakeRemote) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeRemote) put(db, key, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.db(db)[key] = []byte(value)
}

func (f *fakeRemote) contents(db string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for k, v := range f.db(db) {
		out[k] = string(v)
	}
	return out
}

func (f *fakeRemote) Get(ctx context.Context, db string, key []byte) ([]byte, bool, error) {
	if err := f.enter(ctx, "get"); err != nil {
		return nil, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.db(db)[string(key)]
	return v, ok, nil
}

func (f *fakeRemote) GetBulk(ctx context.Context, db string, keys [][]byte) ([]fdwtype.Record, error) {
	if err := f.enter(ctx, "get_bulk"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fdwtype.Record
	for _, k := range keys {
		if v, ok := f.db(db)[string(k)]; ok {
			out = append(out, fdwtype.Record{Key: k, Value: v})
		}
	}
	return out, nil
}

func (f *fakeRemote) SetBulk(ctx context.Context, db string, recs []fdwtype.Record) error {
	if err := f.enter(ctx, "set_bulk"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		f.db(db)[string(r.Key)] = bytes.Clone(r.Value) // a KT keeps no caller slice
	}
	return nil
}

func (f *fakeRemote) RemoveBulk(ctx context.Context, db string, keys [][]byte) error {
	if err := f.enter(ctx, "remove_bulk"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		delete(f.db(db), string(k))
	}
	return nil
}

// BinSetBulk and BinRemoveBulk count as bin_set_bulk and bin_remove_bulk.
func (f *fakeRemote) BinSetBulk(ctx context.Context, db string, recs []fdwtype.Record) error {
	if err := f.enter(ctx, "bin_set_bulk"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		f.db(db)[string(r.Key)] = bytes.Clone(r.Value) // a KT keeps no caller slice
	}
	return nil
}

func (f *fakeRemote) BinRemoveBulk(ctx context.Context, db string, keys [][]byte) error {
	if err := f.enter(ctx, "bin_remove_bulk"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		delete(f.db(db), string(k))
	}
	return nil
}

func (f *fakeRemote) AllKeys(ctx context.Context, db string) ([][]byte, error) {
	if err := f.enter(ctx, "match_prefix"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys [][]byte
	for k := range f.db(db) {
		keys = append(keys, []byte(k))
	}
	sort.Slice(keys, func(i, j int) bool { return string(keys[i]) < string(keys[j]) })
	return keys, nil
}

func (f *fakeRemote) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// testTable is a foreign table on a fake server.
func testTable(db string) fdwtype.Table {
	return fdwtype.Table{
		Server: fdwtype.Server{OID: 42, Name: "s", Opts: fdwtype.ServerOptions{Host: "127.0.0.1", Port: 1978, Timeout: fdwtype.DefaultTimeout}},
		Name:   "t", KeyCol: "key", DB: db,
	}
}

// newTestBackend is a Backend whose every server is f.
func newTestBackend(f *fakeRemote) *Backend {
	return NewBackend(func(fdwtype.ServerOptions) (Remote, error) { return f, nil })
}
