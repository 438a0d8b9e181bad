package ktdev

import (
	"crypto/tls"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/errors"
)

// Server is a running dev server.
type Server struct {
	cfg      Config
	ln       net.Listener
	port     int
	started  time.Time
	dbs      []*DB
	dbByName map[string]int
	clock    func() time.Time

	scriptMu sync.RWMutex
	scripts  map[string]ScriptFunc

	conds    *condMap
	faults   *faultState
	counters counters
	// ktfdwPanicAt > 0 makes the native ktfdwapply panic before its n-th
	// write (tests of the failure replies)
	ktfdwPanicAt atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	done   chan struct{}
	closed bool
}

// Start opens the databases and starts serving on cfg.Addr.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if len(cfg.DBs) == 0 {
		cfg.DBs = DefaultDBs
	}
	if cfg.IOTimeout <= 0 {
		cfg.IOTimeout = 30 * time.Second
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	s := &Server{
		cfg:      cfg,
		started:  clock(),
		dbByName: map[string]int{},
		clock:    clock,
		scripts:  map[string]ScriptFunc{},
		conds:    newCondMap(),
		faults:   newFaultState(cfg.Fault),
		conns:    map[net.Conn]struct{}{},
		done:     make(chan struct{}),
	}
	if len(cfg.DBs) > 200 {
		return nil, errors.Newf("too many databases: %d (at most 200)", len(cfg.DBs))
	}
	for i, arg := range cfg.DBs {
		spec, err := parseDBSpec(arg)
		if err != nil {
			return nil, err
		}
		s.dbs = append(s.dbs, newDB(i, spec, clock))
		if _, dup := s.dbByName[spec.name]; !dup {
			s.dbByName[spec.name] = i
		}
	}
	if cfg.TestScripts {
		registerTestScripts(s)
	}
	if cfg.KTFDWScripts {
		s.RegisterKTFDWScripts()
	}
	for name, fn := range cfg.Scripts {
		s.RegisterScript(name, fn)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, errors.Wrapf(err, "listen on %s", cfg.Addr)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	if cfg.TLS != nil {
		ln = tls.NewListener(ln, cfg.TLS)
	}
	s.ln = ln
	s.wg.Add(2)
	go s.acceptLoop()
	go s.gcLoop()
	return s, nil
}

// Addr is the "host:port" the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// Close stops listening, closes every connection and waits for the
// connection goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if err != nil {
		return errors.Wrap(err, "close listener")
	}
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(backoff*2, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			s.logf("ktdev: accept: %v", err)
			return
		}
		backoff = 0
		if f, _ := s.faults.take("", true); f.Kind == FaultRefuse {
			_ = c.Close()
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			_ = c.Close()
		}()
	}
}

func (s *Server) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// DBs returns the databases in index order.
func (s *Server) DBs() []*DB { return s.dbs }

// DB resolves a DB parameter like KT: "" = DB 0, a leading digit = index
// (C atoi), otherwise the name. It returns nil for an unknown database.
func (s *Server) DB(expr string) *DB {
	if expr == "" {
		return s.dbs[0]
	}
	idx := -1
	if expr[0] >= '0' && expr[0] <= '9' {
		idx = int(atoi(expr))
	} else if i, ok := s.dbByName[expr]; ok {
		idx = i
	}
	if idx < 0 || idx >= len(s.dbs) {
		return nil
	}
	return s.dbs[idx]
}

// locationPrefix is the start of REST Location headers (KT uses "localhost"
// and its listen port whatever the Host header says).
func (s *Server) locationPrefix() string {
	return "http://localhost:" + strconv.Itoa(s.port)
}
