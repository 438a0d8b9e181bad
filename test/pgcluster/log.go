package pgcluster

import (
	"os"
	"strings"
)

// Log returns the whole server log ("" if it cannot be read).
func (c *Cluster) Log() string { return c.LogSince(0) }

// LogSize is the current length of the server log, an offset for LogSince.
func (c *Cluster) LogSize() int64 {
	fi, err := os.Stat(c.LogFile)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// LogSince returns the server log from byte offset off on.
func (c *Cluster) LogSince(off int64) string {
	b, err := os.ReadFile(c.LogFile)
	if err != nil || off > int64(len(b)) {
		return ""
	}
	return string(b[off:])
}

// LogTail returns the last n lines of the server log.
func (c *Cluster) LogTail(n int) string { return Tail(c.Log(), n) }

// Crashes returns the log lines from offset off on that report a backend
// killed by a signal: the postmaster's "terminated by signal" lines.
func (c *Cluster) Crashes(off int64) []string {
	var out []string
	for _, l := range strings.Split(c.LogSince(off), "\n") {
		if strings.Contains(l, "terminated by signal") {
			out = append(out, l)
		}
	}
	return out
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
