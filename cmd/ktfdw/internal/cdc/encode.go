package cdc

import (
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"

	"github.com/kt-fdw/kt_fdw/fdw"
)

// The KT key and value of a row are computed by Postgres, from the texts
// pgoutput sent, with the casts the kt_fdw_sync trigger uses (doc/sync.md
// "How the trigger works"): the tuple becomes a value of the source's row
// type (each column through its input function), then the key column's
// ::text cast to the target's key type, the value column's ::text (or
// to_jsonb of the row) cast to the target's value type; for a format
// 'json' target the row of jsonb_populate_record(NULL::target, to_jsonb(row)
// || {key column: key}), each column as the C code passes it to
// fdw.EncodeJSONRow. One query per table per batch.

// kv is what one row change does to KT: remove oldKey (when not nil), set
// newKey to value (when both are not nil).
type kv struct {
	oldKey, newKey, value []byte
	xt                    int64
}

// encoder runs the encoding queries on a plain (non-replication) connection.
type encoder struct {
	conn *pgx.Conn
	cols map[uint32][]string  // the source's current columns, by table OID
	gen  map[uint32][]string  // their generation expressions ("" for a plain column)
	rels map[uint32]*Relation // the Relation message they were read for
}

func newEncoder(conn *pgx.Conn) *encoder {
	return &encoder{conn: conn, cols: map[uint32][]string{}, gen: map[uint32][]string{}, rels: map[uint32]*Relation{}}
}

// sourceColumns are the source's columns now; read again after each new
// Relation message of the table (sent after DDL changed it).
func (e *encoder) sourceColumns(ctx context.Context, t *Table, changes []*Change) ([]string, error) {
	for _, c := range changes {
		if e.rels[t.OID] != c.Rel {
			delete(e.cols, t.OID)
			e.rels[t.OID] = c.Rel
		}
	}
	if c, ok := e.cols[t.OID]; ok {
		return c, nil
	}
	var names, gen []string
	err := e.conn.QueryRow(ctx, `
SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}'),
       coalesce(array_agg(CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) ELSE '' END ORDER BY a.attnum), '{}')
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped`, t.OID).Scan(&names, &gen)
	if err != nil {
		return nil, errors.Wrapf(err, "columns of %s", t.Source)
	}
	if len(names) == 0 {
		return nil, errors.Mark(errors.Newf("source table %s (OID %d) no longer exists", t.Source, t.OID), ErrPermanent)
	}
	e.cols[t.OID], e.gen[t.OID] = names, gen
	return names, nil
}

// keyCast is the SQL turning a source key's text x into the target's KT
// key (without prefix).
func (t *Table) keyCast(x string) string {
	switch {
	case t.ftKeyTyp == "text" || t.ftKeyTyp == "bytea":
		return fmt.Sprintf("(%s)::%s", x, t.ftKeyTyp)
	case t.JSON:
		return fmt.Sprintf("((%s)::%s)::text", x, t.ftKeyTyp)
	}
	return fmt.Sprintf("(%s)::text", x) // refused earlier; keeps the SQL valid
}

func qi(s string) string { return pgx.Identifier{s}.Sanitize() }

// rowsSQL: $1 text[] of source row literals -> (n, key, value columns...);
// for the initial copy (copy=true), every row of the source instead, n 0.
// cols and gen are the source's columns and generation expressions:
// pgoutput leaves stored generated columns out, so they are computed here
// from the other columns, as the INSERT or UPDATE computed them.
func (t *Table) rowsSQL(copy bool, cols, gen []string) string {
	key := fmt.Sprintf("(s.r).%s::text", qi(t.KeyCol))
	var b strings.Builder
	row := fmt.Sprintf("SELECT u.t::%s AS r", t.Source)
	for _, g := range gen {
		if g == "" {
			continue
		}
		fields := make([]string, len(cols))
		for i, c := range cols {
			fields[i] = qi(c)
			if gen[i] != "" {
				fields[i] = "(" + gen[i] + ")"
			}
		}
		row = fmt.Sprintf("SELECT ROW(%s)::%s AS r FROM (SELECT (u.t::%s).*) x", strings.Join(fields, ", "), t.Source, t.Source)
		break
	}
	from := fmt.Sprintf(" FROM unnest($1::text[]) WITH ORDINALITY u(t, n), LATERAL (%s) s", row)
	n := "u.n"
	if copy {
		from = fmt.Sprintf(" FROM (SELECT x AS r FROM %s x) s", t.Source)
		n = "1::bigint"
	}
	fmt.Fprintf(&b, "SELECT %s, %s", n, t.keyCast(key))
	if !t.JSON {
		val := "to_jsonb(s.r)::text"
		if t.ValueCol != "" {
			val = fmt.Sprintf("(s.r).%s::text", qi(t.ValueCol))
		}
		fmt.Fprintf(&b, ", (%s)::%s%s", val, t.ftValTyp, from)
		return b.String()
	}
	for i, c := range t.JSONCols {
		col := fmt.Sprintf("(p.j).%s", qi(c.Name))
		switch {
		case c.Category == fdw.CatArray:
			fmt.Fprintf(&b, ", array_to_json(%s)::text", col)
		case t.jsonDT[i] == 'z': // ISO 8601 in UTC, as the C code writes it
			fmt.Fprintf(&b, ", CASE WHEN isfinite(%[1]s) THEN (to_json(%[1]s AT TIME ZONE 'UTC') #>> '{}') || '+00:00' ELSE to_json(%[1]s) #>> '{}' END", col)
		case t.jsonDT[i] == 'd':
			fmt.Fprintf(&b, ", to_json(%s) #>> '{}'", col)
		default:
			fmt.Fprintf(&b, ", %s::text", col)
		}
	}
	if t.XTCol != "" {
		fmt.Fprintf(&b, ", CASE WHEN %[1]s IS NULL OR %[1]s = 'infinity' THEN 0 WHEN %[1]s = '-infinity' THEN 1 ELSE greatest(floor(extract(epoch FROM %[1]s))::bigint, 1) END",
			fmt.Sprintf("(p.j).%s", qi(t.XTCol)))
	} else {
		b.WriteString(", 0::bigint")
	}
	fmt.Fprintf(&b, "%s, LATERAL (SELECT jsonb_populate_record(NULL::%s, to_jsonb(s.r) || jsonb_build_object(%s, %s)) AS j) p",
		from, t.Target, quoteLiteral(t.ftKey), key)
	return b.String()
}

// keysSQL: $1 text[] of source key texts -> (n, KT key).
func (t *Table) keysSQL() string {
	return fmt.Sprintf("SELECT u.n, %s FROM unnest($1::text[]) WITH ORDINALITY u(k, n)", t.keyCast("u.k"))
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// rowLiteral builds the source row type's text form from a tuple whose
// columns are named by names, for the table's current columns cur:
// columns the tuple lacks (added since) are NULL, columns it has that the
// table no longer has are left out.
func rowLiteral(cur, names []string, tuple []Col) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, c := range cur {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, n := range names {
			if n != c || j >= len(tuple) || tuple[j].Null || tuple[j].Unchanged {
				continue
			}
			b.WriteByte('"')
			for _, ch := range tuple[j].Text {
				if ch == '"' || ch == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(ch)
			}
			b.WriteByte('"')
			break
		}
	}
	b.WriteByte(')')
	return b.String()
}

func colIndex(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// encode computes what each row change of t does to KT, in order.
func (e *encoder) encode(ctx context.Context, t *Table, changes []*Change) ([]kv, error) {
	cur, err := e.sourceColumns(ctx, t, changes)
	if err != nil {
		return nil, err
	}
	out := make([]kv, len(changes))
	var rows, oldKeys []string
	var rowAt, oldAt []int // change index of each input
	var fill []int         // changes with unchanged TOASTed columns
	for i, c := range changes {
		names := c.Rel.Columns
		k := colIndex(names, t.KeyCol)
		if k < 0 {
			return nil, errors.Mark(errors.Newf("key column %q of %s is not in the replicated row (columns: %s): was it dropped or renamed?",
				t.KeyCol, t.Source, strings.Join(names, ", ")), ErrPermanent)
		}
		if c.New != nil {
			mergeOld(c)
			if hasUnchanged(c.New) {
				fill = append(fill, i)
			}
		}
		var oldKey []byte
		switch {
		case c.Old != nil && !c.Old[k].Null:
			oldKey = c.Old[k].Text
		case c.Kind == Update && c.New != nil && !c.New[k].Null:
			oldKey = c.New[k].Text // the key did not change (no old tuple)
		}
		if oldKey != nil {
			oldKeys = append(oldKeys, string(oldKey))
			oldAt = append(oldAt, i)
		}
	}
	if len(fill) > 0 {
		if err := e.fillUnchanged(ctx, t, cur, changes, fill); err != nil {
			return nil, err
		}
	}
	for i, c := range changes {
		if c.New != nil {
			rows = append(rows, rowLiteral(cur, c.Rel.Columns, c.New))
			rowAt = append(rowAt, i)
		}
	}
	if len(oldKeys) > 0 {
		if err := e.query(ctx, t.keysSQL(), []any{oldKeys}, func(n int, vals [][]byte, _ int64) {
			out[oldAt[n]].oldKey = vals[0]
		}); err != nil {
			return nil, errors.Wrapf(err, "computing the KT keys of %s", t.Source)
		}
	}
	if len(rows) > 0 {
		var encErr error
		if err := e.query(ctx, t.rowsSQL(false, cur, e.gen[t.OID]), []any{rows}, func(n int, vals [][]byte, xt int64) {
			o := &out[rowAt[n]]
			o.newKey, o.value, o.xt = t.record(vals, xt, &encErr)
		}); err != nil {
			return nil, errors.Wrapf(err, "computing the KT records of %s", t.Source)
		}
		if encErr != nil {
			return nil, encErr
		}
	}
	for i := range out {
		if out[i].oldKey != nil {
			out[i].oldKey = t.ktKey(out[i].oldKey)
		}
		if out[i].newKey != nil {
			out[i].newKey = t.ktKey(out[i].newKey)
		}
	}
	return out, nil
}

// query runs sql with $1 = in and hands each row (1-based n from
// WITH ORDINALITY, made 0-based) to fn: the columns after n as bytes (the
// last one, xt, of a json rows query as a number).
func (e *encoder) query(ctx context.Context, sql string, args []any, fn func(n int, vals [][]byte, xt int64)) error {
	rows, err := e.conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	ncol := len(rows.FieldDescriptions())
	for rows.Next() {
		var n int64
		dest := make([]any, ncol)
		dest[0] = &n
		vals := make([][]byte, ncol-1)
		for i := range vals {
			dest[i+1] = &vals[i]
		}
		var xt int64
		if ncol > 2 && rows.FieldDescriptions()[ncol-1].DataTypeOID == 20 { // int8: the xt column
			dest[ncol-1] = &xt
			vals = vals[:ncol-2]
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		fn(int(n-1), vals, xt)
	}
	return rows.Err()
}

// record is the KT key (without prefix) and value of a rows query's
// columns; the first encoding error is kept in *encErr.
func (t *Table) record(vals [][]byte, xt int64, encErr *error) (key, value []byte, _ int64) {
	if !t.JSON {
		return vals[0], vals[1], 0
	}
	v, err := fdw.EncodeJSONRow(t.JSONCols, vals[1:])
	if err != nil && *encErr == nil {
		*encErr = errors.Wrapf(err, "row of key %q of %s", vals[0], t.Source)
	}
	return vals[0], v, xt
}

// mergeOld takes unchanged TOASTed values of the new tuple from the old
// one when it has them (REPLICA IDENTITY FULL).
func mergeOld(c *Change) {
	if c.Old == nil {
		return
	}
	for i := range c.New {
		if c.New[i].Unchanged && i < len(c.Old) && !c.Old[i].Unchanged {
			c.New[i] = c.Old[i]
		}
	}
}

func hasUnchanged(cols []Col) bool {
	for _, c := range cols {
		if c.Unchanged {
			return true
		}
	}
	return false
}

// fillUnchanged reads the values pgoutput left out (large values an
// UPDATE did not change, without REPLICA IDENTITY FULL) from the source's
// current rows. A value changed since by a later transaction is that
// transaction's: KT holds it a little early, until the stream reaches that
// transaction. A row gone since leaves them NULL, until its DELETE.
func (e *encoder) fillUnchanged(ctx context.Context, t *Table, cur []string, changes []*Change, idx []int) error {
	keys := make([]string, 0, len(idx))
	for _, i := range idx {
		c := changes[i]
		keys = append(keys, string(c.New[colIndex(c.Rel.Columns, t.KeyCol)].Text))
	}
	var sel strings.Builder
	fmt.Fprintf(&sel, "SELECT s.%s::text", qi(t.KeyCol))
	for _, c := range cur {
		fmt.Fprintf(&sel, ", s.%s::text", qi(c))
	}
	fmt.Fprintf(&sel, " FROM %s s WHERE s.%s::text = ANY ($1::text[])", t.Source, qi(t.KeyCol))
	rows, err := e.conn.Query(ctx, sel.String(), keys)
	if err != nil {
		return errors.Wrapf(err, "reading unchanged values of %s", t.Source)
	}
	defer rows.Close()
	current := map[string][]*string{}
	for rows.Next() {
		var k string
		vals := make([]*string, len(cur))
		dest := []any{&k}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		current[k] = vals
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, i := range idx {
		c := changes[i]
		vals := current[string(c.New[colIndex(c.Rel.Columns, t.KeyCol)].Text)]
		for j := range c.New {
			if !c.New[j].Unchanged {
				continue
			}
			c.New[j] = Col{Null: true}
			if k := colIndex(cur, c.Rel.Columns[j]); k >= 0 && vals != nil && vals[k] != nil {
				c.New[j] = Col{Text: []byte(*vals[k])}
			}
		}
	}
	return nil
}
