package fdw

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// ImportSchemaName is the only remote schema IMPORT FOREIGN SCHEMA accepts:
// a KT server has one flat list of databases.
const ImportSchemaName = "kt"

// Database is one database of a KT server as its report lists it.
type Database struct {
	Index   int
	Name    string // file name of its path without "#" tuning: "*", "%", "casket.kch"
	Ordered bool   // a tree database keeping keys in byte order
}

// ImportedTable is one foreign table IMPORT FOREIGN SCHEMA creates.
type ImportedTable struct {
	Name    string // table name (a plain identifier: [a-z0-9_])
	DB      string // the db option: the database's index
	Ordered bool   // the ordered option: set for tree databases
}

// SQL is the CREATE FOREIGN TABLE command of t on server (unqualified:
// Postgres puts it into the target schema). Names are always quoted: a
// database called "user" gives a table named like a keyword.
func (t ImportedTable) SQL(server string) string {
	opts := fmt.Sprintf("db '%s'", t.DB)
	if t.Ordered {
		opts += ", ordered 'true'"
	}
	return fmt.Sprintf("CREATE FOREIGN TABLE %s (key text, value text) SERVER %s OPTIONS (%s)",
		quoteIdent(t.Name), quoteIdent(server), opts)
}

// quoteIdent quotes an SQL identifier ("a""b" for a"b).
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// maxIdentLen is Postgres' NAMEDATALEN-1.
const maxIdentLen = 63

// ImportTables names a table per database. The name is the database's name
// lower-cased with every character other than a-z, 0-9 and _ replaced by _
// ("casket.kch" -> casket_kch); when that has no letter, starts with a digit,
// is longer than 63 bytes or is taken by an earlier database, the table is
// named db_<index> ("*" -> db_0), with _ appended while that is taken too.
// Tree databases get ordered 'true'. The db option is always the index, so a
// table keeps pointing at its database whatever the server calls it.
func ImportTables(dbs []Database) []ImportedTable {
	used := map[string]bool{}
	out := make([]ImportedTable, 0, len(dbs))
	for _, d := range dbs {
		name := identFromDBName(d.Name)
		if name == "" || used[name] {
			name = fmt.Sprintf("db_%d", d.Index)
		}
		for used[name] { // a database literally named db_<i>: rare enough for a plain rule
			name += "_"
		}
		used[name] = true
		out = append(out, ImportedTable{Name: name, DB: strconv.Itoa(d.Index), Ordered: d.Ordered})
	}
	return out
}

// identFromDBName sanitises a database name to a plain identifier, or "".
func identFromDBName(s string) string {
	var b strings.Builder
	letter := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
			b.WriteRune(c)
		case c >= '0' && c <= '9', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if !letter || name[0] >= '0' && name[0] <= '9' || len(name) > maxIdentLen {
		return ""
	}
	return name
}

// Import is IMPORT FOREIGN SCHEMA in progress: one KT report call.
type Import struct {
	op     *Op
	server string
	tables []ImportedTable
}

// StartImport checks the remote schema name and starts listing the server's
// databases. LIMIT TO and EXCEPT are applied by Postgres to the result.
func StartImport(be *Backend, srv fdwtype.Server, remoteSchema string, opts []fdwtype.Option) (*Import, *fdwtype.Status) {
	if len(opts) > 0 {
		return nil, &fdwtype.Status{
			SQLState: fdwtype.SQLStateInvalidOptionName,
			Message:  fmt.Sprintf("invalid option \"%s\"", opts[0].Name),
			Hint:     "IMPORT FOREIGN SCHEMA of kt_fdw takes no options.",
		}
	}
	if remoteSchema != ImportSchemaName {
		return nil, &fdwtype.Status{
			SQLState: fdwtype.SQLStateFDWSchemaNotFound,
			Message:  fmt.Sprintf("schema \"%s\" does not exist on KT server \"%s\"", remoteSchema, srv.Name),
			Detail:   "A KT server has one flat list of databases; kt_fdw calls it schema \"kt\".",
			Hint:     fmt.Sprintf("Use IMPORT FOREIGN SCHEMA kt FROM SERVER %s INTO <schema>.", srv.Name),
		}
	}
	r, st := be.remote(srv)
	if st != nil {
		return nil, st
	}
	im := &Import{server: srv.Name}
	t := fdwtype.Table{Server: srv}
	im.op = startOp(func(ctx context.Context) *fdwtype.Status {
		var dbs []Database
		st := call(ctx, opContext(t, "report"), func(ctx context.Context) error {
			var err error
			dbs, err = r.Databases(ctx)
			return err
		})
		im.tables = ImportTables(dbs)
		return st
	})
	return im, nil
}

// Wait polls the report call for at most d.
func (im *Import) Wait(d time.Duration) (finished bool, st *fdwtype.Status) { return im.op.Wait(d) }

// Tables is the result once Wait finished without error.
func (im *Import) Tables() []ImportedTable { return im.tables }

// Commands are the CREATE FOREIGN TABLE commands of Tables.
func (im *Import) Commands() []string {
	out := make([]string, len(im.tables))
	for i, t := range im.tables {
		out[i] = t.SQL(im.server)
	}
	return out
}

// Close cancels the report call.
func (im *Import) Close() { im.op.Cancel() }
