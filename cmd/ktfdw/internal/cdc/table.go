package cdc

import (
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// TableSpec names what one published table syncs into, as the arguments
// of its kt_fdw_sync trigger do (cmd/ktfdw resolves them).
type TableSpec struct {
	Source   string // the source table (regclass text)
	Target   string // the kt_fdw foreign table (regclass text)
	KeyCol   string // source key column
	ValueCol string // source value column; "" = the row as JSON
}

// Table is a published table ready to sync: where its records go and how
// they are computed.
type Table struct {
	TableSpec
	OID      uint32
	Sink     SinkID
	Prefix   []byte
	JSON     bool
	JSONCols []fdw.JSONColumn // the value columns of a json target
	XTCol    string           // the json target's xt column ("" none)
	ftKey    string           // the target's key column
	ftKeyTyp string           // its type, and the value column's (plain targets)
	ftValTyp string
	jsonDT   []byte // per json value column: 'z' timestamptz, 'd' other date/time, 0 other
}

// SinkID is one KT database of one foreign server: the unit that holds a
// position and receives atomic applies.
type SinkID struct {
	Server uint32
	DB     string
}

// Server is a foreign server's name and parsed options.
type Server struct {
	OID  uint32
	Name string
	Opts fdwtype.ServerOptions
}

// LoadTable reads the catalogs for spec: the source's replica identity and
// the target's columns and options. A source whose key column is not part
// of its replica identity is refused: DELETE and a key-changing UPDATE
// would not tell which KT key to remove.
func LoadTable(ctx context.Context, conn *pgx.Conn, spec TableSpec) (*Table, *Server, error) {
	t := &Table{TableSpec: spec}
	var ident string
	var inIdent bool
	err := conn.QueryRow(ctx, `
SELECT c.oid, c.relreplident::text,
       c.relreplident = 'f' OR EXISTS (
         SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
          WHERE i.indrelid = c.oid AND a.attname = $2
            AND ((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident)))
  FROM pg_class c WHERE c.oid = $1::regclass`, spec.Source, spec.KeyCol).Scan(&t.OID, &ident, &inIdent)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "source table %s", spec.Source)
	}
	if !inIdent {
		what := map[string]string{"d": "primary key", "n": "REPLICA IDENTITY NOTHING", "i": "REPLICA IDENTITY index"}[ident]
		if ident == "d" {
			what = "primary key (REPLICA IDENTITY DEFAULT)"
		}
		return nil, nil, errors.WithHint(
			errors.Newf("key column %q of %s is not part of its replica identity (%s): a DELETE or key-changing UPDATE would not say which KT key to remove",
				spec.KeyCol, spec.Source, what),
			fmt.Sprintf("Make the key column the primary key, or ALTER TABLE %s REPLICA IDENTITY FULL (or USING INDEX a unique index on it).", spec.Source))
	}

	var srvOpts, tblOpts []string
	srv := &Server{}
	err = conn.QueryRow(ctx, `
SELECT s.oid, s.srvname, coalesce(s.srvoptions, '{}'), coalesce(ft.ftoptions, '{}')
  FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE ft.ftrelid = $1::regclass`, spec.Target).Scan(&srv.OID, &srv.Name, &srvOpts, &tblOpts)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "foreign table %s", spec.Target)
	}
	so, st := fdwtype.ParseServerOptions(splitOptions(srvOpts))
	if st != nil {
		return nil, nil, errors.Wrapf(st, "options of server %q", srv.Name)
	}
	srv.Opts = so
	topts := splitOptions(tblOpts)
	to, st := fdwtype.ParseTableOptions(topts)
	if st != nil {
		return nil, nil, errors.Wrapf(st, "options of foreign table %s", spec.Target)
	}
	t.Sink = SinkID{Server: srv.OID, DB: to.DB}
	t.Prefix = fdwtype.TablePrefix(topts)
	for _, o := range topts {
		if o.Name == "format" && o.Value == "json" {
			t.JSON = true
		}
	}
	if err := t.loadTargetColumns(ctx, conn); err != nil {
		return nil, nil, err
	}
	return t, srv, nil
}

func (t *Table) loadTargetColumns(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), coalesce(a.attfdwoptions, '{}'),
       CASE WHEN a.atttypid = 'timestamptz'::regtype THEN 'z'
            WHEN a.atttypid IN ('date'::regtype, 'time'::regtype, 'timetz'::regtype, 'timestamp'::regtype) THEN 'd'
            ELSE '' END,
       CASE WHEN a.atttypid IN ('json'::regtype, 'jsonb'::regtype) THEN 'j'
            ELSE CASE bt.typcategory WHEN 'N' THEN 'n' WHEN 'B' THEN 'b' WHEN 'A' THEN 'a' ELSE 't' END END
  FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
  JOIN pg_type bt ON bt.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END
 WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, t.Target)
	if err != nil {
		return errors.Wrapf(err, "columns of %s", t.Target)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var name, typ, dt, cat string
		var opts []string
		if err := rows.Scan(&name, &typ, &opts, &dt, &cat); err != nil {
			return err
		}
		switch {
		case i == 0:
			t.ftKey, t.ftKeyTyp = name, typ
		case !t.JSON && i == 1:
			t.ftValTyp = typ
		case t.JSON && fdwtype.XTColumn(splitOptions(opts)):
			t.XTCol = name
		case t.JSON:
			t.JSONCols = append(t.JSONCols, fdw.JSONColumn{Name: name, Category: cat[0]})
			var k byte
			if dt != "" {
				k = dt[0]
			}
			t.jsonDT = append(t.jsonDT, k)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !t.JSON && i != 2 {
		return errors.Newf("foreign table %s has %d columns, but a plain kt_fdw table has two (key, value)", t.Target, i)
	}
	if !t.JSON && t.ValueCol == "" && t.ftValTyp != "text" && t.ftValTyp != "bytea" {
		return errors.Newf("value column of %s has type %s; it must be text or bytea", t.Target, t.ftValTyp)
	}
	return nil
}

// splitOptions turns a catalog option array ("name=value") into options.
func splitOptions(a []string) []fdwtype.Option {
	out := make([]fdwtype.Option, 0, len(a))
	for _, s := range a {
		name, value, _ := strings.Cut(s, "=")
		out = append(out, fdwtype.Option{Name: name, Value: value})
	}
	return out
}

// ktKey is the KT key of a table key.
func (t *Table) ktKey(k []byte) []byte {
	if len(t.Prefix) == 0 {
		return k
	}
	out := make([]byte, 0, len(t.Prefix)+len(k))
	return append(append(out, t.Prefix...), k...)
}
