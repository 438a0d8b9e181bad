package fdwtype

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Server is a foreign server as pgext describes it.
type Server struct {
	OID  uint32
	Name string
	Opts ServerOptions
}

// Table is a foreign table: where its rows live and how its columns are typed.
type Table struct {
	Server   Server
	Name     string // relation name, for messages
	KeyCol   string // key column name, for messages
	DB       string
	KeyBytea bool
	ValBytea bool
	ReadOnly bool   // option readonly on the table or its server (readonly.go)
	Prefix   []byte // option prefix: the table's keys are Prefix+key in KT (prefix.go)
	// ConflictCheck: UPDATE/DELETE/INSERT remember what they saw in KT and
	// the commit fails with 40001 if KT changed meanwhile (options_xact.go).
	ConflictCheck bool
	XT            bool // a column with option xt: values carry their expiration time (xt.go)
}

// Target identifies one transaction buffer: one KT database on one server.
type Target struct {
	ServerOID uint32
	DB        string
}

// Target of the table.
func (t Table) Target() Target { return Target{ServerOID: t.Server.OID, DB: t.DB} }

// displayKey renders a key for an error message the way Postgres prints the
// column's type: bytea as \x hex, text as is; long keys are shortened.
func (t Table) DisplayKey(key []byte) string {
	const max = 100
	key = t.LocalKey(key)
	if t.KeyBytea || !utf8.Valid(key) {
		var b strings.Builder
		b.WriteString(`\x`)
		for i, c := range key {
			if i == max {
				b.WriteString("...")
				break
			}
			fmt.Fprintf(&b, "%02x", c)
		}
		return b.String()
	}
	s := string(key)
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}

func (t Table) DuplicateKey(key []byte, buffered bool) *Status {
	where := fmt.Sprintf("in KT server \"%s\" (%s)", t.Server.Name, t.Server.Opts.Addr())
	if buffered {
		where = "(written earlier in this transaction)"
	}
	return &Status{
		SQLState: SQLStateUniqueViolation,
		Message:  fmt.Sprintf("duplicate key value \"%s\" in foreign table \"%s\"", t.DisplayKey(key), t.Name),
		Detail:   fmt.Sprintf("Key (%s)=(%s) already exists %s.", t.KeyCol, t.DisplayKey(key), where),
		Hint:     "Use UPDATE to change the record, or INSERT ... ON CONFLICT DO NOTHING to skip it.",
	}
}

// The prefix table option namespaces a table inside one KT database: its
// keys are stored as prefix+key, and every scan, lookup and write of the
// table is confined to keys with the prefix. The key column shows keys
// without it. Translation happens at the edges: keys coming from Postgres
// get the prefix (Table.ktKey, Table.confine), rows going back lose it
// (Scan.Next); buffers, conflict checks and the apply see KT's real keys.

// TablePrefix is the prefix option of a foreign table (nil: none).
func TablePrefix(table []Option) []byte {
	for _, o := range table {
		if o.Name == optPrefix && o.Value != "" {
			return []byte(o.Value)
		}
	}
	return nil
}

// ktKey is the KT key of the table's key k.
func (t Table) KTKey(k []byte) []byte {
	if len(t.Prefix) == 0 || k == nil {
		return k
	}
	out := make([]byte, 0, len(t.Prefix)+len(k))
	return append(append(out, t.Prefix...), k...)
}

func (t Table) KTKeys(keys [][]byte) [][]byte {
	if len(t.Prefix) == 0 {
		return keys
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = t.KTKey(k)
	}
	return out
}

// localKey is the key column's value of KT key k.
func (t Table) LocalKey(k []byte) []byte {
	return bytes.TrimPrefix(k, t.Prefix)
}

// Column option xt: a timestamptz column of a format 'json' table
// is the record's KT expiration time instead of a JSON field. C checks the
// column (type, not the key, one per table) and tells Go through
// KtTable.xt_col; the value then carries the time in a header across the
// C/Go boundary, in both directions:
//
//	XTHeader, 8 bytes int64 in native byte order (absolute Unix seconds,
//	0 = never expires), then the JSON object.
//
// A JSON object never starts with XTHeader, so C can tell values without
// it (ANALYZE's sample) apart.

// XTHeader starts a value that carries its expiration time.
const XTHeader = 0x01

const xtHeaderLen = 1 + 8

// XTColumn reports whether a column's options make it the xt column.
func XTColumn(opts []Option) bool {
	for _, o := range opts {
		if o.Name == optXT {
			b, _ := parseBool(o.Value)
			return b
		}
	}
	return false
}

// WithXT prefixes value with the header for xt.
func WithXT(xt int64, value []byte) []byte {
	out := make([]byte, xtHeaderLen, xtHeaderLen+len(value))
	out[0] = XTHeader
	binary.NativeEndian.PutUint64(out[1:], uint64(xt))
	return append(out, value...)
}

// SplitXT takes the header off a value; ok is false when there is none.
func SplitXT(value []byte) (xt int64, rest []byte, ok bool) {
	if len(value) < xtHeaderLen || value[0] != XTHeader {
		return 0, value, false
	}
	return int64(binary.NativeEndian.Uint64(value[1:])), value[xtHeaderLen:], true
}

// splitXT is the value and expiration time to buffer for a row value from
// C: tables without an xt column never expire.
func (t Table) SplitValue(value []byte) ([]byte, int64) {
	if !t.XT {
		return value, 0
	}
	xt, rest, _ := SplitXT(value)
	return rest, xt
}

// withXT adds the header to the values of rows going to C.
func (t Table) WithXTHeaders(rows []Record) []Record {
	if !t.XT {
		return rows
	}
	for i := range rows {
		if rows[i].Value != nil {
			rows[i].Value = WithXT(rows[i].XT, rows[i].Value)
		}
	}
	return rows
}

// The readonly option (server or foreign table): INSERT, UPDATE, DELETE and
// TRUNCATE are refused before anything is sent to KT. A table can only add
// the restriction: readonly 'false' on a table does not lift it from a
// readonly server, so whoever controls the server decides.
//
// SQLSTATE 55000 (object_not_in_prerequisite_state), with Postgres' own
// wording and code for foreign tables that do not allow a command (execMain.c
// CheckValidResultRel, postgres_fdw's updatable 'false'): pgext also reports readonly tables as
// not updatable (IsForeignRelUpdatable), so paths where Postgres checks first
// (COPY, partition routing, views over the table) raise that same code, and
// information_schema shows the table as not insertable. 25006
// (read_only_sql_transaction) was not used: clients and poolers take it to
// mean "connected to a standby" and may reconnect or retry elsewhere.

// ReadOnly reports whether the server or the table sets readonly.
func ReadOnly(server, table []Option) (ro bool, where string) {
	for _, o := range server {
		if o.Name == optReadOnly {
			if b, _ := parseBool(o.Value); b {
				return true, "server"
			}
		}
	}
	for _, o := range table {
		if o.Name == optReadOnly {
			if b, _ := parseBool(o.Value); b {
				return true, "table"
			}
		}
	}
	return false, ""
}

// CheckWritable refuses cmd ("INSERT", "UPDATE", "DELETE", "TRUNCATE") on a
// readonly table, or returns nil.
func CheckWritable(server, table []Option, serverName, rel, cmd string) *Status {
	ro, where := ReadOnly(server, table)
	if !ro {
		return nil
	}
	return readOnlyStatus(serverName, rel, cmd, where)
}

func readOnlyStatus(serverName, rel, cmd, where string) *Status {
	what := map[string]string{"INSERT": "inserts", "UPDATE": "updates", "DELETE": "deletes", "TRUNCATE": "TRUNCATE"}[strings.ToUpper(cmd)]
	if what == "" {
		what = "changes"
	}
	detail := fmt.Sprintf("Foreign table \"%s\" or its server \"%s\" has option readonly 'true'.", rel, serverName)
	switch where {
	case "table":
		detail = fmt.Sprintf("Foreign table \"%s\" has option readonly 'true'.", rel)
	case "server":
		detail = fmt.Sprintf("Its foreign server \"%s\" has option readonly 'true'.", serverName)
	}
	return &Status{
		SQLState: SQLStateObjectNotInPrerequisiteState,
		Message:  fmt.Sprintf("foreign table \"%s\" does not allow %s", rel, what),
		Detail:   detail,
	}
}

// CheckWritable refuses cmd on t when it is readonly (the last line of
// defence in Go: pgext checks at plan and executor start already).
func (t Table) CheckWritable(cmd string) *Status {
	if !t.ReadOnly {
		return nil
	}
	return readOnlyStatus(t.Server.Name, t.Name, cmd, "")
}

// SyncBlind reports whether the trigger may write t without reading KT.
// Not with conflict_check (its promise is about records the transaction
// read: the trigger then goes through the foreign table, which reads them),
// nor on a readonly table (the foreign table's own statement raises the
// refusal, with the command it names).
func (t Table) SyncBlind() bool { return !t.ConflictCheck && !t.ReadOnly }
