package fdwtype

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults for server options.
const (
	DefaultHost           = "127.0.0.1"
	DefaultPort           = 1978
	DefaultTimeout        = 2 * time.Second
	DefaultConnectTimeout = 2 * time.Second
)

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
		case optHost:
			so.Host = strings.TrimSpace(o.Value)
		case optPort:
			so.Port, _ = parsePort(o.Value)
		case optTimeout:
			so.Timeout, _ = ParseDuration(o.Value)
		case optConnectTimeout:
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
		if o.Name == optDB {
			to.DB = o.Value
		}
	}
	to.conflictCheck = tableConflictCheck(opts)
	return to, nil
}

// DefaultBatchSize is the rows per ExecForeignBatchInsert when no
// batch_size option is set and the keys are checked in the background
// (modify_deferred.go): larger batches only cost Postgres more slot copies.
const DefaultBatchSize = 100

// DefaultCheckedBatchSize is the default when each batch waits for its own
// get_bulk (ON CONFLICT DO NOTHING, AFTER INSERT triggers): fewer round trips.
const DefaultCheckedBatchSize = 1000

// MaxBatchSize bounds batch_size (rows Postgres buffers per batch insert).
const MaxBatchSize = 100000

func checkOrdered(v string) (bool, string) {
	_, ok := parseBool(v)
	return ok, "Use 'true' when the KT database keeps keys in order (a tree database such as '%' or *.kct), else 'false'" + boolSpellings
}

func parseBatchSize(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 1 && n <= MaxBatchSize
}

func checkBatchSize(v string) (bool, string) {
	_, ok := parseBatchSize(v)
	return ok, "The batch_size must be an integer between 1 and " + strconv.Itoa(MaxBatchSize) + "."
}

// AccessOptions are the options the planner and executor read.
type AccessOptions struct {
	Ordered   bool // the KT database is key-ordered (table option ordered)
	BatchSize int  // rows per batch insert: table, else server, else default
}

// ParseAccessOptions reads ordered and batch_size; the option lists have
// passed the validator, so bad values cannot occur (they fall back to the
// defaults).
func ParseAccessOptions(server, table []Option) AccessOptions {
	ao := AccessOptions{BatchSize: DefaultBatchSize}
	for _, list := range [][]Option{server, table} { // table wins
		for _, o := range list {
			switch o.Name {
			case optBatchSize:
				if n, ok := parseBatchSize(o.Value); ok {
					ao.BatchSize = n
				}
			case optOrdered:
				if b, ok := parseBool(o.Value); ok {
					ao.Ordered = b
				}
			}
		}
	}
	return ao
}

// InsertBatchSize is the rows per batched INSERT: the batch_size option (the
// table's, else the server's), else the default for how the batches are
// checked (checkedPerBatch: each waits for its own get_bulk).
func InsertBatchSize(server, table []Option, checkedPerBatch bool) int {
	n := DefaultBatchSize
	if checkedPerBatch {
		n = DefaultCheckedBatchSize
	}
	for _, list := range [][]Option{server, table} { // table wins
		for _, o := range list {
			if o.Name == optBatchSize {
				if v, ok := parseBatchSize(o.Value); ok {
					n = v
				}
			}
		}
	}
	return n
}

// ApplyMode says how a transaction's writes reach KT at commit.
type ApplyMode int

const (
	// ApplyAuto uses the atomic script when the server has it (asked once
	// per connection), else bulk calls.
	ApplyAuto ApplyMode = iota
	// ApplyAtomic requires sql/kt_fdw.lua (ktserver -scr): every chunk of
	// apply_batch records is one ktfdwapply call other clients see
	// all-or-nothing, with its conflict checks in the same step.
	ApplyAtomic
	// ApplyBulk sends set_bulk and remove_bulk calls: each is atomic, the
	// pair and the chunks are not.
	ApplyBulk
)

func (m ApplyMode) String() string {
	switch m {
	case ApplyAtomic:
		return "atomic"
	case ApplyBulk:
		return "bulk"
	}
	return "auto"
}

// DefaultApplyBatch is the records per apply call at commit.
const DefaultApplyBatch = 10000

// MaxApplyBatch bounds apply_batch (one call's request is built in memory
// on both sides).
const MaxApplyBatch = 1000000

// parseApplyMode takes the exact lower-case values, as every enum option
// (see parseBool).
func parseApplyMode(v string) (ApplyMode, bool) {
	switch v {
	case "auto":
		return ApplyAuto, true
	case "atomic":
		return ApplyAtomic, true
	case "bulk":
		return ApplyBulk, true
	}
	return ApplyAuto, false
}

func checkApplyMode(v string) (bool, string) {
	_, ok := parseApplyMode(v)
	return ok, "Use 'atomic' (requires ktserver -scr kt_fdw.lua), 'bulk' (set_bulk and remove_bulk), or 'auto' (atomic when the server has the script), in lower case and without spaces."
}

func parseApplyBatch(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 1 && n <= MaxApplyBatch
}

func checkApplyBatch(v string) (bool, string) {
	_, ok := parseApplyBatch(v)
	return ok, "The apply_batch must be an integer between 1 and " + strconv.Itoa(MaxApplyBatch) + "."
}

func checkConflictCheck(v string) (bool, string) {
	_, ok := parseBool(v)
	return ok, "Use 'on' to fail a commit with 40001 when another client changed a record this transaction read and changed, or 'off'" + boolSpellings
}

// XactOptions are the server options of the commit-time apply.
type XactOptions struct {
	Apply         ApplyMode
	ApplyBatch    int  // 0 = DefaultApplyBatch
	ConflictCheck bool // server default; a table's option wins
}

// parseXactOptions reads apply, apply_batch and conflict_check from a
// validated server option list.
func parseXactOptions(opts []Option) XactOptions {
	xo := XactOptions{Apply: ApplyAuto} // ApplyBatch 0 = DefaultApplyBatch
	for _, o := range opts {
		switch o.Name {
		case optApply:
			xo.Apply, _ = parseApplyMode(o.Value)
		case optApplyBatch:
			if n, ok := parseApplyBatch(o.Value); ok {
				xo.ApplyBatch = n
			}
		case optConflictCheck:
			xo.ConflictCheck, _ = parseBool(o.Value)
		}
	}
	return xo
}

// tableConflictCheck encodes a table's conflict_check: 0 unset, 1 off, 2 on.
func tableConflictCheck(table []Option) int8 {
	for _, o := range table {
		if o.Name == optConflictCheck {
			if b, _ := parseBool(o.Value); b {
				return 2
			}
			return 1
		}
	}
	return 0
}

const (
	// MinBufferMemory and MaxBufferMemory bound buffer_memory.
	MinBufferMemory = 8 << 10
	MaxBufferMemory = 1 << 40
)

func parseBufferMemory(v string) (int64, bool) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > MaxBufferMemory/mult {
		return 0, false
	}
	n *= mult
	return n, n >= MinBufferMemory && n <= MaxBufferMemory
}

func checkBufferMemory(v string) (bool, string) {
	_, ok := parseBufferMemory(v)
	return ok, "The buffer_memory must be a number of bytes (or with the unit kB, MB or GB) between 8kB and 1024GB."
}

// TLS options of a foreign server. The file options name files on the
// database server's file system, read by the backend's OS user, so only
// superusers may set them (as postgres_fdw's sslcert/sslkey): see
// CheckOptionPrivileges.

// Option values are parsed the way Postgres parses FDW options: a boolean
// as defGetBoolean does (postgres_fdw's, and the C glue reads xt with it),
// an enum (format, apply) as COPY's and file_fdw's format, exactly; both
// without surrounding spaces.

// parseBool accepts on/off, true/false and 1/0, in any case.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "on", "true", "1":
		return true, true
	case "off", "false", "0":
		return false, true
	}
	return false, false
}

// boolSpellings ends the hint of a boolean option.
const boolSpellings = " ('true'/'false' and '1'/'0' also work, in any case, without spaces)."

func checkBool(v string) (bool, string) {
	_, ok := parseBool(v)
	return ok, "Use 'on' or 'off'" + boolSpellings
}

func checkPath(v string) (bool, string) {
	return strings.TrimSpace(v) != "" && !strings.ContainsAny(v, "\x00\r\n"),
		"Give the path of a PEM file readable by the database server (relative paths start at its data directory)."
}

func checkServerName(v string) (bool, string) {
	return strings.TrimSpace(v) != "" && !strings.ContainsAny(v, " \t\r\n\x00,"),
		"The server name is the host name the KT server's certificate is issued for."
}

// parseTLSOption fills the TLS fields of so from one (valid) option; it
// reports whether the option was a TLS option.
func (so *ServerOptions) parseTLSOption(o Option) bool {
	switch o.Name {
	case optTLS:
		so.TLS, _ = parseBool(o.Value)
	case optTLSCAFile:
		so.TLSCAFile = strings.TrimSpace(o.Value)
	case optTLSCertFile:
		so.TLSCertFile = strings.TrimSpace(o.Value)
	case optTLSKeyFile:
		so.TLSKeyFile = strings.TrimSpace(o.Value)
	case optTLSServerName:
		so.TLSServerName = strings.TrimSpace(o.Value)
	default:
		return false
	}
	return true
}

// Addrs lists the host:port of every host of the host option; an entry may
// carry its own port ("kt2:1979", "[::1]:1979"), else the port option applies.
func (s ServerOptions) Addrs() []string {
	var out []string
	for _, entry := range strings.Split(s.Host, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		host, port := SplitHostEntry(entry, s.Port)
		out = append(out, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if len(out) == 0 {
		out = append(out, net.JoinHostPort(DefaultHost, strconv.Itoa(s.Port)))
	}
	return out
}

// splitHostEntry parses "host", "host:port", "[v6]" or "[v6]:port"; a bare
// IPv6 address ("::1") is a host without port.
func SplitHostEntry(entry string, defPort int) (string, int) {
	if h, p, err := net.SplitHostPort(entry); err == nil {
		if n, err := parsePort(p); err == nil {
			return h, n
		}
	}
	return strings.TrimSuffix(strings.TrimPrefix(entry, "["), "]"), defPort
}

// checkHostList validates the host option: one or more comma-separated
// hosts, each optionally with :port.
func checkHostList(v string) (bool, string) {
	const accepted = "The host must be a host name or IP address, or a comma-separated list of them for failover (each may carry :port)."
	if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\t\r\n\x00") {
		return false, accepted
	}
	for _, entry := range strings.Split(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" || strings.ContainsAny(entry, " /") {
			return false, accepted
		}
		if h, p, err := net.SplitHostPort(entry); err == nil {
			if _, err := parsePort(p); err != nil || h == "" {
				return false, accepted
			}
		} else if strings.Count(entry, ":") == 1 {
			return false, accepted // "host:" or "host:x"
		}
	}
	return true, accepted
}

func checkFormat(v string) (bool, string) {
	return v == "plain" || v == "json", "The format must be 'plain' (two columns: key, value) or 'json' (a key column and any columns, stored as one JSON object), in lower case and without spaces."
}

func checkPrefix(v string) (bool, string) {
	return v != "", "The prefix must be a non-empty string."
}
