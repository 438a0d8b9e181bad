package cdc

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// KT is what a sink needs of a KT server: the foreign server's Remote
// (fdw.DialKT: failover host list, TLS, timeouts) with kt_fdw.lua's
// procedures.
type KT interface {
	fdw.Remote
	fdw.ApplyRemote
}

// sink is one KT database of one foreign server.
type sink struct {
	id     SinkID
	server *Server
	kt     KT
	key    []byte   // this slot's position record
	stored Position // what KT holds (read at start, then written by us)
	found  bool     // KT had a position record at start
	chunk  int      // records per ktfdwapply call (the server's apply_batch)
}

func (s *sink) String() string {
	db := s.id.DB
	if db == "" {
		db = "0"
	}
	return fmt.Sprintf("KT database %s of server %q (%s)", db, s.server.Name, s.server.Opts.Addr())
}

// checkScript refuses a server without kt_fdw.lua: the position could not
// be stored atomically with the writes.
func (s *sink) checkScript(ctx context.Context) error {
	version, found, err := s.kt.ScriptVersion(ctx)
	if err != nil {
		return errors.Wrapf(err, "asking %s for kt_fdw.lua (%s)", s, ktscript.ProcVersion)
	}
	if !found {
		return errors.WithHint(
			errors.Newf("%s does not run kt_fdw.lua: ktfdw sync needs its atomic apply to store its position with each batch", s),
			"Start ktserver with -scr /path/to/kt_fdw.lua (in the extension's share directory).")
	}
	if version != ktscript.Version {
		return errors.Newf("%s runs kt_fdw.lua protocol version %s, this ktfdw speaks %s", s, version, ktscript.Version)
	}
	return nil
}

// readPosition reads the slot's position record.
func (s *sink) readPosition(ctx context.Context) error {
	v, found, err := s.kt.Get(ctx, s.id.DB, s.key)
	if err != nil {
		return errors.Wrapf(err, "reading the sync position from %s", s)
	}
	s.found = found
	if !found {
		return nil
	}
	p, err := ParsePosition(v)
	if err != nil {
		return errors.Wrapf(err, "%s", s)
	}
	s.stored = p
	return nil
}

// apply writes fs and the position pos (nil: none, the initial copy's
// chunks): in chunks of s.chunk records, the position in the last one, so
// KT claims pos only once everything before it is written.
func (s *sink) apply(ctx context.Context, fs *finalStates, pos *Position) error {
	if len(fs.clears) > 0 {
		keys, err := s.kt.AllKeys(ctx, s.id.DB)
		if err != nil {
			return errors.Wrapf(err, "listing the keys of %s for a TRUNCATE", s)
		}
		var in [][]byte
		for _, k := range keys {
			for _, p := range fs.clears {
				if bytes.HasPrefix(k, p) {
					in = append(in, k)
					break
				}
			}
		}
		fs.addCleared(in)
	}
	writes := fs.writes
	chunk := max(s.chunk-1, 1)
	for {
		n := min(len(writes), chunk)
		req := ktscript.Request{DB: s.id.DB, Writes: writes[:n:n]}
		last := n == len(writes)
		if last && pos != nil {
			req.Writes = append(req.Writes, ktscript.Write{Key: s.key, Value: pos.encode()})
		}
		if err := s.call(ctx, req); err != nil {
			return err
		}
		writes = writes[n:]
		if last {
			if pos != nil {
				s.stored, s.found = *pos, true
			}
			return nil
		}
	}
}

func (s *sink) call(ctx context.Context, req ktscript.Request) error {
	out, err := s.kt.ApplyScript(ctx, req.Pairs())
	if err != nil {
		return errors.Wrapf(err, "applying %d records to %s", len(req.Writes), s)
	}
	rep, err := ktscript.DecodeReply(out)
	if err != nil {
		return errors.Wrapf(err, "applying to %s", s)
	}
	return errors.Wrapf(rep.Err(), "applying to %s", s)
}
