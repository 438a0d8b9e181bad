package ktscript

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// Conflict is a failed precondition: the key's state when the apply looked.
type Conflict struct {
	Key []byte
	// Exists tells whether the key held a record (then Value is it).
	Exists bool
	Value  []byte
}

// Reply is the decoded output of ktfdwapply.
type Reply struct {
	Status    string
	Set       int
	Removed   int
	Tran      bool
	Conflicts []Conflict // sorted by key
	Error     string
	// MaybeWritten (status error): the failure came during or after the
	// write pass, so KT may hold some of the request's writes.
	MaybeWritten bool
}

// ErrMaybeWritten marks the error of an apply that failed after it may
// have written some of its records.
var ErrMaybeWritten = errors.New("apply failed after it may have written")

// ErrConflict is the sentinel of *ConflictError.
var ErrConflict = errors.New("apply precondition failed")

// ConflictError reports an apply refused because preconditions failed;
// nothing was written.
type ConflictError struct {
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	c := e.Conflicts[0]
	state := "is absent"
	if c.Exists {
		state = "holds another value"
	}
	more := ""
	if n := len(e.Conflicts); n > 1 {
		more = fmt.Sprintf(" (and %d more)", n-1)
	}
	return fmt.Sprintf("key %q %s%s", c.Key, state, more)
}

// Unwrap makes errors.Is(err, ErrConflict) work.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Err is nil for status ok, a *ConflictError for a conflict and an error
// with the script's message otherwise.
func (r *Reply) Err() error {
	switch r.Status {
	case StatusOK:
		return nil
	case StatusConflict:
		return &ConflictError{Conflicts: r.Conflicts}
	case StatusError:
		if r.MaybeWritten {
			return errors.Mark(errors.Newf("%s failed during its writes (some of them may have been applied): %s", ProcApply, r.Error), ErrMaybeWritten)
		}
		return errors.Newf("%s refused the apply: %s", ProcApply, r.Error)
	}
	return errors.Newf("%s answered unknown status %q", ProcApply, r.Status)
}

// DecodeReply parses the output pairs of ktfdwapply. It fails on output
// that is not the contract's (no status, bad numbers, unknown fields).
func DecodeReply(pairs []wire.Pair) (Reply, error) {
	var r Reply
	nconf := -1
	for _, p := range pairs {
		k := string(p.Key)
		if len(k) > 0 && k[0] == TagConflict {
			c := Conflict{Key: bytes.Clone(p.Key[1:])}
			switch {
			case len(p.Value) > 0 && p.Value[0] == 'V':
				c.Exists, c.Value = true, bytes.Clone(p.Value[1:])
			case string(p.Value) == "A":
			default:
				return Reply{}, errors.Newf("%s: bad conflict state %q for key %q", ProcApply, p.Value, c.Key)
			}
			r.Conflicts = append(r.Conflicts, c)
			continue
		}
		var err error
		switch k {
		case FieldStatus:
			r.Status = string(p.Value)
		case FieldSet:
			r.Set, err = strconv.Atoi(string(p.Value))
		case FieldRemoved:
			r.Removed, err = strconv.Atoi(string(p.Value))
		case FieldConflicts:
			nconf, err = strconv.Atoi(string(p.Value))
		case FieldTran:
			r.Tran = string(p.Value) == "1"
		case FieldError:
			r.Error = string(p.Value)
		case FieldWritten:
			switch string(p.Value) {
			case WrittenNone:
			case WrittenMaybe:
				r.MaybeWritten = true
			default:
				return Reply{}, errors.Newf("%s: bad output written=%q", ProcApply, p.Value)
			}
		default:
			return Reply{}, errors.Newf("%s: unknown output %q", ProcApply, k)
		}
		if err != nil {
			return Reply{}, errors.Wrapf(err, "%s: output %s", ProcApply, k)
		}
	}
	switch r.Status {
	case StatusOK, StatusError:
	case StatusConflict:
		if len(r.Conflicts) == 0 || nconf != len(r.Conflicts) {
			return Reply{}, errors.Newf("%s: conflict reply names %d keys, says %d", ProcApply, len(r.Conflicts), nconf)
		}
	case "":
		return Reply{}, errors.Newf("%s: reply has no status (is it kt_fdw's script?)", ProcApply)
	default:
		return Reply{}, errors.Newf("%s: unknown status %q", ProcApply, r.Status)
	}
	sort.Slice(r.Conflicts, func(i, j int) bool { return bytes.Compare(r.Conflicts[i].Key, r.Conflicts[j].Key) < 0 })
	return r, nil
}

// DecodeReplyMap is DecodeReply for kt.Client.PlayScript's output map.
func DecodeReplyMap(out map[string][]byte) (Reply, error) {
	pairs := make([]wire.Pair, 0, len(out))
	for k, v := range out {
		pairs = append(pairs, wire.Pair{Key: []byte(k), Value: v})
	}
	return DecodeReply(pairs)
}

// Map encodes the reply as script output (the server side).
func (r *Reply) Map() map[string][]byte {
	out := map[string][]byte{FieldStatus: []byte(r.Status)}
	switch r.Status {
	case StatusOK:
		out[FieldSet] = []byte(strconv.Itoa(r.Set))
		out[FieldRemoved] = []byte(strconv.Itoa(r.Removed))
		out[FieldTran] = []byte(boolDigit(r.Tran))
	case StatusConflict:
		out[FieldConflicts] = []byte(strconv.Itoa(len(r.Conflicts)))
		out[FieldTran] = []byte(boolDigit(r.Tran))
		for _, c := range r.Conflicts {
			state := []byte("A")
			if c.Exists {
				state = append([]byte("V"), c.Value...)
			}
			out[string(tagged(TagConflict, c.Key))] = state
		}
	case StatusError:
		out[FieldError] = []byte(r.Error)
		out[FieldWritten] = []byte(WrittenNone)
		if r.MaybeWritten {
			out[FieldWritten] = []byte(WrittenMaybe)
		}
	}
	return out
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// VersionInfo is the decoded output of ktfdwversion.
type VersionInfo struct {
	Version string
	Impl    string
	Procs   string
}

// DecodeVersionPairs parses ktfdwversion's output as binary play_script
// returns it.
func DecodeVersionPairs(pairs []wire.Pair) (VersionInfo, error) {
	return DecodeVersion(PairsMap(pairs))
}

// DecodeVersion parses ktfdwversion's output (map form).
func DecodeVersion(out map[string][]byte) (VersionInfo, error) {
	v := VersionInfo{
		Version: string(out[FieldVersion]),
		Impl:    string(out[FieldImpl]),
		Procs:   string(out[FieldProcs]),
	}
	if v.Version == "" {
		return VersionInfo{}, errors.Newf("%s: reply has no version (is it kt_fdw's script?)", ProcVersion)
	}
	return v, nil
}

// Compatible reports whether the server's script speaks this package's protocol.
func (v VersionInfo) Compatible() bool { return v.Version == Version }
