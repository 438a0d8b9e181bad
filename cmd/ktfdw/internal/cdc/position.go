package cdc

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pglogrepl"
)

// The sync position of a slot in one KT database is the record
//
//	__kt_fdw_sync__:<slot>  ->  "<LSN> <commit time RFC 3339>"
//
// written in the same ktfdwapply call as the last writes of the
// transaction ending at LSN. It lives outside every table prefix, in each
// KT database the slot's tables write to; `ktfdw reconcile` ignores it.
const PositionKeyPrefix = "__kt_fdw_sync__:"

// PositionKey is the key of slot's position record.
func PositionKey(slot string) []byte { return []byte(PositionKeyPrefix + slot) }

func isPositionKey(k []byte) bool { return bytes.HasPrefix(k, []byte(PositionKeyPrefix)) }

// Position is what a KT database holds: everything up to and including
// the transaction that ended at LSN (committed at Time).
type Position struct {
	LSN  LSN
	Time time.Time
}

func (p Position) encode() []byte {
	return []byte(fmt.Sprintf("%s %s", p.LSN, p.Time.UTC().Format(time.RFC3339Nano)))
}

// ParsePosition reads a position record's value.
func ParsePosition(v []byte) (Position, error) {
	lsnText, timeText, _ := strings.Cut(string(v), " ")
	lsn, err := pglogrepl.ParseLSN(lsnText)
	if err != nil {
		return Position{}, errors.Newf("bad sync position record %q: want \"<LSN> <time>\"", v)
	}
	p := Position{LSN: lsn}
	if timeText != "" {
		if p.Time, err = time.Parse(time.RFC3339Nano, timeText); err != nil {
			return Position{}, errors.Newf("bad sync position record %q: want \"<LSN> <time>\"", v)
		}
	}
	return p, nil
}
