// Package fdw is the Postgres-free logic of kt_fdw: options, the transaction
// write buffer, scans and modifications against a KT server, and the mapping of
// KT failures to SQLSTATEs. pgext hands every FdwRoutine callback to it.
package fdw
