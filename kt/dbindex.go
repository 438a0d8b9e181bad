package kt

import (
	"context"
	"strconv"
	"strings"

	"github.com/cockroachdb/errors"
)

// DBIndex resolves a DB selector to the index the binary protocol needs:
// "" is 0, a selector starting with a digit is read like C atoi, a name is
// looked up in the server report (db_<i> ... path=<p>; the name is the file
// name after the last '/' without "#" tuning). An index other than 0 is
// checked against the report's databases too, because the binary calls
// skip a database the server lacks without a word, where HTTP would answer
// "no such database". The report is read once per client (the databases
// of a running ktserver are fixed); a selector it lacks asks again.
func (c *Client) DBIndex(ctx context.Context, db string) (uint16, error) {
	if db == "" {
		return 0, nil
	}
	name := db
	if db[0] >= '0' && db[0] <= '9' {
		n := 0
		for i := 0; i < len(db) && db[i] >= '0' && db[i] <= '9' && n <= 65535; i++ {
			n = n*10 + int(db[i]-'0')
		}
		if n > 65535 {
			return 0, errors.Newf("kt: database index %q out of range", db)
		}
		if n == 0 {
			return 0, nil
		}
		name = "#" + strconv.Itoa(n) // the key of an index in dbIndex
	}
	c.dbMu.Lock()
	idx, ok := c.dbIndex[name]
	c.dbMu.Unlock()
	if ok {
		return idx, nil
	}
	rep, err := c.Report(ctx)
	if err != nil {
		return 0, err
	}
	c.dbMu.Lock()
	defer c.dbMu.Unlock()
	for k, v := range rep {
		if !strings.HasPrefix(k, "db_") {
			continue
		}
		i, err := strconv.Atoi(k[3:])
		if err != nil || i < 0 || i > 65535 {
			continue
		}
		c.dbIndex["#"+strconv.Itoa(i)] = uint16(i)
		dbName := DBName(v)
		if dbName == "" || dbName[0] == '#' {
			continue
		}
		if _, dup := c.dbIndex[dbName]; !dup || uint16(i) < c.dbIndex[dbName] {
			c.dbIndex[dbName] = uint16(i)
		}
	}
	idx, ok = c.dbIndex[name]
	if !ok {
		return 0, &ServerError{Addr: c.cfg.Addr, Op: "report", Status: 400, Message: "no such database: " + db, sentinel: ErrInvalid}
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
