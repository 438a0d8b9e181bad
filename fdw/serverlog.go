package fdw

import (
	"fmt"
	"sync"
	"time"
)

// Server log lines. Events a DBA alerts on (a failover, a host put in
// back-off, its recovery, a commit whose outcome is unknown) happen in the
// goroutines doing KT I/O, and Go never calls Postgres: they are queued
// here and the C glue writes them with ereport(LOG) right after its next
// call into Go (pgext/serverlog.c). Each kind of event, per server and
// host, is written at most once per logInterval; the next line says how
// many were held back meanwhile.
const (
	logInterval = 30 * time.Second
	logQueueMax = 100 // lines beyond it are dropped (and counted) until C drains them
)

var serverLog = struct {
	mu      sync.Mutex
	lines   []string
	dropped int
	last    map[string]logKey
	now     func() time.Time
}{last: map[string]logKey{}, now: time.Now}

type logKey struct {
	at   time.Time
	held int // events since the last line
}

// OnServerLog is called (from any goroutine) when a line was queued; pgext
// sets it to flag the C side, which then takes the lines.
var OnServerLog = func() {}

// logEvent queues "kt_fdw: " + the message, unless a line of the same key
// was queued less than logInterval ago.
func logEvent(key, format string, args ...any) {
	serverLog.mu.Lock()
	now := serverLog.now()
	k, seen := serverLog.last[key]
	if seen && now.Sub(k.at) < logInterval {
		k.held++
		serverLog.last[key] = k
		serverLog.mu.Unlock()
		return
	}
	line := "kt_fdw: " + fmt.Sprintf(format, args...)
	if k.held > 0 {
		line += fmt.Sprintf(" (%d more like it in the last %s)", k.held, now.Sub(k.at).Round(time.Second))
	}
	serverLog.last[key] = logKey{at: now}
	if len(serverLog.lines) >= logQueueMax {
		serverLog.dropped++
	} else {
		serverLog.lines = append(serverLog.lines, line)
	}
	serverLog.mu.Unlock()
	OnServerLog()
}

// TakeServerLog returns the oldest queued line; false when there is none.
func TakeServerLog() (string, bool) {
	serverLog.mu.Lock()
	defer serverLog.mu.Unlock()
	if len(serverLog.lines) == 0 {
		if serverLog.dropped > 0 {
			n := serverLog.dropped
			serverLog.dropped = 0
			return fmt.Sprintf("kt_fdw: %d log lines were dropped (more than %d waited)", n, logQueueMax), true
		}
		return "", false
	}
	line := serverLog.lines[0]
	serverLog.lines = serverLog.lines[1:]
	return line, true
}

// reason is a short cause of a KT failure for a log line.
func reason(oc OpContext, err error) string {
	switch Classify(err) {
	case FailConnect:
		return connectCause(err, oc)
	case FailBroken:
		return "connection lost"
	case FailTimeout:
		return fmt.Sprintf("timed out after %s", oc.Timeout)
	case FailProtocol:
		return "malformed reply"
	}
	return err.Error()
}
