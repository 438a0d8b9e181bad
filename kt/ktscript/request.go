package ktscript

import (
	"bytes"
	"sort"
	"strconv"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// Write is the final state of one key: Value, or removed. XT is the
// record's absolute expiration time in Unix seconds (0: never expires).
type Write struct {
	Key, Value []byte
	Remove     bool
	XT         int64
}

// Check is a precondition on one key: it holds exactly Value, or (Absent)
// it does not exist.
type Check struct {
	Key, Value []byte
	Absent     bool
}

// Request is one ktfdwapply call: writes to one database, made only if
// every check still holds.
type Request struct {
	DB     string
	Writes []Write
	Checks []Check
}

// Pairs encodes the request as play_script inputs, sorted by key (the order
// KT itself uses). Two writes or two checks of one key collide and the later
// one wins, as in a map.
func (r *Request) Pairs() []wire.Pair {
	out := make([]wire.Pair, 0, len(r.Writes)+len(r.Checks)+1)
	if r.DB != "" {
		out = append(out, wire.Pair{Key: []byte(FieldDB), Value: []byte(r.DB)})
	}
	for _, w := range r.Writes {
		if w.Remove {
			out = append(out, wire.Pair{Key: tagged(TagRemove, w.Key), Value: []byte{}})
		} else {
			out = append(out, wire.Pair{Key: tagged(TagSet, w.Key), Value: nonNil(w.Value)})
			if w.XT != 0 {
				out = append(out, wire.Pair{Key: tagged(TagExpire, w.Key), Value: strconv.AppendInt(nil, w.XT, 10)})
			}
		}
	}
	for _, c := range r.Checks {
		if c.Absent {
			out = append(out, wire.Pair{Key: tagged(TagExpectAbsent, c.Key), Value: []byte{}})
		} else {
			out = append(out, wire.Pair{Key: tagged(TagExpectValue, c.Key), Value: nonNil(c.Value)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Key, out[j].Key) < 0 })
	return out
}

// Map encodes the request as the input map of kt.Client.PlayScript.
func (r *Request) Map() map[string][]byte {
	return PairsMap(r.Pairs())
}

// PairsMap turns pairs into a map (a later duplicate key wins).
func PairsMap(pairs []wire.Pair) map[string][]byte {
	m := make(map[string][]byte, len(pairs))
	for _, p := range pairs {
		m[string(p.Key)] = p.Value
	}
	return m
}

// DecodeRequest parses play_script inputs (the server side). Writes and
// checks come out sorted by key.
func DecodeRequest(in map[string][]byte) (Request, error) {
	var r Request
	writes := map[string]Write{}
	checks := map[string]Check{}
	xts := map[string]int64{}
	for k, v := range in {
		if k == FieldDB {
			r.DB = string(v)
			continue
		}
		if k == "" {
			return Request{}, errors.New("unknown input \"\"")
		}
		key := k[1:]
		switch k[0] {
		case TagSet, TagRemove:
			if _, dup := writes[key]; dup {
				return Request{}, errors.Newf("key %q has both set and remove", key)
			}
			writes[key] = Write{Key: []byte(key), Value: bytes.Clone(nonNil(v)), Remove: k[0] == TagRemove}
		case TagExpectValue, TagExpectAbsent:
			if _, dup := checks[key]; dup {
				return Request{}, errors.Newf("key %q has both an expected value and absence", key)
			}
			checks[key] = Check{Key: []byte(key), Value: bytes.Clone(nonNil(v)), Absent: k[0] == TagExpectAbsent}
		case TagExpire:
			xt, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || xt <= 0 {
				return Request{}, errors.Newf("key %q has a bad expiration time %q", key, v)
			}
			xts[key] = xt
		default:
			return Request{}, errors.Newf("unknown input %q", k)
		}
	}
	for key := range xts {
		if w, ok := writes[key]; !ok || w.Remove {
			return Request{}, errors.Newf("key %q has an expiration time but is not set", key)
		}
	}
	for _, k := range sortedKeys(writes) {
		w := writes[k]
		w.XT = xts[k]
		if w.Remove {
			w.Value = nil
		}
		r.Writes = append(r.Writes, w)
	}
	for _, k := range sortedKeys(checks) {
		c := checks[k]
		if c.Absent {
			c.Value = nil
		}
		r.Checks = append(r.Checks, c)
	}
	return r, nil
}

func tagged(tag byte, key []byte) []byte {
	b := make([]byte, 0, len(key)+1)
	return append(append(b, tag), key...)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
