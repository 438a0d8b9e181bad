package kt

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/errors"
)

// Database is one database of a KT server, as its report lists it.
type Database struct {
	Index int
	Name  string // the file name of its path ("casket.kch"; "*" and "%" for memory DBs)
}

// NoSuchDBError: the server has no database with the name or index a
// request gave. Databases lists those it has (nil when the report that
// would list them failed too). It wraps ErrInvalid, as KT's own 400 does.
type NoSuchDBError struct {
	Addr      string
	DB        string
	Databases []Database
}

func (e *NoSuchDBError) Error() string {
	return fmt.Sprintf("kt %s: no such database: %s", e.Addr, e.DB)
}

func (e *NoSuchDBError) Unwrap() error { return ErrInvalid }

// Databases lists the server's databases by index (one report call).
func (c *Client) Databases(ctx context.Context) ([]Database, error) {
	rep, err := c.Report(ctx)
	if err != nil {
		return nil, err
	}
	dbs := databasesOf(rep)
	c.learnDatabases(dbs)
	return dbs, nil
}

func databasesOf(rep map[string]string) []Database {
	var dbs []Database
	for k, v := range rep {
		if !strings.HasPrefix(k, "db_") {
			continue
		}
		i, err := strconv.Atoi(k[3:])
		if err != nil || i < 0 || i > 65535 {
			continue
		}
		dbs = append(dbs, Database{Index: i, Name: DBName(v)})
	}
	sort.Slice(dbs, func(a, b int) bool { return dbs[a].Index < dbs[b].Index })
	return dbs
}

// learnDatabases caches the name -> index map (the lowest index of a name
// wins) and the number of databases.
func (c *Client) learnDatabases(dbs []Database) {
	c.dbMu.Lock()
	defer c.dbMu.Unlock()
	for _, d := range dbs {
		if d.Name == "" {
			continue
		}
		if old, dup := c.dbIndex[d.Name]; !dup || uint16(d.Index) < old {
			c.dbIndex[d.Name] = uint16(d.Index)
		}
	}
	c.dbCount = len(dbs)
}

// noSuchDB is the error for a db the server does not have, listing those
// it has when a report can be read.
func (c *Client) noSuchDB(ctx context.Context, db string) error {
	dbs, _ := c.Databases(ctx)
	return &NoSuchDBError{Addr: c.cfg.Addr, DB: db, Databases: dbs}
}

// DBIndex resolves a DB selector to the index the binary protocol needs:
// "" is 0, a selector starting with a digit is read like C atoi, a name is
// looked up in the server report (db_<i> ... path=<p>; the name is the file
// name after the last '/' without "#" tuning). The first use of an index or
// a name reads the report, and a database the server does not have is a
// *NoSuchDBError (the binary protocol would silently find nothing in it).
func (c *Client) DBIndex(ctx context.Context, db string) (uint16, error) {
	if db == "" {
		return 0, nil
	}
	c.dbMu.Lock()
	idx, named := c.dbIndex[db]
	count := c.dbCount
	c.dbMu.Unlock()
	if named {
		return idx, nil
	}
	if db[0] >= '0' && db[0] <= '9' {
		n := 0
		for i := 0; i < len(db) && db[i] >= '0' && db[i] <= '9' && n <= 65535; i++ {
			n = n*10 + int(db[i]-'0')
		}
		if n > 65535 {
			return 0, errors.Newf("kt: database index %q out of range", db)
		}
		if n == 0 {
			return 0, nil // every server has one
		}
		if count == 0 {
			dbs, err := c.Databases(ctx)
			if err != nil {
				return 0, err
			}
			count = len(dbs)
		}
		if n >= count {
			return 0, c.noSuchDB(ctx, db)
		}
		return uint16(n), nil
	}
	if _, err := c.Databases(ctx); err != nil {
		return 0, err
	}
	c.dbMu.Lock()
	idx, named = c.dbIndex[db]
	c.dbMu.Unlock()
	if !named {
		return 0, c.noSuchDB(ctx, db)
	}
	return idx, nil
}

// DBName extracts the DB name from a report value
// "count=<n> size=<n> path=<path>".
func DBName(reportValue string) string {
	i := strings.Index(reportValue, "path=")
	if i < 0 {
		return ""
	}
	p := reportValue[i+len("path="):]
	if j := strings.LastIndexByte(p, '/'); j >= 0 {
		p = p[j+1:]
	}
	if j := strings.IndexByte(p, '#'); j >= 0 {
		p = p[:j]
	}
	return p
}
