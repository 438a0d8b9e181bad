package e2e_test

import (
	"fmt"
	"math/rand"
	"strings"
)

// The random statements of the model test (model_test.go). Each is SQL with
// {T} where the table goes: the driver runs it on the kt_fdw table and on
// the local one. Statements whose outcome depends on the order rows are
// visited are not generated: a key-changing UPDATE moves one row at most
// (moving several, the unique check of row n sees rows n+1.. at their old or
// new key depending on the scan order, in a local table as in KT).

// modelKeys are the keys the statements use: few, so they collide, with the
// edge cases: empty, spaces, quotes, LIKE's wildcards and escape, non-ASCII.
var modelKeys = []string{
	"", " ", "  ", "a", "a ", " a", "A", "ab", "abc", "b", "ba", "z",
	"it's", "''", `"q"`, "%", "_", "a%", "a_b", "a%b", `\`, `a\b`,
	"ä", "äb", "日本", "k1", "k10", "k2",
}

// modelJoinKeys fill table j, which joins and INSERT ... SELECT read.
var modelJoinKeys = []string{"", "a", "ab", "missing", "ä", "%", "it's", " "}

var modelValues = []string{
	"", "", " ", "v", "v2", "it's", "%", "ä", "x",
	strings.Repeat("long-", 700),       // a value well past a TSV line or two
	strings.Repeat("0123456789", 1000), // more than the smallest buffer_memory
}

// modelLikes are LIKE patterns: prefixes (pushed down as a prefix scan),
// escaped wildcards, and patterns that are not prefixes.
var modelLikes = []string{
	"%", "a%", "ab%", "%a", "a_", "_", "_%", `\%%`, `\_`, `a\_b`, `a\%b`, "a%b",
	"", " %", "it''s%", "ä%", "%b%", `\\%`, `a\\b`, "日%", "k1%", "k1_",
}

type modelGen struct{ rng *rand.Rand }

// stmt is a statement with its parameters (extended protocol, generic
// plans) or, for COPY FROM STDIN, its data.
type stmt struct {
	sql  string
	args []any
	copy string
}

func (g modelGen) pick(s []string) string { return s[g.rng.Intn(len(s))] }
func (g modelGen) chance(pct int) bool    { return g.rng.Intn(100) < pct }

func sqlLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (g modelGen) key() string { return sqlLit(g.rawKey()) }

func (g modelGen) rawKey() string {
	if g.chance(5) {
		return g.pick(modelKeys) + g.pick(modelKeys) // a new key now and then
	}
	return g.pick(modelKeys)
}

func (g modelGen) value() string { return sqlLit(g.pick(modelValues)) }

func (g modelGen) keyList(max int) string {
	n := 1 + g.rng.Intn(max)
	ks := make([]string, n)
	for i := range ks {
		ks[i] = g.key()
	}
	return strings.Join(ks, ", ")
}

// cond is a WHERE condition on {T}'s columns (prefixed with alias when set).
func (g modelGen) cond(alias string) string {
	key, value := alias+"key", alias+"value"
	switch g.rng.Intn(14) {
	case 0, 1, 2:
		return key + " = " + g.key()
	case 3:
		return key + " IN (" + g.keyList(5) + ")"
	case 4:
		return key + " = ANY (ARRAY[" + g.keyList(4) + "])"
	case 5, 6:
		return key + " LIKE '" + g.pick(modelLikes) + "'"
	case 7:
		return "starts_with(" + key + ", " + g.key() + ")"
	case 8:
		lo, hi := g.key(), g.key()
		return key + " >= " + lo + " AND " + key + " < " + hi
	case 9:
		return key + " " + g.pick([]string{">", ">=", "<", "<="}) + " " + g.key()
	case 10:
		return key + " BETWEEN " + g.key() + " AND " + g.key()
	case 11:
		return value + " = " + g.value()
	case 12:
		return key + " <> " + g.key()
	}
	return "true"
}

// ordered reports whether the statement's rows come in a defined order.
func ordered(sql string) bool { return strings.Contains(sql, "ORDER BY") }

func (g modelGen) returning() string {
	if g.chance(30) {
		return " RETURNING key, value"
	}
	return ""
}

func (g modelGen) onConflict(pct int) string {
	if g.chance(pct) {
		return " ON CONFLICT DO NOTHING"
	}
	return ""
}

// statement is one random statement on {T}.
func (g modelGen) statement() stmt {
	switch r := g.rng.Intn(100); {
	case r < 6:
		return g.withParams()
	case r < 8:
		var data strings.Builder
		for n := 1 + g.rng.Intn(4); n > 0; n-- {
			data.WriteString(copyEscape(g.rawKey()) + "\t" + copyEscape(g.pick(modelValues)) + "\n")
		}
		return stmt{sql: "COPY {T} FROM STDIN", copy: data.String()}
	}
	return stmt{sql: g.plainStatement()}
}

// copyEscape escapes s for COPY's text format (the keys have no tabs or
// line breaks; backslashes they have).
func copyEscape(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

// withParams is a statement with parameters.
func (g modelGen) withParams() stmt {
	switch g.rng.Intn(7) {
	case 0:
		return stmt{sql: "SELECT key, value FROM {T} WHERE key = $1", args: []any{g.rawKey()}}
	case 1:
		keys := make([]string, 1+g.rng.Intn(4))
		for i := range keys {
			keys[i] = g.rawKey()
		}
		return stmt{sql: "SELECT key, value FROM {T} WHERE key = ANY ($1)", args: []any{keys}}
	case 2:
		return stmt{sql: "SELECT key, value FROM {T} WHERE key LIKE $1", args: []any{strings.ReplaceAll(g.pick(modelLikes), "''", "'")}}
	case 3:
		return stmt{sql: "INSERT INTO {T} VALUES ($1, $2)", args: []any{g.rawKey(), g.pick(modelValues)}}
	case 4:
		return stmt{sql: "UPDATE {T} SET value = $2 WHERE key = $1", args: []any{g.rawKey(), g.pick(modelValues)}}
	case 5:
		return stmt{sql: "UPDATE {T} SET key = $2 WHERE key = $1", args: []any{g.rawKey(), g.rawKey()}}
	}
	return stmt{sql: "DELETE FROM {T} WHERE key = $1 RETURNING key, value", args: []any{g.rawKey()}}
}

// plainStatement is a statement without parameters.
func (g modelGen) plainStatement() string {
	switch r := g.rng.Intn(100); {
	case r < 15:
		return "INSERT INTO {T} VALUES (" + g.key() + ", " + g.value() + ")" + g.onConflict(20) + g.returning()
	case r < 23:
		n := 2 + g.rng.Intn(4)
		rows := make([]string, n)
		for i := range rows {
			rows[i] = "(" + g.key() + ", " + g.value() + ")"
		}
		return "INSERT INTO {T} VALUES " + strings.Join(rows, ", ") + g.onConflict(40) + g.returning()
	case r < 25:
		return "INSERT INTO {T} SELECT k, " + g.value() + " FROM j WHERE k LIKE '" + g.pick(modelLikes) + "'" + g.onConflict(40)
	case r < 27:
		return "INSERT INTO {T} SELECT key || " + sqlLit(g.pick([]string{"x", "", " ", "%"})) + ", value FROM {T} WHERE " + g.cond("") + g.onConflict(40)
	case r < 28:
		return "INSERT INTO {T} VALUES (" + g.key() + ", NULL)" // 23502 on both
	case r < 37:
		set := "value = " + g.value()
		if g.chance(30) {
			set = "value = value || " + g.value()
		}
		return "UPDATE {T} SET " + set + " WHERE " + g.cond("") + g.returning()
	case r < 43:
		to := g.key()
		if g.chance(25) {
			to = "key || " + sqlLit(g.pick([]string{"s", " ", ""}))
		}
		return "UPDATE {T} SET key = " + to + " WHERE key = " + g.key() + g.returning()
	case r < 44:
		return "UPDATE {T} SET key = " + g.key() + ", value = " + g.value() + " WHERE key = " + g.key() + g.returning()
	case r < 51:
		return "DELETE FROM {T} WHERE " + g.cond("") + g.returning()
	case r < 52:
		return "TRUNCATE {T}"
	}
	return g.query()
}

// query is a random SELECT.
func (g modelGen) query() string {
	switch g.rng.Intn(10) {
	case 0:
		return "SELECT count(*) FROM {T} WHERE " + g.cond("")
	case 1:
		return fmt.Sprintf("SELECT key, value FROM {T} WHERE %s ORDER BY key LIMIT %d", g.cond(""), 1+g.rng.Intn(5))
	case 2:
		return "SELECT key, value FROM {T} WHERE " + g.cond("") + " ORDER BY key DESC"
	case 3:
		return "SELECT j.k, t.key, t.value FROM j LEFT JOIN {T} t ON t.key = j.k"
	case 4:
		return "SELECT j.k, t.value FROM j JOIN {T} t ON t.key = j.k WHERE " + g.cond("t.")
	case 5:
		return "SELECT a.key, b.key, b.value FROM {T} a JOIN {T} b ON b.key = a.value"
	case 6:
		return "SELECT key, length(value) FROM {T} WHERE value = '' OR " + g.cond("")
	}
	return "SELECT key, value FROM {T} WHERE " + g.cond("")
}
