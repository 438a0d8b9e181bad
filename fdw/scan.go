package fdw

import (
	"context"
	"sort"
	"time"
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
	rows []Record
	st   *Status
}

// Scan reads a foreign table: one get for a key lookup, or the whole KT
// database in batches. A goroutine does the I/O and hands batches over a
// channel; the backend thread polls Next. Buffered writes of the transaction
// (read-your-writes) are merged in from a snapshot taken at Start.
type Scan struct {
	be     *Backend
	table  Table
	cancel context.CancelFunc
	out    chan scanItem
	eof    bool
}

// NewScan prepares a scan; it does no I/O.
func NewScan(be *Backend, t Table) *Scan {
	return &Scan{be: be, table: t}
}

// Start (re)starts the scan: a point lookup when pointGet, else a full scan.
// A point lookup of a NULL key (key == nil) returns nothing.
func (s *Scan) Start(pointGet bool, key []byte) *Status {
	s.Close()
	s.eof = false
	var snap map[string]Change
	if pointGet {
		if key == nil {
			s.eof = true
			return nil
		}
		if c, ok := s.be.lookup(s.table, key); ok {
			// The buffer decides; KT is not asked.
			s.out = make(chan scanItem, 1)
			if !c.Removed {
				s.out <- scanItem{rows: []Record{{Key: append([]byte(nil), key...), Value: c.Value}}}
			}
			close(s.out)
			return nil
		}
	}
	if !pointGet {
		snap = s.be.snapshot(s.table)
	}
	r, st := s.be.remote(s.table.Server)
	if st != nil {
		return st
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	out := make(chan scanItem, 2)
	s.out = out
	key = append([]byte(nil), key...)
	go func() {
		defer close(out)
		defer func() {
			if p := recover(); p != nil {
				send(ctx, out, scanItem{st: PanicStatus(p)})
			}
		}()
		if pointGet {
			s.produceGet(ctx, out, r, key)
		} else {
			s.produceAll(ctx, out, r, snap)
		}
	}()
	return nil
}

func send(ctx context.Context, ch chan<- scanItem, it scanItem) bool {
	select {
	case ch <- it:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Scan) produceGet(ctx context.Context, out chan<- scanItem, r Remote, key []byte) {
	var (
		val   []byte
		found bool
	)
	st := call(ctx, s.table.opContext("get"), func(ctx context.Context) error {
		var err error
		val, found, err = r.Get(ctx, s.table.DB, key)
		return err
	})
	switch {
	case st != nil:
		send(ctx, out, scanItem{st: st})
	case found:
		send(ctx, out, scanItem{rows: []Record{{Key: key, Value: val}}})
	}
}

func (s *Scan) produceAll(ctx context.Context, out chan<- scanItem, r Remote, snap map[string]Change) {
	var keys [][]byte
	if st := call(ctx, s.table.opContext("match_prefix"), func(ctx context.Context) error {
		var err error
		keys, err = r.AllKeys(ctx, s.table.DB)
		return err
	}); st != nil {
		send(ctx, out, scanItem{st: st})
		return
	}
	// Keys with a buffered change come from the buffer, not from KT.
	if len(snap) > 0 {
		kept := keys[:0]
		for _, k := range keys {
			if _, ok := snap[string(k)]; !ok {
				kept = append(kept, k)
			}
		}
		keys = kept
	}
	for i := 0; i < len(keys); i += ScanBatch {
		chunk := keys[i:min(i+ScanBatch, len(keys))]
		var recs []Record
		if st := call(ctx, s.table.opContext("get_bulk"), func(ctx context.Context) error {
			var err error
			recs, err = r.GetBulk(ctx, s.table.DB, chunk)
			return err
		}); st != nil {
			send(ctx, out, scanItem{st: st})
			return
		}
		if len(recs) > 0 && !send(ctx, out, scanItem{rows: recs}) {
			return
		}
	}
	var buffered []Record
	for k, c := range snap {
		if !c.Removed {
			buffered = append(buffered, Record{Key: []byte(k), Value: c.Value})
		}
	}
	sort.Slice(buffered, func(i, j int) bool { return string(buffered[i].Key) < string(buffered[j].Key) })
	for i := 0; i < len(buffered); i += ScanBatch {
		if !send(ctx, out, scanItem{rows: buffered[i:min(i+ScanBatch, len(buffered))]}) {
			return
		}
	}
}

// Next waits at most d for the next batch.
func (s *Scan) Next(d time.Duration) (ScanResult, []Record, *Status) {
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
	return ScanRows, it.rows, nil
}

// Close stops the scan's I/O. The goroutine exits on its own.
func (s *Scan) Close() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}
