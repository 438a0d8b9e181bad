// Package cdc is the engine of `ktfdw sync`: it reads a publication through
// a logical replication slot (pgoutput) and applies each committed
// transaction to KT, in commit order, exactly once, with the records the
// kt_fdw_sync trigger would have written.
//
// The pieces, each unit-testable without Postgres or KT except where named:
//
//   - decode.go: pgoutput messages -> one Txn per committed transaction.
//   - finalstate.go: the changes of consecutive transactions -> the final
//     state of each KT key per KT database (sink), as the trigger's write
//     buffer would hold it.
//   - position.go: the sync position (the end LSN of the last transaction
//     a KT database holds), stored in KT as one more record of the same
//     atomic ktfdwapply call as the writes it belongs to.
//   - sink.go: one KT database: apply in chunks, position in the last one.
//   - encode.go (Postgres): tuple texts -> KT key and value, computed by
//     Postgres with the same casts and to_jsonb the trigger uses.
//   - stream.go (Postgres): the replication connection, standby status.
//   - engine.go: receive, batch, apply, confirm.
//   - copy.go (Postgres): the initial copy from the slot's snapshot.
//
// Exactly once: a KT database holds its position in the same atomic call
// as the writes of the transactions up to it; the slot is confirmed only up
// to what every KT database holds; after a restart each KT database skips
// the transactions at or before its own position. A transaction larger
// than one apply chunk is split, its position in the last chunk: a crash
// between its chunks leaves the earlier ones applied and the position
// before the transaction, so the restart re-applies the whole transaction
// (final states, written again in the same order: idempotent).
package cdc
