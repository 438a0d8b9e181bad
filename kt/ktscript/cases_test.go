package ktscript_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt"
	"github.com/kt-fdw/kt_fdw/kt/internal/kttest"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// applyCase is one entry of testdata/apply_cases.json (strings percent-encoded).
type applyCase struct {
	Name   string            `json:"name"`
	DB     string            `json:"db"`
	Before map[string]string `json:"before"`
	Ops    [][]string        `json:"ops"`
	Raw    [][]string        `json:"raw"`
	After  map[string]string `json:"after"`
	Want   struct {
		Status        string            `json:"status"`
		Set           int               `json:"set"`
		Removed       int               `json:"removed"`
		Conflicts     map[string]string `json:"conflicts"`
		ErrorContains string            `json:"error_contains"`
	} `json:"want"`
}

func loadCases(t *testing.T) []applyCase {
	t.Helper()
	data, err := os.ReadFile("testdata/apply_cases.json")
	require.NoError(t, err)
	var doc struct {
		Cases []applyCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.NotEmpty(t, doc.Cases)
	return doc.Cases
}

func unescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.PathUnescape(s)
	require.NoError(t, err, "bad escape in %q", s)
	return u
}

func unescapeMap(t *testing.T, m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[unescape(t, k)] = unescape(t, v)
	}
	return out
}

// inputs builds the play_script inputs of a case.
func (c *applyCase) inputs(t *testing.T) []wire.Pair {
	var pairs []wire.Pair
	if c.Raw != nil {
		for _, p := range c.Raw {
			pairs = append(pairs, wire.Pair{Key: []byte(unescape(t, p[0])), Value: []byte(unescape(t, p[1]))})
		}
	} else {
		req := ktscript.Request{DB: c.DB}
		for _, op := range c.Ops {
			key := []byte(unescape(t, op[1]))
			var value []byte
			if len(op) > 2 {
				value = []byte(unescape(t, op[2]))
			}
			switch op[0][0] {
			case ktscript.TagSet:
				req.Writes = append(req.Writes, ktscript.Write{Key: key, Value: value})
			case ktscript.TagRemove:
				req.Writes = append(req.Writes, ktscript.Write{Key: key, Remove: true})
			case ktscript.TagExpectValue:
				req.Checks = append(req.Checks, ktscript.Check{Key: key, Value: value})
			case ktscript.TagExpectAbsent:
				req.Checks = append(req.Checks, ktscript.Check{Key: key, Absent: true})
			default:
				t.Fatalf("case %q: bad op %q", c.Name, op[0])
			}
		}
		return req.Pairs()
	}
	if c.DB != "" {
		pairs = append(pairs, wire.Pair{Key: []byte("db"), Value: []byte(c.DB)})
	}
	return pairs
}

// wantReply is the reply a case expects (Error checked separately).
func (c *applyCase) wantReply(t *testing.T) ktscript.Reply {
	w := ktscript.Reply{Status: c.Want.Status}
	switch c.Want.Status {
	case ktscript.StatusOK:
		w.Set, w.Removed = c.Want.Set, c.Want.Removed
		w.Tran = len(c.Ops) > 0 || len(c.Raw) > 0
	case ktscript.StatusConflict:
		w.Tran = true
		for k, state := range c.Want.Conflicts {
			state = unescape(t, state)
			cf := ktscript.Conflict{Key: []byte(unescape(t, k))}
			if state != "A" {
				cf.Exists, cf.Value = true, []byte(state[1:])
			}
			w.Conflicts = append(w.Conflicts, cf)
		}
		sort.Slice(w.Conflicts, func(i, j int) bool { return string(w.Conflicts[i].Key) < string(w.Conflicts[j].Key) })
	}
	return w
}

// target is a server with kt_fdw's procedures: the dev server, or a real KT
// (KT_TEST_ADDR) started with -scr sql/kt_fdw.lua.
func target(t *testing.T) (*kt.Client, *ktdev.Server) {
	t.Helper()
	var srv *ktdev.Server
	addr := os.Getenv(kttest.EnvAddr)
	if addr == "" {
		srv = ktdev.NewTestServer(t, ktdev.WithDBs(kttest.DBs...), ktdev.WithKTFDWScripts())
		addr = srv.Addr()
	}
	c, err := kt.NewClient(kt.Config{Addr: addr, OpTimeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	out, err := c.PlayScript(context.Background(), ktscript.ProcVersion, nil)
	if srv == nil && errors.Is(err, kt.ErrNotImplemented) {
		t.Skipf("the KT server at %s has no %s: start it with -scr sql/kt_fdw.lua (%v)", addr, ktscript.ProcVersion, err)
	}
	require.NoError(t, err)
	v, err := ktscript.DecodeVersion(out)
	require.NoError(t, err)
	require.True(t, v.Compatible(), "script speaks version %q", v.Version)
	if srv == nil {
		assert.Equal(t, "lua", v.Impl)
	} else {
		assert.Equal(t, "ktdev", v.Impl)
	}
	return c, srv
}

// contents reads a whole database.
func contents(t *testing.T, c *kt.Client, db string) map[string]string {
	ctx := context.Background()
	keys, err := c.MatchPrefix(ctx, db, nil, -1)
	require.NoError(t, err)
	got := map[string]string{}
	if len(keys) == 0 {
		return got
	}
	recs, err := c.GetBulk(ctx, db, keys, true)
	require.NoError(t, err)
	for _, r := range recs {
		got[string(r.Key)] = string(r.Value)
	}
	return got
}

type caller struct {
	name string
	call func(ctx context.Context, c *kt.Client, in []wire.Pair) (ktscript.Reply, error)
}

var callers = []caller{
	{"binary", func(ctx context.Context, c *kt.Client, in []wire.Pair) (ktscript.Reply, error) {
		out, err := c.BinPlayScript(ctx, ktscript.ProcApply, in, false)
		if err != nil {
			return ktscript.Reply{}, err
		}
		return ktscript.DecodeReply(out)
	}},
	{"http", func(ctx context.Context, c *kt.Client, in []wire.Pair) (ktscript.Reply, error) {
		out, err := c.PlayScript(ctx, ktscript.ProcApply, ktscript.PairsMap(in))
		if err != nil {
			return ktscript.Reply{}, err
		}
		return ktscript.DecodeReplyMap(out)
	}},
}

// TestApplyCases runs the shared cases against the dev server's native
// procedures, or a real KT's sql/kt_fdw.lua, over both protocols.
func TestApplyCases(t *testing.T) {
	cases := loadCases(t)
	c, _ := target(t)
	ctx := context.Background()
	for _, cl := range callers {
		t.Run(cl.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.Name, func(t *testing.T) {
					db := tc.DB
					if db == "" || db == "9" {
						db = "0"
					}
					require.NoError(t, c.Clear(ctx, db))
					before := unescapeMap(t, tc.Before)
					for k, v := range before {
						require.NoError(t, c.Set(ctx, db, []byte(k), []byte(v)))
					}
					rep, err := cl.call(ctx, c, tc.inputs(t))
					require.NoError(t, err)
					if tc.Want.Status == ktscript.StatusError {
						assert.Equal(t, ktscript.StatusError, rep.Status)
						assert.Contains(t, rep.Error, tc.Want.ErrorContains)
						assert.False(t, rep.MaybeWritten, "the shared error cases fail before writing")
						require.Error(t, rep.Err())
					} else {
						assert.Equal(t, tc.wantReply(t), rep)
					}
					after := before
					if tc.After != nil {
						after = unescapeMap(t, tc.After)
					}
					assert.Equal(t, after, contents(t, c, db), "DB %s after the apply", db)
				})
			}
		})
	}
}

// TestApplyOverwritesExpiration: a set through the script never expires,
// like set_bulk without xt, even over a record that had an expiration.
func TestApplyOverwritesExpiration(t *testing.T) {
	c, _ := target(t)
	ctx := context.Background()
	require.NoError(t, c.Clear(ctx, "0"))
	require.NoError(t, c.Set(ctx, "0", []byte("a"), []byte("old"), kt.WithXT(3600)))
	req := ktscript.Request{Writes: []ktscript.Write{{Key: []byte("a"), Value: []byte("new")}}}
	out, err := c.BinPlayScript(ctx, ktscript.ProcApply, req.Pairs(), false)
	require.NoError(t, err)
	rep, err := ktscript.DecodeReply(out)
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	rec, err := c.Get(ctx, "0", []byte("a"))
	require.NoError(t, err)
	assert.Equal(t, "new", string(rec.Value))
	assert.Zero(t, rec.XT, "expiration cleared")
}
