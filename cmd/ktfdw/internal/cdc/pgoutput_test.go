package cdc

import (
	"encoding/binary"
	"time"
)

// Builders of pgoutput protocol 1 messages, for the decoder's tests
// (layouts: PostgreSQL's "Logical Replication Message Formats").

type msg []byte

func (m msg) u8(b byte) msg    { return append(m, b) }
func (m msg) u16(v uint16) msg { return binary.BigEndian.AppendUint16(m, v) }
func (m msg) u32(v uint32) msg { return binary.BigEndian.AppendUint32(m, v) }
func (m msg) u64(v uint64) msg { return binary.BigEndian.AppendUint64(m, v) }
func (m msg) str(s string) msg { return append(append(m, s...), 0) }
func (m msg) ts(t time.Time) msg {
	return m.u64(uint64(t.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Microseconds()))
}

// tuple: each column a string, or nil for NULL, or unchangedToast.
var unchangedToast = &struct{}{}

func (m msg) tuple(cols ...any) msg {
	m = m.u16(uint16(len(cols)))
	for _, c := range cols {
		switch v := c.(type) {
		case nil:
			m = m.u8('n')
		case string:
			m = append(m.u8('t').u32(uint32(len(v))), v...)
		default:
			m = m.u8('u')
		}
	}
	return m
}

func beginMsg(xid uint32) []byte {
	return msg{'B'}.u64(0).ts(time.Unix(1700000000, 0)).u32(xid)
}

func commitMsg(commit, end LSN) []byte {
	return msg{'C'}.u8(0).u64(uint64(commit)).u64(uint64(end)).ts(time.Unix(1700000001, 0))
}

func relationMsg(id uint32, name string, identity byte, cols ...string) []byte {
	m := msg{'R'}.u32(id).str("public").str(name).u8(identity).u16(uint16(len(cols)))
	for i, c := range cols {
		flags := byte(0)
		if i == 0 {
			flags = 1 // part of the key
		}
		m = m.u8(flags).str(c).u32(25).u32(0xffffffff)
	}
	return m
}

func insertMsg(rel uint32, cols ...any) []byte { return msg{'I'}.u32(rel).u8('N').tuple(cols...) }

func updateMsg(rel uint32, old []any, cols ...any) []byte {
	m := msg{'U'}.u32(rel)
	if old != nil {
		m = m.u8('K').tuple(old...)
	}
	return m.u8('N').tuple(cols...)
}

func deleteMsg(rel uint32, old ...any) []byte { return msg{'D'}.u32(rel).u8('K').tuple(old...) }

func truncateMsg(rels ...uint32) []byte {
	m := msg{'T'}.u32(uint32(len(rels))).u8(0)
	for _, r := range rels {
		m = m.u32(r)
	}
	return m
}
