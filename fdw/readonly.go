package fdw

import (
	"fmt"
	"strings"
)

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
const optReadOnly = "readonly"

// SQLStateObjectNotInPrerequisiteState is what Postgres raises for a
// command a foreign table does not allow.
const SQLStateObjectNotInPrerequisiteState = "55000"

func init() {
	validOptions[CatalogServer][optReadOnly] = checkBool
	validOptions[CatalogTable][optReadOnly] = checkBool
}

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
