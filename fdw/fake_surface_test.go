package fdw

import (
	"bytes"
	"context"
	"sort"
	"strconv"
)

// fakeRemote's methods behind TRUNCATE, ANALYZE and IMPORT FOREIGN SCHEMA.

func (f *fakeRemote) Clear(ctx context.Context, db string, prefix []byte) error {
	if err := f.enter(ctx, "clear"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.db(db) {
		if bytes.HasPrefix([]byte(k), prefix) {
			delete(f.db(db), k)
		}
	}
	return nil
}

func (f *fakeRemote) Count(ctx context.Context, db string) (int64, error) {
	if err := f.enter(ctx, "status"); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.db(db))), nil
}

// Databases reports the fake's databases named by index ("0", "1", ...)
// as KT would name them (a name that is not an index is used as is).
func (f *fakeRemote) Databases(ctx context.Context) ([]Database, error) {
	if err := f.enter(ctx, "report"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var dbs []Database
	for name := range f.dbs {
		i, err := strconv.Atoi(name)
		if err != nil {
			i = len(f.dbs) + len(dbs)
		}
		dbs = append(dbs, Database{Index: i, Name: name})
	}
	sort.Slice(dbs, func(a, b int) bool { return dbs[a].Index < dbs[b].Index })
	return dbs, nil
}
