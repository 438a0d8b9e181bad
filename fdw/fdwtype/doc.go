// Package fdwtype holds the values every layer of kt_fdw passes around: a
// foreign server and table with their parsed options (one option table,
// options.go, is the validator, its hint and the documentation's list),
// a KT Record, a Target (one KT database on one server), and Status, an
// error as Postgres reports it with its SQLSTATE. It imports nothing of
// kt_fdw, so every other package may import it.
package fdwtype
