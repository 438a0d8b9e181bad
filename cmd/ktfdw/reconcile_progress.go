package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// progress reports how far a pass of reconcile is: a bar redrawn in place
// on a terminal, otherwise a plain line at most every `every` (0: at every
// update), and a closing line per pass. The total is an estimate (the
// planner's row count), so the rate and ETA are too.
type progress struct {
	out   io.Writer
	tty   bool
	every time.Duration
	quiet bool
	now   func() time.Time

	pass, unit string
	total      int64 // estimate; 0 unknown
	start      time.Time
	last       time.Time
	drawn      bool // a bar is on the screen without its newline
}

// barInterval: the bar is redrawn at most this often.
const barInterval = 200 * time.Millisecond

func newProgress(out io.Writer, every time.Duration, quiet bool) *progress {
	return &progress{out: out, tty: isTerminal(out), every: every, quiet: quiet, now: time.Now}
}

// isTerminal: w is a terminal (a bar can be redrawn in place).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// begin starts a pass of about total units (0: unknown).
func (p *progress) begin(pass, unit string, total int64) {
	p.pass, p.unit, p.total = pass, unit, total
	p.start = p.now()
	p.last = p.start
}

// update reports done units and the differences so far; it prints only
// when the interval has passed.
func (p *progress) update(done int64, diffs int) {
	if p.quiet {
		return
	}
	now := p.now()
	if p.tty {
		if now.Sub(p.last) < barInterval {
			return
		}
		p.last = now
		fmt.Fprintf(p.out, "\r%s\x1b[K", progressBar(p.pass, p.unit, done, p.total, now.Sub(p.start), diffs))
		p.drawn = true
		return
	}
	if p.every > 0 && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	fmt.Fprintf(p.out, "reconcile: %s\n", progressLine(p.pass, p.unit, done, p.total, now.Sub(p.start), diffs))
}

// note prints a line of its own (above the bar, on a terminal).
func (p *progress) note(msg string) {
	if p.quiet {
		return
	}
	if p.drawn {
		fmt.Fprint(p.out, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintf(p.out, "reconcile: %s\n", msg)
}

// finish prints the pass's closing line.
func (p *progress) finish(done int64, diffs int) {
	if p.quiet {
		return
	}
	elapsed := p.now().Sub(p.start)
	p.note(fmt.Sprintf("%s: %s %s in %s (%s %s/s), %s", p.pass, thousands(done), p.unit,
		roundDuration(elapsed), thousands(int64(rate(done, elapsed))), p.unit, plural(diffs, "difference")))
}

// progressLine: "source pass: 250,000 of ~1,000,000 rows (25%), 41,000
// rows/s, ETA 18s, 3 differences". Past the estimate, no total or ETA.
func progressLine(pass, unit string, done, total int64, elapsed time.Duration, diffs int) string {
	r := rate(done, elapsed)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", pass, thousands(done))
	if total > 0 && done <= total {
		fmt.Fprintf(&b, " of ~%s %s (%d%%)", thousands(total), unit, done*100/total)
	} else {
		fmt.Fprintf(&b, " %s", unit)
	}
	fmt.Fprintf(&b, ", %s %s/s", thousands(int64(r)), unit)
	if eta, ok := etaOf(done, total, r); ok {
		fmt.Fprintf(&b, ", ETA %s", eta)
	}
	fmt.Fprintf(&b, ", %s", plural(diffs, "difference"))
	return b.String()
}

// progressBar: "source pass [#####...............]  25%  250,000/~1,000,000
// rows  41,000/s  ETA 18s  3 differences".
func progressBar(pass, unit string, done, total int64, elapsed time.Duration, diffs int) string {
	const width = 24
	r := rate(done, elapsed)
	count := thousands(done) + " " + unit
	bar, pct := strings.Repeat("?", width), "   "
	if total > 0 && done <= total {
		n := int(done * width / total)
		bar = strings.Repeat("#", n) + strings.Repeat(".", width-n)
		pct = fmt.Sprintf("%3d%%", done*100/total)
		count = thousands(done) + "/~" + thousands(total) + " " + unit
	}
	s := fmt.Sprintf("%s [%s] %s  %s  %s/s", pass, bar, pct, count, thousands(int64(r)))
	if eta, ok := etaOf(done, total, r); ok {
		s += "  ETA " + eta.String()
	}
	return s + "  " + plural(diffs, "difference")
}

func rate(done int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(done) / elapsed.Seconds()
}

func etaOf(done, total int64, rate float64) (time.Duration, bool) {
	if total <= 0 || done > total || rate <= 0 {
		return 0, false
	}
	return roundDuration(time.Duration(float64(total-done) / rate * float64(time.Second))), true
}

func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// thousands: 1234567 -> "1,234,567".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(int64(n)) + " " + word + "s"
}
