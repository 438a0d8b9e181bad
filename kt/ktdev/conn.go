package ktdev

import (
	"bufio"
	"net"
	"time"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

const (
	connBufferSize = 64 << 10
	maxKeptReply   = 1 << 20
)

// session is the per-connection state: buffers and the cursors that KT keeps
// per connection.
type session struct {
	srv     *Server
	conn    net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	cursors map[int64]*Cursor
	reply   []byte // reusable reply buffer
	// pendingFault is a reply fault taken for the request being served
	pendingFault Fault
}

func (s *Server) serveConn(c net.Conn) {
	sess := &session{
		srv:  s,
		conn: c,
		br:   bufio.NewReaderSize(c, connBufferSize),
		bw:   bufio.NewWriterSize(c, connBufferSize),
	}
	for {
		// idle keep-alive connections are never timed out (as in KT)
		if err := c.SetDeadline(time.Time{}); err != nil {
			return
		}
		first, err := sess.br.Peek(1)
		if err != nil {
			return
		}
		_ = c.SetDeadline(time.Now().Add(s.cfg.IOTimeout))
		s.counters.requests.Add(1)
		var keep bool
		if wire.IsBinaryMagic(first[0]) {
			keep = sess.serveBinary()
		} else {
			keep = sess.serveHTTP()
		}
		if !keep {
			_ = sess.bw.Flush()
			return
		}
		if sess.br.Buffered() == 0 {
			if err := sess.bw.Flush(); err != nil {
				return
			}
		}
		if cap(sess.reply) > maxKeptReply {
			sess.reply = nil // do not pin a huge reply for the connection's life
		}
	}
}

// beforeExecute takes the fault that applies to a request of proc: a stall
// happens here, reply faults are remembered for send. False means the server
// is closing and the connection should end.
func (sess *session) beforeExecute(proc string) bool {
	f, changed := sess.srv.faults.take(proc, false)
	switch f.Kind {
	case FaultStall:
		_ = sess.bw.Flush()
		_ = sess.conn.SetDeadline(time.Time{})
		ok := sess.srv.stall(f, changed)
		_ = sess.conn.SetDeadline(time.Now().Add(sess.srv.cfg.IOTimeout))
		return ok
	case FaultNone:
		return true
	}
	sess.pendingFault = f
	return true
}

// send writes a reply, applying a pending reply fault. It returns false when
// the connection must end.
func (sess *session) send(reply []byte) bool {
	f := sess.pendingFault
	sess.pendingFault = Fault{}
	switch f.Kind {
	case FaultCloseMidReply:
		_, _ = sess.bw.Write(reply[:len(reply)/2])
		_ = sess.bw.Flush()
		return false
	case FaultGarbage:
		_, _ = sess.bw.Write(garbageReply)
		_ = sess.bw.Flush()
		return false
	}
	_, err := sess.bw.Write(reply)
	return err == nil
}
