package golden

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/cockroachdb/errors"
)

// DecodedRecord is one "rec:" line of a binary exchange's decoded section.
type DecodedRecord struct {
	DB         int   // -1 when the line has no dbidx (play_script)
	XT         int64 // 0 when the line has no xt
	Key, Value []byte
}

var (
	countRe = regexp.MustCompile(`^magic=0x([0-9a-f]{2}) (?:hits|rnum)=(\d+)`)
	recRe   = regexp.MustCompile(`^rec: (?:dbidx=(\d+) ksiz=\d+ vsiz=\d+ xt=(\d+) \(0x[0-9a-f]+\) )?key=(b'(?:[^'\\]|\\.)*'|b"(?:[^"\\]|\\.)*") value=(b'(?:[^'\\]|\\.)*'|b"(?:[^"\\]|\\.)*")$`)
)

// DecodedReply returns the magic, count and records the capture tool read
// from a binary reply; ok is false when the section holds no "magic=" line
// (no reply, error byte, replication).
func DecodedReply(decoded string) (magic byte, count int, recs []DecodedRecord, ok bool, err error) {
	for _, line := range strings.Split(decoded, "\n") {
		line = strings.TrimSpace(line)
		if m := countRe.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseUint(m[1], 16, 8)
			magic, ok = byte(v), true
			count, _ = strconv.Atoi(m[2])
			continue
		}
		if !strings.HasPrefix(line, "rec:") {
			continue
		}
		m := recRe.FindStringSubmatch(line)
		if m == nil {
			return 0, 0, nil, false, errors.Newf("unrecognised decoded line %q", line)
		}
		rec := DecodedRecord{DB: -1}
		if m[1] != "" {
			rec.DB, _ = strconv.Atoi(m[1])
			rec.XT, _ = strconv.ParseInt(m[2], 10, 64)
		}
		if rec.Key, err = PyBytes(m[3]); err != nil {
			return 0, 0, nil, false, err
		}
		if rec.Value, err = PyBytes(m[4]); err != nil {
			return 0, 0, nil, false, err
		}
		recs = append(recs, rec)
	}
	return magic, count, recs, ok, nil
}

// PyBytes decodes a Python bytes literal as printed by repr(): b'..' or b"..".
func PyBytes(lit string) ([]byte, error) {
	if len(lit) < 3 || lit[0] != 'b' || (lit[1] != '\'' && lit[1] != '"') || lit[len(lit)-1] != lit[1] {
		return nil, errors.Newf("not a bytes literal: %q", lit)
	}
	s := lit[2 : len(lit)-1]
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+1 >= len(s) {
			return nil, errors.Newf("dangling backslash in %q", lit)
		}
		i++
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '\\', '\'', '"':
			out = append(out, s[i])
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.Newf("short \\x in %q", lit)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, errors.Wrapf(err, "bad \\x in %q", lit)
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, errors.Newf("unknown escape in %q", lit)
		}
	}
	return out, nil
}
