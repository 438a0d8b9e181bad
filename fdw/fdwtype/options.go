package fdwtype

import (
	"fmt"
	"slices"
	"strings"
)

// Catalog says which catalog an option list belongs to, as in the validator's
// second argument.
type Catalog int

const (
	CatalogWrapper Catalog = iota
	CatalogServer
	CatalogUserMapping
	CatalogTable
	CatalogColumn
)

func (c Catalog) String() string {
	switch c {
	case CatalogWrapper:
		return "foreign-data wrapper"
	case CatalogServer:
		return "server"
	case CatalogUserMapping:
		return "user mapping"
	case CatalogTable:
		return "foreign table"
	case CatalogColumn:
		return "column"
	}
	return "unknown catalog"
}

// Option is one name/value pair from CREATE/ALTER ... OPTIONS.
type Option struct {
	Name, Value string
}

// optionChecker validates one option value; it returns a description of what
// is accepted when the value is bad.
type optionChecker func(value string) (ok bool, accepted string)

// optionDef is one option kt_fdw accepts. optionTable is the only list of
// them: the validator walks it, its hint lists its names, and the
// documentation test holds doc/reference.md's option tables against it.
type optionDef struct {
	name      string
	where     []Catalog     // the catalogs that accept it
	typ       string        // doc/reference.md's type column
	since     string        // the version that added it
	superuser bool          // names a file the backend reads (CheckOptionPrivileges)
	check     optionChecker // says what is accepted when the value is bad
	doc       string        // one line: what it does
}

var (
	onServer        = []Catalog{CatalogServer}
	onTable         = []Catalog{CatalogTable}
	onColumn        = []Catalog{CatalogColumn}
	onServerOrTable = []Catalog{CatalogServer, CatalogTable}
)

// optionTable lists every option, sorted by name.
var optionTable = []optionDef{
	{optApply, onServer, "text", "0.2.0", false, checkApplyMode, "how the commit applies the writes: atomic, bulk or auto"},
	{optApplyBatch, onServer, "integer", "0.2.0", false, checkApplyBatch, "records per apply call at commit"},
	{optBatchSize, onServerOrTable, "integer", "0.2.0", false, checkBatchSize, "rows Postgres hands over at once in a batched INSERT"},
	{optBufferMemory, onServer, "bytes", "0.3.0", false, checkBufferMemory, "buffered writes kept in memory per KT database before they spill to disk"},
	{optConflictCheck, onServerOrTable, "boolean", "0.2.0", false, checkConflictCheck, "fail a commit with 40001 when another client changed a record read and changed"},
	{optConnectTimeout, onServer, "duration", "0.1.0", false, checkDuration, "bound on establishing a connection"},
	{optDB, onTable, "text", "0.1.0", false, checkDB, "the KT database (index or name)"},
	{optFormat, onTable, "text", "0.2.0", false, checkFormat, "plain (key, value) or json (a key column and any columns)"},
	{optHost, onServer, "text", "0.1.0", false, checkHostList, "KT server host, or a comma-separated failover list"},
	{optOrdered, onTable, "boolean", "0.2.0", false, checkOrdered, "the KT database keeps keys in order"},
	{optPort, onServer, "integer", "0.1.0", false, checkPort, "KT server port"},
	{optPrefix, onTable, "text", "0.2.0", false, checkPrefix, "the table's keys are prefix+key in KT"},
	{optReadOnly, onServerOrTable, "boolean", "0.2.0", false, checkBool, "refuse INSERT, UPDATE, DELETE and TRUNCATE"},
	{optTimeout, onServer, "duration", "0.1.0", false, checkDuration, "bound on each KT operation"},
	{optTLS, onServer, "boolean", "0.2.0", false, checkBool, "connect to KT over TLS"},
	{optTLSCAFile, onServer, "path", "0.2.0", true, checkPath, "PEM file of the CA(s) of the KT server's certificate"},
	{optTLSCertFile, onServer, "path", "0.2.0", true, checkPath, "PEM client certificate for mutual TLS"},
	{optTLSKeyFile, onServer, "path", "0.2.0", true, checkPath, "PEM private key of tls_cert_file"},
	{optTLSServerName, onServer, "text", "0.2.0", false, checkServerName, "the name the KT server's certificate is issued for"},
	{optXT, onColumn, "boolean", "0.2.0", false, checkBool, "the column is the record's KT expiration time"},
}

// Option names.
const (
	optApply          = "apply"
	optApplyBatch     = "apply_batch"
	optBatchSize      = "batch_size"
	optBufferMemory   = "buffer_memory"
	optConflictCheck  = "conflict_check"
	optConnectTimeout = "connect_timeout"
	optDB             = "db"
	optFormat         = "format"
	optHost           = "host"
	optOrdered        = "ordered"
	optPort           = "port"
	optPrefix         = "prefix"
	optReadOnly       = "readonly"
	optTimeout        = "timeout"
	optTLS            = "tls"
	optTLSCAFile      = "tls_ca_file"
	optTLSCertFile    = "tls_cert_file"
	optTLSKeyFile     = "tls_key_file"
	optTLSServerName  = "tls_server_name"
	optXT             = "xt"
)

// OptionDoc is what doc/reference.md's option tables show of an option.
type OptionDoc struct {
	Name, Type, Since, Doc string
	Superuser              bool
}

// OptionDocs lists the options a catalog accepts, sorted by name.
func OptionDocs(c Catalog) []OptionDoc {
	var out []OptionDoc
	for _, d := range optionTable {
		if d.allowedOn(c) {
			out = append(out, OptionDoc{Name: d.name, Type: d.typ, Since: d.since, Doc: d.doc, Superuser: d.superuser})
		}
	}
	return out
}

func (d optionDef) allowedOn(c Catalog) bool {
	return slices.Contains(d.where, c)
}

// lookupOption finds an option a catalog accepts.
func lookupOption(c Catalog, name string) (optionDef, bool) {
	for _, d := range optionTable {
		if d.name == name && d.allowedOn(c) {
			return d, true
		}
	}
	return optionDef{}, false
}

// ValidOptionNames lists the options accepted for a catalog, sorted.
func ValidOptionNames(c Catalog) []string {
	var names []string
	for _, d := range optionTable {
		if d.allowedOn(c) {
			names = append(names, d.name)
		}
	}
	return names
}

// Validate checks an option list as the validator does at CREATE/ALTER time.
func Validate(c Catalog, opts []Option) *Status {
	if c < CatalogWrapper || c > CatalogColumn {
		return Errorf(SQLStateInternal, "kt_fdw validator called for an unknown catalog %d", int(c))
	}
	seen := map[string]bool{}
	for _, o := range opts {
		def, ok := lookupOption(c, o.Name)
		if !ok {
			st := Errorf(SQLStateInvalidOptionName, "invalid option \"%s\"", o.Name)
			if names := ValidOptionNames(c); len(names) > 0 {
				st.Hint = fmt.Sprintf("Valid options for a kt_fdw %s are: %s.", c, strings.Join(names, ", "))
			} else {
				st.Hint = fmt.Sprintf("A kt_fdw %s takes no options.", c)
			}
			return st
		}
		if seen[o.Name] {
			return Errorf(SQLStateInvalidParameterValue, "option \"%s\" given more than once", o.Name)
		}
		seen[o.Name] = true
		if ok, accepted := def.check(o.Value); !ok {
			st := Errorf(SQLStateInvalidParameterValue, "invalid value for option \"%s\": \"%s\"", o.Name, o.Value)
			st.Hint = accepted
			return st
		}
	}
	if c == CatalogServer {
		return checkTLSCombination(opts)
	}
	return nil
}

// CheckOptionPrivileges refuses the options naming files unless the user
// running CREATE/ALTER is a superuser. The validator sees the whole option
// list, so a non-superuser cannot ALTER a server that carries such an option
// at all (the same limit postgres_fdw has for sslcert/sslkey).
func CheckOptionPrivileges(c Catalog, opts []Option, superuser bool) *Status {
	if superuser || c != CatalogServer {
		return nil
	}
	for _, o := range opts {
		if d, ok := lookupOption(c, o.Name); ok && d.superuser {
			return &Status{
				SQLState: SQLStateInsufficientPrivilege,
				Message:  fmt.Sprintf("permission denied to set option \"%s\"", o.Name),
				Detail:   "Options naming files on the database server (tls_ca_file, tls_cert_file, tls_key_file) are superuser-only.",
				Hint:     "Ask a superuser to create or alter the server.",
			}
		}
	}
	return nil
}

// checkTLSCombination checks the TLS options together: a certificate needs
// its key and the other way round, and the tls_* options need tls present,
// so that forgetting tls 'on' does not silently leave the connection plain.
func checkTLSCombination(opts []Option) *Status {
	has := map[string]bool{}
	for _, o := range opts {
		has[o.Name] = true
	}
	if has[optTLSCertFile] != has[optTLSKeyFile] {
		return &Status{
			SQLState: SQLStateInvalidParameterValue,
			Message:  "options \"tls_cert_file\" and \"tls_key_file\" must be given together",
			Hint:     "A client certificate (mutual TLS) needs both the certificate and its private key.",
		}
	}
	if !has[optTLS] {
		for _, n := range []string{optTLSCAFile, optTLSCertFile, optTLSKeyFile, optTLSServerName} {
			if has[n] {
				return &Status{
					SQLState: SQLStateInvalidParameterValue,
					Message:  fmt.Sprintf("option \"%s\" needs option \"tls\"", n),
					Hint:     "Add tls 'on' to connect to KT over TLS.",
				}
			}
		}
	}
	return nil
}
