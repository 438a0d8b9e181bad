package ktdev

import "fmt"

// KCError is a Kyoto Cabinet database error as KT reports it
// ("DB: <code>: <name>: <message>").
type KCError struct {
	Code    int
	Name    string
	Message string
}

func (e *KCError) Error() string {
	return fmt.Sprintf("DB: %d: %s: %s", e.Code, e.Name, e.Message)
}

// The database errors the dev server produces, with KT's exact texts.
var (
	ErrNoRecord       = &KCError{7, "no record", "no record"}
	ErrDuplicate      = &KCError{6, "record duplication", "record duplication"}
	ErrStatusConflict = &KCError{8, "logical inconsistency", "status conflict"}
	ErrLogic          = &KCError{8, "logical inconsistency", "logical inconsistency"}
	ErrRegex          = &KCError{8, "logical inconsistency", "compilation failed"}
	ErrNotImpl        = &KCError{1, "not implemented", "not implemented"}
)
