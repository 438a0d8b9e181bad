// Package ktscript is the wire contract of kt_fdw's play_script procedures
// (sql/kt_fdw.lua on a real Kyoto Tycoon started with -scr, and their native
// copies in kt/ktdev): how an apply request is encoded into script inputs and
// how the reply is decoded. It only turns values into pairs and back; the
// caller sends them with kt.Client.BinPlayScript (binary protocol, keys
// verbatim) or kt.Client.PlayScript (HTTP, the client adds the '_' prefix).
//
// Procedures (protocol Version 3; version 2 added 'X', version 3 made every
// failure a reply). Their names are alphanumeric because HTTP play_script
// accepts only [A-Za-z0-9]+ names:
//
//	ktfdwversion  in: nothing
//	              out: version=3, impl=lua|ktdev, procs="ktfdwapply ktfdwversion"
//
//	ktfdwapply    in: db=<DB expression: "" = DB 0, leading digit = index,
//	                  else name> (optional)
//	                  'S'+key -> value    set key to value (never expires
//	                                      unless an 'X' pair says otherwise)
//	                  'X'+key -> seconds  optional with 'S': the record's
//	                                      absolute expiration time (Unix
//	                                      seconds, decimal, > 0)
//	                  'R'+key -> ""       remove key (absent is fine)
//	                  'V'+key -> value    precondition: key holds exactly value
//	                  'A'+key -> ""       precondition: key is absent (expired
//	                                      counts as absent)
//	              out: status=ok        set=<records set> removed=<records that
//	                                    existed and were removed> tran=1|0
//	                   status=conflict  nothing written; conflicts=<n> and per
//	                                    failed precondition 'C'+key -> "A"
//	                                    (absent now) or "V"+current value;
//	                                    tran=1|0
//	                   status=error     error=<message>, written=0 (nothing
//	                                    written: bad input, unknown DB, a
//	                                    failure before the write pass) or
//	                                    written=maybe (the failure came
//	                                    during or after the write pass)
//
// Every reply is a SUCCESS reply of play_script: KT discards the output of a
// failing procedure, and its binary protocol reports a failed procedure as
// the bare byte 0xBF, so conflicts and errors travel in the status field.
// Since version 3 this holds for runtime errors too (a Lua error, a native
// procedure's panic): the procedure catches them and answers status=error
// with their text. A 0xBF from these procedures therefore means KT refused
// the call itself (no scripting, no such procedure); HTTP play_script tells
// which (501 and its message).
// A key may carry one write (S or R) and one precondition (V or A); keys
// and values are binary-safe and may be empty. The apply is atomic with
// respect to other clients of the same database: all preconditions are
// checked and all writes made while the records are locked (see the header
// of sql/kt_fdw.lua for what that relies on in Kyoto Cabinet).
package ktscript

// Procedure names and the protocol version both implementations speak.
const (
	ProcVersion = "ktfdwversion"
	ProcApply   = "ktfdwapply"
	Version     = "3"
)

// Input key tags of ktfdwapply (the first byte of an input key).
const (
	TagSet          = 'S'
	TagRemove       = 'R'
	TagExpectValue  = 'V'
	TagExpectAbsent = 'A'
	TagExpire       = 'X' // with TagSet: absolute expiration time (protocol 2)
	// TagConflict starts an output key naming a failed precondition.
	TagConflict = 'C'
)

// Control inputs and outputs.
const (
	FieldDB        = "db"
	FieldStatus    = "status"
	FieldSet       = "set"
	FieldRemoved   = "removed"
	FieldConflicts = "conflicts"
	FieldError     = "error"
	FieldTran      = "tran"
	FieldWritten   = "written"
	FieldVersion   = "version"
	FieldImpl      = "impl"
	FieldProcs     = "procs"
)

// Values of FieldWritten in an error reply.
const (
	WrittenNone  = "0"
	WrittenMaybe = "maybe"
)

// Reply statuses.
const (
	StatusOK       = "ok"
	StatusConflict = "conflict"
	StatusError    = "error"
)
