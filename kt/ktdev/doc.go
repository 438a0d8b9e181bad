// Package ktdev is the kt_fdw development and test server: a pure-Go,
// in-memory stand-in for Kyoto Tycoon (KT 0.9.56b) that answers KT's HTTP
// TSV-RPC, RESTful and binary protocols the way the golden transcripts in
// shared/kt-golden show, byte for byte. Tests start it with one call, like
// net/http/httptest:
//
//	srv := ktdev.NewTestServer(t)           // "*" = DB 0 (hash), "%" = DB 1 (tree)
//	client := kt.NewClient(kt.Config{Addr: srv.Addr()})
//
// and cmd/ktdev runs the same code as a program.
//
// It is NOT a replacement for Kyoto Tycoon: every database lives in memory
// and is lost when the server stops, there is no update log and no
// replication, and play_script runs native Go procedures (RegisterScript)
// instead of Lua.
//
// # What is imitated
//
//   - Databases named like ktserver's arguments (":" stash, "*" cache hash,
//     "%" cache tree, "-"/"+", names ending in .kch/.kcd (hash) or .kct/.kcf
//     (tree)). Tree databases iterate in bytewise key order; hash databases in
//     a fixed engine-defined order (FNV-1a of the key).
//   - Expiration exactly as KT (protocol §4.2): xt relative when >= 0, absolute
//     when negative, clamped to 2^40-1 (= never), expired records behave as
//     missing, a write without xt clears the expiration.
//   - HTTP/1.1 framing of KT's own server (header order, Server and Date
//     headers, keep-alive rules, dropped connections on malformed requests,
//     pipelining, 413 above 256 MiB, 8191-byte lines, bodies only for POST,
//     PUT and unknown methods); binary requests interleaved on one connection.
//   - Every TSV-RPC procedure of protocol §3/§4 with KT's input merging,
//     colenc decoding, reply encoding, error texts and status codes; cursors
//     per connection with KT's creation rules; WAIT/SIGNAL.
//   - The RESTful interface and the binary protocol (set/remove/get_bulk,
//     play_script, no-reply flag, 0xBF errors, close on unknown magic).
//   - report/status fields (status carries a default KC database's engine
//     keys; sizes are estimates).
//
// # Known differences from a real KT
//
//   - Hash databases iterate in a different (but fixed) order than KT's.
//   - size/realsize in status and report are estimates, not KT's footprints;
//     sys_* values in report come from the Go runtime; serv_thread_count is
//     always 16.
//   - No update log: ulog_list/ulog_remove answer 400 "no update log allows no
//     replication", replication (0xB1) answers 0xBF and closes, and
//     tune_replication answers 501 (as KT without -ulog and -rts).
//   - play_script runs Go procedures: the golden test.lua ones with
//     Config.TestScripts (echo reports thid 0), sql/kt_fdw.lua's ktfdwapply
//     and ktfdwversion with Config.KTFDWScripts (one DB lock instead of
//     accept_bulk's record locks: same all-or-nothing result), others via
//     RegisterScript.
//     Scripts that return ScriptSuccess keep their outputs; a panic is a 500.
//   - atomic and non-atomic bulk operations behave the same: every RPC batch
//     runs under its database's lock. A binary set_bulk with an oversized
//     record answers 0xBF without applying the records before it (KT applies
//     them).
//   - Expired records are collected by vacuum and by a background step every
//     second (10,000 records per database per step), not by KT's write-driven
//     steps; count and match_* include them until then, like KT between GC
//     steps.
//   - match_regex uses Go's RE2 syntax instead of POSIX ERE.
//   - A tree DB cursor whose record was removed goes on from the first
//     record >= its key in either direction, as KC's tree does within one
//     leaf (8 KB of records). KC decides by the leaf the key falls in, and
//     the dev server has no leaves: on a real ktserver, a backward cursor
//     whose record was the last of its leaf moves to the previous leaf's
//     last record (450 in the first leaf). Forward cursors, the ones
//     kt_fdw's scans use, go on to the next record on both (observed with
//     3,000 records, about 30 leaves).
//
// # Conformance
//
// TestConformance replays every golden transcript, in numeric order, against
// one server with the capture's layout (GoldenDBs, TestScripts) and compares
// replies byte for byte; the server clock follows the recorded Date headers,
// so dates and clock-derived xt values match exactly. Exceptions, each
// because the dev server cannot (or need not) match:
//   - 003 report: sizes, serv_* and sys_* values are masked (host-dependent).
//   - 004/005 status: size and realsize are masked (memory footprint).
//   - 053: the first key of the stash DB is masked (hash order differs).
//   - 060/094: the echo script's thid is masked (KT's worker thread id).
//   - 069 ulog_list and 099 replication: replaced by the answers of a KT
//     without update log (400 "no update log allows no replication"; 0xBF
//     and close).
//   - REST Location headers carry the dev server's port instead of 19780.
//   - Records the capture session wrote without recording them (DB 1 before
//     045 and 050) are re-created by the test.
//
// The transcripts predate some findings: fidelity_test.go holds sequences
// reduced from later differential runs against a real ktserver (cursors whose
// record was removed, hash cursors moving backward, increment with orig=set)
// and asserts the same replies on the dev server and, with KT_TEST_ADDR, on
// a real KT.
//
// # Fault injection
//
// SetFault (or Config.Fault, or cmd/ktdev's -fault flags) makes the server
// stall before executing requests, close the connection in the middle of a
// reply, answer with garbage, or refuse new connections, optionally only for
// one procedure and a number of times.
package ktdev
