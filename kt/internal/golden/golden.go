// Package golden reads the Kyoto Tycoon golden transcripts
// (/work/shared/kt-golden, format in its 000-README.txt) for tests: the kt
// client decodes the recorded replies, the dev server replays the recorded
// requests and compares its answers.
package golden

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/errors"
)

// Transcript is one NNN-*.txt file.
type Transcript struct {
	Name      string   // file name, e.g. "010-set-basic.txt"
	Number    int      // NNN
	Title     string   // first comment line without "# "
	Comments  []string // all leading "#" lines without "# "
	Exchanges []Exchange
}

// Exchange is one request block and the response block after it.
type Exchange struct {
	N          int    // request number in the file
	Connection int    // 1-based TCP connection the exchange used (from "## connection N" lines)
	Note       string // the last "## ..." separator before this exchange, if any
	Binary     bool   // hex blocks (binary protocol) rather than escaped text
	Request    []byte
	Response   []byte // may hold several pipelined responses
	// NoResponse: the capture saw no bytes at all ("(no bytes...)").
	NoResponse bool
	// Closed: the capture says the server closed the connection afterwards
	// (inferred from "(no bytes; connection closed...)", "closed=True" in the
	// decoded section, or a Connection: close header).
	Closed  bool
	Decoded string // the capture tool's "--- decoded ---" text (binary only)
}

var (
	headerRe     = regexp.MustCompile(`^--- (C->S request|S->C response) (\d+) \((escaped raw bytes|hex)\) ---$`)
	connectionRe = regexp.MustCompile(`connection (\d+)`)
)

// ParseFile reads and parses one transcript file.
func ParseFile(path string) (*Transcript, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "read transcript")
	}
	return Parse(filepath.Base(path), data)
}

// Parse parses the text of a transcript named name.
func Parse(name string, data []byte) (*Transcript, error) {
	tr := &Transcript{Name: name}
	if i := strings.IndexByte(name, '-'); i > 0 {
		tr.Number, _ = strconv.Atoi(name[:i])
	}
	const (
		none = iota
		inRequest
		inResponse
		inDecoded
	)
	state := none
	conn, note := 1, ""
	var cur *Exchange
	var block []string
	flush := func() error {
		if cur == nil || state == none {
			return nil
		}
		var err error
		switch state {
		case inRequest:
			cur.Request, err = decodeBlock(block, cur.Binary)
		case inResponse:
			if len(block) > 0 && strings.HasPrefix(strings.TrimSpace(block[0]), "(no bytes") {
				cur.NoResponse = true
				cur.Closed = strings.Contains(block[0], "closed")
				break
			}
			cur.Response, err = decodeBlock(block, cur.Binary)
			if bytes.Contains(bytes.ToLower(cur.Response), []byte("\r\nconnection: close\r\n")) {
				cur.Closed = true
			}
		case inDecoded:
			cur.Decoded = strings.TrimSpace(strings.Join(block, "\n"))
			if strings.Contains(cur.Decoded, "closed=True") {
				cur.Closed = true
			}
		}
		block = nil
		return err
	}
	lines := strings.Split(string(data), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	for ln, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case strings.HasPrefix(line, "## "):
			if err := flush(); err != nil {
				return nil, errors.Wrapf(err, "%s:%d", name, ln+1)
			}
			state = none
			note = strings.TrimPrefix(line, "## ")
			if m := connectionRe.FindAllStringSubmatch(note, -1); m != nil {
				conn, _ = strconv.Atoi(m[len(m)-1][1])
			}
		case state == none && strings.HasPrefix(line, "#"):
			c := strings.TrimSpace(strings.TrimPrefix(line, "#"))
			tr.Comments = append(tr.Comments, c)
			if tr.Title == "" {
				tr.Title = c
			}
		case line == "--- decoded ---":
			if err := flush(); err != nil {
				return nil, errors.Wrapf(err, "%s:%d", name, ln+1)
			}
			state = inDecoded
		case headerRe.MatchString(line):
			if err := flush(); err != nil {
				return nil, errors.Wrapf(err, "%s:%d", name, ln+1)
			}
			m := headerRe.FindStringSubmatch(line)
			n, _ := strconv.Atoi(m[2])
			binary := m[3] == "hex"
			if m[1] == "C->S request" {
				tr.Exchanges = append(tr.Exchanges, Exchange{N: n, Connection: conn, Note: note, Binary: binary})
				cur = &tr.Exchanges[len(tr.Exchanges)-1]
				state = inRequest
			} else {
				if cur == nil || cur.N != n {
					return nil, errors.Newf("%s:%d: response %d without its request", name, ln+1, n)
				}
				state = inResponse
			}
		case state != none:
			block = append(block, line)
		}
	}
	if err := flush(); err != nil {
		return nil, errors.Wrapf(err, "%s", name)
	}
	return tr, nil
}

func decodeBlock(lines []string, binary bool) ([]byte, error) {
	if binary {
		return decodeHexDump(lines)
	}
	return Unescape(strings.Join(lines, ""))
}

// Unescape turns the escaped text of a block (file line breaks already
// removed) back into bytes: \r \n \t \\ and \xNN.
func Unescape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(s) {
			return nil, errors.New("dangling backslash")
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New("short \\x escape")
			}
			b, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil {
				return nil, errors.Wrapf(err, "bad \\x escape")
			}
			out = append(out, b[0])
			i += 2
		default:
			return nil, errors.Newf("unknown escape \\%c", s[i])
		}
	}
	return out, nil
}

// decodeHexDump reads "00000000  b8 00 ...  |ascii|" lines.
func decodeHexDump(lines []string) ([]byte, error) {
	var out []byte
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if strings.HasPrefix(fields[0], "(") {
			continue
		}
		off, err := strconv.ParseUint(fields[0], 16, 64)
		if err != nil || int(off) != len(out) {
			return nil, errors.Newf("bad hex dump line %q", line)
		}
		for _, f := range fields[1:] {
			if strings.HasPrefix(f, "|") {
				break
			}
			b, err := hex.DecodeString(f)
			if err != nil || len(b) != 1 {
				return nil, errors.Newf("bad hex byte %q in %q", f, line)
			}
			out = append(out, b[0])
		}
	}
	return out, nil
}

// LoadDir parses every NNN-*.txt transcript in dir, in file-name order.
func LoadDir(dir string) ([]*Transcript, error) {
	names, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9]-*.txt"))
	if err != nil {
		return nil, errors.Wrapf(err, "list transcripts")
	}
	sort.Strings(names)
	var out []*Transcript
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), "000-") {
			continue
		}
		tr, err := ParseFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	return out, nil
}

// FindDir walks up from the working directory to the first directory that
// contains shared/kt-golden (the KT_GOLDEN_DIR environment variable wins).
// It returns "" if there is none.
func FindDir() string {
	if d := os.Getenv("KT_GOLDEN_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "kt-golden")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load returns all transcripts for a test, skipping it when the directory
// cannot be found and failing it when a file does not parse.
func Load(t testing.TB) []*Transcript {
	t.Helper()
	dir := FindDir()
	if dir == "" {
		t.Skip("golden transcripts not found: no shared/kt-golden above the working directory (set KT_GOLDEN_DIR)")
	}
	trs, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("load golden transcripts: %v", err)
	}
	if len(trs) == 0 {
		t.Skipf("no transcripts in %s", dir)
	}
	return trs
}
