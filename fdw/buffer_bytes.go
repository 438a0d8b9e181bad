package fdw

// bufferRecordOverhead approximates a buffered change's memory besides its
// key and value bytes (map entry, string and slice headers).
const bufferRecordOverhead = 64

// Bytes approximates the memory the buffer holds: key and value bytes of
// every level plus a per-record overhead. It walks the buffer, so it is
// meant for kt_fdw_stats(), not hot paths.
func (b *Buffer) Bytes() int64 {
	var n int64
	for _, l := range b.levels {
		for k, c := range l.changes {
			n += int64(len(k)+len(c.Value)) + bufferRecordOverhead
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
			for k, ex := range l.checks {
				n += int64(len(k)+len(ex.value)) + bufferRecordOverhead
			}
		}
	}
	return n
}
