package fdw

import (
	"strconv"
	"strings"
)

// Options of the commit-time apply and conflict detection (issue 4). They
// register themselves, like options_access.go.

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

const (
	optApply         = "apply"
	optApplyBatch    = "apply_batch"
	optConflictCheck = "conflict_check"
)

func init() {
	validOptions[CatalogServer][optApply] = checkApplyMode
	validOptions[CatalogServer][optApplyBatch] = checkApplyBatch
	validOptions[CatalogServer][optConflictCheck] = checkConflictCheck
	validOptions[CatalogTable][optConflictCheck] = checkConflictCheck
}

func parseApplyMode(v string) (ApplyMode, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
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
	return ok, "Use 'atomic' (requires ktserver -scr kt_fdw.lua), 'bulk' (set_bulk and remove_bulk), or 'auto' (atomic when the server has the script)."
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
	_, ok := parseOnOff(v)
	return ok, "Use 'on' to fail a commit with 40001 when another client changed a record this transaction read and changed, or 'off'."
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
			xo.ConflictCheck, _ = parseOnOff(o.Value)
		}
	}
	return xo
}

// tableConflictCheck encodes a table's conflict_check: 0 unset, 1 off, 2 on.
func tableConflictCheck(table []Option) int8 {
	for _, o := range table {
		if o.Name == optConflictCheck {
			if b, _ := parseOnOff(o.Value); b {
				return 2
			}
			return 1
		}
	}
	return 0
}
