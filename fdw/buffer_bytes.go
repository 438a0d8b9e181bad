package fdw

// bufferRecordOverhead approximates a buffered change's memory besides its
// key and value bytes (map entry, string and slice headers).
const bufferRecordOverhead = 64

// Bytes approximates the size of the buffer (kt_fdw_stats' buffered_bytes):
// key and value bytes of every level's in-memory changes plus a per-record
// overhead, and its spilled runs: their files and in-memory indexes and
// bloom filters.
func (b *Buffer) Bytes() int64 {
	n := b.filter.memBytes()
	for _, l := range b.levels {
		n += l.changes.bytes + int64(l.changes.Len())*bufferRecordOverhead
		for _, sg := range l.segs {
			if sg.mem != nil {
				n += sg.mem.bytes + int64(sg.mem.Len())*bufferRecordOverhead
			} else {
				n += sg.run.size + sg.run.memBytes()
			}
		}
	}
	return n
}

// SpilledBytes is the size of the buffer's spill files.
func (b *Buffer) SpilledBytes() int64 {
	var n int64
	for _, l := range b.levels {
		for _, sg := range l.segs {
			if sg.run != nil {
				n += sg.run.size
			}
		}
	}
	return n
}

// BufferedBytes is Bytes over every buffer of the transaction, plus the
// conflict_check expectations.
func (b *Backend) BufferedBytes() int64 {
	var n int64
	for _, buf := range b.buffers {
		n += buf.Bytes()
	}
	for _, e := range b.expects {
		for _, l := range e.levels {
			n += l.checks.bytes + int64(l.checks.Len())*bufferRecordOverhead
		}
	}
	return n
}
