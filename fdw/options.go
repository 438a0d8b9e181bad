// Package fdw is the Postgres-free logic of kt_fdw: options, the transaction
// write buffer, scans and modifications against a KT server, and the mapping of
// KT failures to SQLSTATEs. pgext hands every FdwRoutine callback to it.
package fdw

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
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

// Defaults for server options.
const (
	DefaultHost           = "127.0.0.1"
	DefaultPort           = 1978
	DefaultTimeout        = 2 * time.Second
	DefaultConnectTimeout = 2 * time.Second
)

// optionChecker validates one option value; it returns a description of what
// is accepted when the value is bad.
type optionChecker func(value string) (ok bool, accepted string)

var validOptions = map[Catalog]map[string]optionChecker{
	CatalogWrapper:     {},
	CatalogUserMapping: {},
	CatalogColumn:      {},
	CatalogServer: {
		"host":            checkHostList,
		"port":            checkPort,
		"timeout":         checkDuration,
		"connect_timeout": checkDuration,
		optTLS:            checkBool,
		optTLSCAFile:      checkPath,
		optTLSCertFile:    checkPath,
		optTLSKeyFile:     checkPath,
		optTLSServerName:  checkServerName,
	},
	CatalogTable: {
		"db": checkDB,
	},
}

// ValidOptionNames lists the options accepted for a catalog, sorted.
func ValidOptionNames(c Catalog) []string {
	names := make([]string, 0, len(validOptions[c]))
	for n := range validOptions[c] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate checks an option list as the validator does at CREATE/ALTER time.
func Validate(c Catalog, opts []Option) *Status {
	known, ok := validOptions[c]
	if !ok {
		return Errorf(SQLStateInternal, "kt_fdw validator called for an unknown catalog %d", int(c))
	}
	seen := map[string]bool{}
	for _, o := range opts {
		check, ok := known[o.Name]
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
		if ok, accepted := check(o.Value); !ok {
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

func checkPort(v string) (bool, string) {
	_, err := parsePort(v)
	return err == nil, "The port must be an integer between 1 and 65535."
}

func checkDuration(v string) (bool, string) {
	_, err := ParseDuration(v)
	return err == nil, "Use a non-negative duration such as '2s' or '500ms', or a number of seconds such as '2'; 0 means no limit."
}

func checkDB(v string) (bool, string) {
	return !strings.ContainsAny(v, "\t\r\n\x00"), "The db must be a KT database name or index."
}

func parsePort(v string) (int, error) {
	p, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, err
	}
	if p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %d out of range", p)
	}
	return p, nil
}

// ParseDuration accepts Go durations ("2s", "500ms") and plain, possibly
// fractional, seconds ("2", "0.5"). Negative values are refused.
func ParseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || math.IsInf(secs, 0) || secs > float64(math.MaxInt64/int64(time.Second)) {
			return 0, fmt.Errorf("duration \"%s\" out of range", v)
		}
		d = time.Duration(secs * float64(time.Second))
		if secs < 0 {
			d = -1
		}
	} else {
		d, err = time.ParseDuration(v)
		if err != nil {
			return 0, err
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration \"%s\"", v)
	}
	return d, nil
}

// ServerOptions are the parsed options of a foreign server.
type ServerOptions struct {
	Host           string
	Port           int
	Timeout        time.Duration // per KT operation; 0 = none
	ConnectTimeout time.Duration // 0 = none
	// TLS (tls.go): TLSCAFile empty = the system's roots; TLSCertFile and
	// TLSKeyFile = client certificate for mutual TLS.
	TLS                                               bool
	TLSCAFile, TLSCertFile, TLSKeyFile, TLSServerName string
	// Xact: apply, apply_batch, conflict_check (options_xact.go).
	Xact XactOptions
	// BufferMemory: write buffer bytes kept in memory (spill_options.go); 0 = default.
	BufferMemory int64
}

// Addr is host:port.
// With a failover list (failover.go) it is every host:port, comma-separated.
func (s ServerOptions) Addr() string {
	return strings.Join(s.Addrs(), ",")
}

// ParseServerOptions validates and parses a server's options, filling defaults.
func ParseServerOptions(opts []Option) (ServerOptions, *Status) {
	so := ServerOptions{Host: DefaultHost, Port: DefaultPort, Timeout: DefaultTimeout, ConnectTimeout: DefaultConnectTimeout}
	if st := Validate(CatalogServer, opts); st != nil {
		return so, st
	}
	for _, o := range opts {
		switch o.Name {
		case "host":
			so.Host = strings.TrimSpace(o.Value)
		case "port":
			so.Port, _ = parsePort(o.Value)
		case "timeout":
			so.Timeout, _ = ParseDuration(o.Value)
		case "connect_timeout":
			so.ConnectTimeout, _ = ParseDuration(o.Value)
		case optBufferMemory:
			so.BufferMemory, _ = parseBufferMemory(o.Value)
		default:
			so.parseTLSOption(o)
		}
	}
	so.Xact = parseXactOptions(opts)
	return so, nil
}

// TableOptions are the parsed options of a foreign table.
type TableOptions struct {
	DB string // "" = KT's default database
	// conflictCheck is the table's conflict_check: 0 unset (the server's
	// applies, see ConflictCheckFor), 1 off, 2 on
	conflictCheck int8
}

// ConflictCheckFor resolves conflict_check for a table of server so.
func (to TableOptions) ConflictCheckFor(so ServerOptions) bool {
	if to.conflictCheck == 0 {
		return so.Xact.ConflictCheck
	}
	return to.conflictCheck == 2
}

// ParseTableOptions validates and parses a foreign table's options.
func ParseTableOptions(opts []Option) (TableOptions, *Status) {
	var to TableOptions
	if st := Validate(CatalogTable, opts); st != nil {
		return to, st
	}
	for _, o := range opts {
		if o.Name == "db" {
			to.DB = o.Value
		}
	}
	to.conflictCheck = tableConflictCheck(opts)
	return to, nil
}
