package fdw

import (
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

func (t Table) opContext(op string) OpContext {
	return OpContext{ServerOID: t.Server.OID, Server: t.Server.Name, Addr: t.Server.Opts.Addr(), Op: op,
		Timeout: t.Server.Opts.Timeout, ConnectTimeout: t.Server.Opts.ConnectTimeout}
}

// displayKey renders a key for an error message the way Postgres prints the
// column's type: bytea as \x hex, text as is; long keys are shortened.
func (t Table) displayKey(key []byte) string {
	const max = 100
	key = t.localKey(key)
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

func (t Table) duplicateKey(key []byte, buffered bool) *Status {
	where := fmt.Sprintf("in KT server \"%s\" (%s)", t.Server.Name, t.Server.Opts.Addr())
	if buffered {
		where = "(written earlier in this transaction)"
	}
	return &Status{
		SQLState: SQLStateUniqueViolation,
		Message:  fmt.Sprintf("duplicate key value \"%s\" in foreign table \"%s\"", t.displayKey(key), t.Name),
		Detail:   fmt.Sprintf("Key (%s)=(%s) already exists %s.", t.KeyCol, t.displayKey(key), where),
		Hint:     "Use UPDATE to change the record, or INSERT ... ON CONFLICT DO NOTHING to skip it.",
	}
}
