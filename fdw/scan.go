package fdw

import (
	"bytes"
	"context"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

// ScanBatch bounds the records fetched by one get_bulk call of a full scan.
const ScanBatch = 1000

// ScanResult is what one Scan.Next poll produced.
type ScanResult int

const (
	ScanRows    ScanResult = iota // rows holds the next batch (maybe empty)
	ScanEOF                       // no more rows
	ScanPending                   // nothing yet; poll again
	ScanError                     // the status says why
)

type scanItem struct {
	rows []fdwtype.Record
	st   *fdwtype.Status
}

// Scan reads a foreign table: one get for a key lookup, or the whole KT
// database in batches. A goroutine does the I/O and hands batches over a
// channel; the backend thread polls Next. Buffered writes of the transaction
// (read-your-writes) are merged in from a snapshot taken at Start.
type Scan struct {
	be     *Backend
	table  fdwtype.Table
	stats  scanStats // for EXPLAIN ANALYZE (scan_stats.go)
	cancel context.CancelFunc
	out    chan scanItem
	eof    bool
}

// NewScan prepares a scan; it does no I/O.
func NewScan(be *Backend, t fdwtype.Table) *Scan {
	return &Scan{be: be, table: t}
}

// Start (re)starts the scan: a point lookup when pointGet, else a full scan.
// A point lookup of a NULL key (key == nil) returns nothing.
func (s *Scan) Start(pointGet bool, key []byte) *fdwtype.Status {
	if !pointGet {
		return s.StartSpec(ScanSpec{Kind: ScanFull})
	}
	if key == nil {
		return s.StartSpec(ScanSpec{Kind: ScanGet, Empty: true})
	}
	return s.StartSpec(ScanSpec{Kind: ScanGet, Keys: [][]byte{key}})
}

// StartSpec (re)starts the scan with the access path of spec.
func (s *Scan) StartSpec(spec ScanSpec) *fdwtype.Status {
	s.Close()
	s.eof = false
	spec = confine(s.table, spec) // option prefix (prefix.go)
	spec.normalize()
	if spec.Empty {
		s.eof = true
		return nil
	}
	if spec.Kind == ScanGet {
		if c, ok := s.be.lookup(s.table, spec.Keys[0]); ok {
			// The buffer decides; KT is not asked.
			s.out = make(chan scanItem, 1)
			if !c.Removed {
				s.out <- scanItem{rows: []fdwtype.Record{{Key: bytes.Clone(spec.Keys[0]), Value: c.Value, XT: c.XT}}}
			}
			close(s.out)
			return nil
		}
	}
	var (
		snap    bufferView = (*changeSet)(nil) // empty: a get asks no snapshot
		cleared [][]byte
	)
	if spec.Kind != ScanGet {
		snap = s.be.snapshot(s.table)
		cleared = s.be.cleared(s.table) // TRUNCATE in this transaction (clear.go)
	}
	r, st := s.be.remote(s.table.Server)
	if st != nil {
		return st
	}
	var resume *kt.Handoff // the get the attempt on the thread sent (scan_getnow.go)
	if spec.Kind == ScanGet {
		var served bool
		if served, resume = s.getNow(r, spec); served {
			return nil
		}
	}
	ctx, cancel := context.WithCancel(withTrips(context.Background(), &s.stats.trips))
	if resume != nil {
		ctx = kt.WithResume(ctx, resume)
	}
	s.cancel = cancel
	out := make(chan scanItem, 2)
	s.out = out
	spec.Keys = cloneKeys(spec.Keys)
	spec.Prefix = bytes.Clone(spec.Prefix)
	spec.Lo.Key, spec.Hi.Key = bytes.Clone(spec.Lo.Key), bytes.Clone(spec.Hi.Key)
	p := &producer{ctx: ctx, out: out, r: r, table: s.table, spec: spec, cleared: cleared}
	go func() {
		defer close(out)
		if resume != nil {
			defer resume.Close()
		}
		defer func() {
			if rec := recover(); rec != nil {
				send(ctx, out, scanItem{st: fdwtype.PanicStatus(rec)})
			}
		}()
		p.run(snap)
	}()
	return nil
}

func cloneKeys(keys [][]byte) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = bytes.Clone(k)
	}
	return out
}

func send(ctx context.Context, ch chan<- scanItem, it scanItem) bool {
	select {
	case ch <- it:
		return true
	case <-ctx.Done():
		return false
	}
}

// Next waits at most d for the next batch.
func (s *Scan) Next(d time.Duration) (ScanResult, []fdwtype.Record, *fdwtype.Status) {
	if s.eof || s.out == nil {
		return ScanEOF, nil, nil
	}
	var (
		it scanItem
		ok bool
	)
	select {
	case it, ok = <-s.out:
	default:
		if d <= 0 {
			return ScanPending, nil, nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case it, ok = <-s.out:
		case <-t.C:
			return ScanPending, nil, nil
		}
	}
	if !ok {
		s.eof = true
		return ScanEOF, nil, nil
	}
	if it.st != nil {
		s.eof = true
		s.Close()
		return ScanError, nil, it.st
	}
	s.stats.records.Add(int64(len(it.rows)))
	return ScanRows, s.table.WithXTHeaders(unconfine(s.table, it.rows)), nil
}

// Close stops the scan's I/O. The goroutine exits on its own.
func (s *Scan) Close() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}
