package fdwtype

import "fmt"

// SQLSTATEs kt_fdw raises (PostgreSQL Appendix A).
const (
	SQLStateInternal              = "XX000" // internal_error: a Go panic or bug
	SQLStateFDWError              = "HV000" // fdw_error
	SQLStateUnableToConnect       = "HV00N" // fdw_unable_to_establish_connection
	SQLStateInvalidOptionName     = "HV00D" // fdw_invalid_option_name
	SQLStateInvalidParameterValue = "22023" // invalid_parameter_value
	SQLStateUniqueViolation       = "23505" // unique_violation
	SQLStateNotNullViolation      = "23502" // not_null_violation
	SQLStateFeatureNotSupported   = "0A000" // feature_not_supported
	SQLStateQueryCanceled         = "57014" // query_canceled
	SQLStateDatatypeMismatch      = "42804" // datatype_mismatch
)

// Status is an error as Postgres reports it. pgext copies it into ereport.
type Status struct {
	SQLState string
	Message  string
	Detail   string
	Hint     string
}

func (s *Status) Error() string { return s.SQLState + ": " + s.Message }

// Errorf builds a Status without detail or hint.
func Errorf(sqlstate, format string, args ...any) *Status {
	return &Status{SQLState: sqlstate, Message: fmt.Sprintf(format, args...)}
}

// PanicStatus reports a recovered Go panic: a bug ends the statement, never the backend.
func PanicStatus(v any) *Status {
	return &Status{
		SQLState: SQLStateInternal,
		Message:  fmt.Sprintf("kt_fdw internal error: %v", v),
		Hint:     "This is a bug in kt_fdw; please report it.",
	}
}

// SQLStateSerializationFailure is serialization_failure.
const SQLStateSerializationFailure = "40001"

// SQLStateFDWSchemaNotFound is fdw_schema_not_found: IMPORT FOREIGN SCHEMA
// of a remote schema other than "kt".
const SQLStateFDWSchemaNotFound = "HV00Q"

// SQLStateFDWTableNotFound is fdw_table_not_found: a foreign table's db
// names a database the KT server does not have (KT's databases are what a
// remote server's tables are to postgres_fdw).
const SQLStateFDWTableNotFound = "HV00R"

// SQLStateInvalidTextRepresentation: a KT value of a json-format table that
// is not a JSON object, or a row that cannot be encoded.
const SQLStateInvalidTextRepresentation = "22P02"

// SQLStateObjectNotInPrerequisiteState is what Postgres raises for a
// command a foreign table does not allow.
const SQLStateObjectNotInPrerequisiteState = "55000"

const (
	SQLStateDiskFull = "53100" // disk_full
	SQLStateIOError  = "58030" // io_error
)

// SQLStateInsufficientPrivilege: a non-superuser set a superuser-only option.
const SQLStateInsufficientPrivilege = "42501"
