// Package wire holds the Kyoto Tycoon codecs shared by the kt client and the
// ktdev server: TSV bodies and their column encodings (colenc B/Q/U), the
// form/query-string rules of the server, and the frames of the binary
// protocol. It only turns bytes into values and back; it never touches a
// socket, so every decoder can be fuzzed on its own (the layering follows
// pgx's pgproto3).
//
// Decoders of untrusted input follow Kyoto Tycoon's own (lenient) behaviour
// byte for byte where the golden transcripts or the server source say how,
// because the dev server must answer exactly like a real ktserver.
package wire
