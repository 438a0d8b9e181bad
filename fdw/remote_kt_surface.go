package fdw

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt"
)

// The Remote methods behind TRUNCATE, ANALYZE and IMPORT FOREIGN SCHEMA.

// clearBatch bounds the keys of one match_prefix/remove_bulk round of a prefix clear.
const clearBatch = 1000

func (r ktRemote) Clear(ctx context.Context, db string, prefix []byte) error {
	if len(prefix) == 0 {
		return r.c.Clear(ctx, db)
	}
	for {
		keys, err := r.c.MatchPrefix(ctx, db, prefix, clearBatch)
		if err != nil || len(keys) == 0 {
			return err
		}
		n, err := r.c.RemoveBulk(ctx, db, keys, true)
		if err != nil {
			return err
		}
		if n == 0 { // listed but not removable (expired meanwhile): nothing left to do
			return nil
		}
	}
}

func (r ktRemote) Count(ctx context.Context, db string) (int64, error) {
	st, err := r.c.Status(ctx, db)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(st["count"], 10, 64)
	if err != nil {
		return 0, errors.Wrapf(err, "KT status count %q", st["count"])
	}
	return n, nil
}

// Databases lists the databases of the report, each with its status to tell
// tree databases (keys in order) from the others.
func (r ktRemote) Databases(ctx context.Context) ([]Database, error) {
	rep, err := r.c.Report(ctx)
	if err != nil {
		return nil, err
	}
	dbs := databasesFromReport(rep)
	for i := range dbs {
		st, err := r.c.Status(ctx, strconv.Itoa(dbs[i].Index))
		if err != nil {
			return nil, err
		}
		dbs[i].Ordered = keyOrdered(st)
	}
	return dbs, nil
}

// orderedTypes are the status types of KT's tree databases (protocol §4.1):
// ProtoTreeDB, GrassDB (%), TreeDB (*.kct), ForestDB (*.kcf).
var orderedTypes = map[string]bool{"17": true, "33": true, "49": true, "65": true}

// keyOrdered reports whether a database's status says it keeps keys in byte
// order: a tree database with the default (lexical) comparator.
func keyOrdered(status map[string]string) bool {
	t := status["realtype"]
	if t == "" {
		t = status["type"]
	}
	rcomp, ok := status["rcomp"]
	return orderedTypes[t] && (!ok || rcomp == "lexical")
}

// databasesFromReport reads the db_<i> lines of a KT report
// ("count=<n> size=<n> path=<p>"), in index order.
func databasesFromReport(rep map[string]string) []Database {
	var dbs []Database
	for k, v := range rep {
		if !strings.HasPrefix(k, "db_") {
			continue
		}
		i, err := strconv.Atoi(k[len("db_"):])
		if err != nil || i < 0 {
			continue
		}
		dbs = append(dbs, Database{Index: i, Name: kt.DBName(v)})
	}
	sort.Slice(dbs, func(a, b int) bool { return dbs[a].Index < dbs[b].Index })
	return dbs
}
