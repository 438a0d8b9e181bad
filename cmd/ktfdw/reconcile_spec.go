package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5"
)

// syncSpec is what reconcile compares: the source table's rows mapped the
// way kt_fdw_sync maps them (KT key = key column's text form, KT value = one
// column's text form or the row as JSON) against the foreign table.
type syncSpec struct {
	Source    string // quoted, possibly qualified (regclass output)
	SourceOID uint32
	Target    string // the foreign table, as Source
	KeyCol    string // source key column
	KeyType   string // its type (format_type)
	ValueCol  string // source value column; "" = the row as JSON
	FTKey     string // the foreign table's key column
	FTKeyType string
	FTVal     string // and its value column
	FTValType string
	// FTJSON: the foreign table has format 'json'; the value compared is
	// then the row as that table reads it (to_jsonb of its row type), as
	// kt_fdw_sync writes it: the source's columns by name.
	FTJSON bool
}

func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// resolveSpec fills the spec from the command line, and what it leaves out
// from the source's kt_fdw_sync trigger (its arguments) or the primary key.
func resolveSpec(ctx context.Context, conn *pgx.Conn, source, target, keyCol, valueCol string, json bool) (*syncSpec, error) {
	s := &syncSpec{}
	if err := conn.QueryRow(ctx, `SELECT $1::regclass::oid, $1::regclass::text`, source).Scan(&s.SourceOID, &s.Source); err != nil {
		return nil, errors.Wrapf(err, "source table %q", source)
	}
	trig, err := syncTrigger(ctx, conn, s.SourceOID, target)
	if err != nil {
		return nil, err
	}
	if trig != nil {
		if target == "" {
			target = trig[0]
		}
		if keyCol == "" && len(trig) > 1 {
			keyCol = trig[1]
		}
		if valueCol == "" && !json && len(trig) > 2 {
			valueCol = trig[2]
		}
	}
	if target == "" {
		return nil, errors.Newf("%s has no kt_fdw_sync trigger: name the foreign table with -target", s.Source)
	}
	if err := conn.QueryRow(ctx, `SELECT $1::regclass::text`, target).Scan(&s.Target); err != nil {
		return nil, errors.Wrapf(err, "target foreign table %q", target)
	}
	if keyCol == "" {
		var n int
		if err := conn.QueryRow(ctx, `
SELECT min(a.attname), count(*) FROM pg_index i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
 WHERE i.indrelid = $1 AND i.indisprimary`, s.SourceOID).Scan(&keyCol, &n); err != nil {
			return nil, errors.Wrap(err, "finding the primary key")
		}
		if n != 1 {
			return nil, errors.Newf("%s has no single-column primary key: name the key column with -key", s.Source)
		}
	}
	s.KeyCol, s.ValueCol = keyCol, valueCol
	if err := conn.QueryRow(ctx, `
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = $1 AND attname = $2 AND attnum > 0 AND NOT attisdropped`, s.SourceOID, keyCol).Scan(&s.KeyType); err != nil {
		return nil, errors.Wrapf(err, "key column %q of %s", keyCol, s.Source)
	}
	var isKT bool
	if err := conn.QueryRow(ctx, `
SELECT (array_agg(a.attname ORDER BY a.attnum))[1], (array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum))[1],
       (array_agg(a.attname ORDER BY a.attnum))[2], (array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum))[2],
       EXISTS (SELECT 1 FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver
                 JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw JOIN pg_proc h ON h.oid = w.fdwhandler
                WHERE ft.ftrelid = $1::regclass AND h.proname = 'kt_fdw_handler'),
       coalesce((SELECT 'format=json' = ANY (ftoptions) FROM pg_foreign_table WHERE ftrelid = $1::regclass), false)
  FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
		s.Target).Scan(&s.FTKey, &s.FTKeyType, &s.FTVal, &s.FTValType, &isKT, &s.FTJSON); err != nil {
		return nil, errors.Wrapf(err, "columns of %s", s.Target)
	}
	if !isKT {
		return nil, errors.Newf("%s is not a kt_fdw foreign table", s.Target)
	}
	if s.FTJSON && valueCol != "" {
		return nil, errors.Newf("%s has format 'json', which takes the source's columns by name: leave out -value", s.Target)
	}
	return s, nil
}

// syncTrigger returns the arguments of the source's row-level kt_fdw_sync
// trigger (for target, when given), nil if there is none.
func syncTrigger(ctx context.Context, conn *pgx.Conn, sourceOID uint32, target string) ([]string, error) {
	rows, err := conn.Query(ctx, `
SELECT t.tgargs FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE t.tgrelid = $1 AND p.proname = 'kt_fdw_sync' AND (t.tgtype & 1) = 1 AND t.tgnargs > 0
 ORDER BY t.tgname`, sourceOID)
	if err != nil {
		return nil, errors.Wrap(err, "reading the source's triggers")
	}
	var all [][]string
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		all = append(all, splitTriggerArgs(raw))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var found [][]string
	for _, args := range all {
		if target != "" {
			var same bool
			if err := conn.QueryRow(ctx, `SELECT $1::regclass = $2::regclass`, args[0], target).Scan(&same); err != nil || !same {
				continue
			}
		}
		found = append(found, args)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1 && target == "":
		return nil, errors.Newf("the source has %d kt_fdw_sync triggers: choose one with -target", len(found))
	case len(found) > 1:
		return found[0], nil
	}
	return nil, nil
}

// splitTriggerArgs splits pg_trigger.tgargs: each argument ends with a NUL.
func splitTriggerArgs(raw []byte) []string {
	parts := bytes.Split(bytes.TrimSuffix(raw, []byte{0}), []byte{0})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// sourceColumns is the select list giving (native key text, KT key, KT
// value) of a source row s, exactly as kt_fdw_sync writes them: the texts are
// passed through the foreign table's column types so they compare equal to
// what a scan of the foreign table returns.
func (s *syncSpec) sourceColumns() string {
	val := "to_jsonb(s)::text"
	if s.ValueCol != "" {
		val = fmt.Sprintf("s.%s::text", quoteIdent(s.ValueCol))
	}
	key := fmt.Sprintf("s.%s", quoteIdent(s.KeyCol))
	if s.FTJSON {
		// the source row as the json table would read it back
		return fmt.Sprintf("%s::text, %s::text::%s::text, to_jsonb(jsonb_populate_record(NULL::%s, to_jsonb(s) || jsonb_build_object(%s, %s::text)))::text",
			key, key, s.FTKeyType, s.Target, quoteLiteral(s.FTKey), key)
	}
	return fmt.Sprintf("%s::text, %s::text::%s::text, (%s)::%s::text", key, key, s.FTKeyType, val, s.FTValType)
}

// sourceBatchSQL pages through the source in key order; after the first
// page $1 is the last native key text of the previous page.
func (s *syncSpec) sourceBatchSQL(first bool, batch int) string {
	key := "s." + quoteIdent(s.KeyCol)
	after := fmt.Sprintf("%s > $1::text::%s", key, s.KeyType)
	if first {
		after = key + " IS NOT NULL"
	}
	return fmt.Sprintf(`SELECT %s FROM %s s WHERE %s ORDER BY %s LIMIT %d`,
		s.sourceColumns(), s.Source, after, key, batch)
}

// sourceByKeysSQL re-reads source rows by native key ($1 text[]), locking
// them FOR SHARE so no trigger write to them can commit meanwhile; in key
// order, as writers changing several rows usually lock them.
func (s *syncSpec) sourceByKeysSQL() string {
	key := "s." + quoteIdent(s.KeyCol)
	return fmt.Sprintf(`SELECT %s FROM %s s WHERE %s = ANY ($1::text[]::%s[]) ORDER BY %s FOR SHARE OF s`,
		s.sourceColumns(), s.Source, key, s.KeyType, key)
}

// sourceByKTKeysSQL reads source rows by KT key ($1 text[]); used under a
// SHARE lock of the table for keys that had no source row.
func (s *syncSpec) sourceByKTKeysSQL() string {
	key := "s." + quoteIdent(s.KeyCol)
	return fmt.Sprintf(`SELECT %s FROM %s s WHERE %s::text::%s::text = ANY ($1::text[])`,
		s.sourceColumns(), s.Source, key, s.FTKeyType)
}

// ktByKeysSQL reads the foreign table's records for KT keys ($1 text[]):
// one get_bulk per 1,000 keys.
func (s *syncSpec) ktByKeysSQL() string {
	if s.FTJSON {
		return fmt.Sprintf(`SELECT t.%s::text, to_jsonb(t)::text FROM %s t WHERE t.%s = ANY ($1::text[]::%s[])`,
			quoteIdent(s.FTKey), s.Target, quoteIdent(s.FTKey), s.FTKeyType)
	}
	return fmt.Sprintf(`SELECT %s::text, %s::text FROM %s WHERE %s = ANY ($1::text[]::%s[])`,
		quoteIdent(s.FTKey), quoteIdent(s.FTVal), s.Target, quoteIdent(s.FTKey), s.FTKeyType)
}

// ktKeysSQL lists every key of the foreign table (a full scan).
func (s *syncSpec) ktKeysSQL() string {
	return fmt.Sprintf(`SELECT %s::text FROM %s`, quoteIdent(s.FTKey), s.Target)
}

func (s *syncSpec) deleteSQL() string {
	return fmt.Sprintf(`DELETE FROM %s WHERE %s = ANY ($1::text[]::%s[])`, s.Target, quoteIdent(s.FTKey), s.FTKeyType)
}

// insertSQL inserts the desired records: $1 keys and $2 values (text[]);
// for a json table $1 is a JSON array of the desired rows.
func (s *syncSpec) insertSQL() string {
	if s.FTJSON {
		return fmt.Sprintf(`INSERT INTO %s SELECT * FROM jsonb_populate_recordset(NULL::%s, $1::jsonb)`, s.Target, s.Target)
	}
	return fmt.Sprintf(`INSERT INTO %s (%s, %s) SELECT k::%s, v::%s FROM unnest($1::text[], $2::text[]) AS u(k, v)`,
		s.Target, quoteIdent(s.FTKey), quoteIdent(s.FTVal), s.FTKeyType, s.FTValType)
}
