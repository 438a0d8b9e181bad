package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func testProgress(out *bytes.Buffer, every time.Duration) (*progress, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := newProgress(out, every, false)
	p.now = c.now
	return p, c
}

func TestProgressLine(t *testing.T) {
	assert.Equal(t, "source pass: 250,000 of ~1,000,000 rows (25%), 25,000 rows/s, ETA 30s, 3 differences",
		progressLine("source pass", "rows", 250000, 1000000, 10*time.Second, 3))
	// past the estimate: no total, no ETA
	assert.Equal(t, "KT pass: 1,200 keys, 400 keys/s, 1 difference",
		progressLine("KT pass", "keys", 1200, 1000, 3*time.Second, 1))
	assert.Equal(t, "KT pass: 0 keys, 0 keys/s, 0 differences", progressLine("KT pass", "keys", 0, 0, 0, 0))
	assert.Equal(t, "source pass [######..................]  25%  250/~1,000 rows  50/s  ETA 15s  0 differences",
		progressBar("source pass", "rows", 250, 1000, 5*time.Second, 0))
	assert.Equal(t, "1,234,567", thousands(1234567))
	assert.Equal(t, "999", thousands(999))
}

// Plain lines come at most every interval, whatever the update rate; each
// pass ends with a closing line.
func TestProgressPlainLines(t *testing.T) {
	var out bytes.Buffer
	p, clock := testProgress(&out, 10*time.Second)
	require.False(t, p.tty, "a buffer is not a terminal")
	p.begin("KT pass", "keys", 3000)
	for i := 1; i <= 30; i++ {
		clock.add(time.Second)
		p.update(int64(i*100), 0)
	}
	p.finish(3000, 0)
	assert.Equal(t, "reconcile: KT pass: 1,000 of ~3,000 keys (33%), 100 keys/s, ETA 20s, 0 differences\n"+
		"reconcile: KT pass: 2,000 of ~3,000 keys (66%), 100 keys/s, ETA 10s, 0 differences\n"+
		"reconcile: KT pass: 3,000 of ~3,000 keys (100%), 100 keys/s, ETA 0s, 0 differences\n"+
		"reconcile: KT pass: 3,000 keys in 30s (100 keys/s), 0 differences\n", out.String())

	out.Reset()
	p, _ = testProgress(&out, 0) // every update
	p.begin("source pass", "rows", 2)
	p.update(1, 0)
	p.update(2, 1)
	assert.Equal(t, 2, strings.Count(out.String(), "\n"))

	out.Reset()
	p, _ = testProgress(&out, 0)
	p.quiet = true
	p.begin("source pass", "rows", 2)
	p.update(1, 0)
	p.finish(2, 0)
	p.note("x")
	assert.Empty(t, out.String())
}

// On a terminal the bar is redrawn in place (at most every 200 ms) and
// cleared before a line of its own.
func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	p, clock := testProgress(&out, time.Minute)
	p.tty = true
	p.begin("source pass", "rows", 100)
	clock.add(time.Second)
	p.update(50, 0)
	p.update(60, 0) // too soon: not drawn
	clock.add(time.Second)
	p.finish(100, 0)
	assert.Equal(t, "\rsource pass [############............]  50%  50/~100 rows  50/s  ETA 1s  0 differences\x1b[K"+
		"\r\x1b[Kreconcile: source pass: 100 rows in 2s (50 rows/s), 0 differences\n", out.String())
}

func TestReconcileExitStatus(t *testing.T) {
	var stderr bytes.Buffer
	assert.Equal(t, 0, reconcileExit(nil, &stderr))
	assert.Equal(t, 0, reconcileExit(errHelp, &stderr))
	assert.Equal(t, 1, reconcileExit(errDrift, &stderr))
	assert.Equal(t, 2, reconcileExit(errors.New("connecting to PostgreSQL: refused"), &stderr))
	assert.Equal(t, 2, reconcileExit(errors.Mark(errors.New("bad flag"), errUsage), &stderr))
	assert.Contains(t, stderr.String(), "ktfdw reconcile: connecting to PostgreSQL: refused\n")
}

func TestReconcileJSON(t *testing.T) {
	spec := &syncSpec{Source: "rules", Target: "rules_kt"}
	res := &reconcileResult{listMax: 1, SourceRows: 10, KTKeys: 11}
	res.add(diffExtra, "x")
	res.add(diffMissing, "y")

	decode := func(o reconcileOptions, spec *syncSpec, res *reconcileResult, err error) map[string]any {
		var out bytes.Buffer
		require.NoError(t, writeReconcileJSON(&out, o, spec, res, err, 1500*time.Millisecond))
		assert.Equal(t, 1, strings.Count(out.String(), "\n"), "one line")
		var m map[string]any
		require.NoError(t, json.Unmarshal(out.Bytes(), &m))
		return m
	}
	m := decode(reconcileOptions{}, spec, res, nil)
	assert.Equal(t, map[string]any{"status": "drift", "source": "rules", "target": "rules_kt",
		"source_rows": 10.0, "kt_keys": 11.0, "missing": 1.0, "extra": 1.0, "differing": 0.0, "repaired": 0.0,
		"differences": []any{map[string]any{"kind": "extra", "key": "x"}}, "seconds": 1.5}, m)

	res.Repaired = 2
	assert.Equal(t, "repaired", decode(reconcileOptions{repair: true}, spec, res, nil)["status"])
	assert.Equal(t, "in_sync", decode(reconcileOptions{}, spec, &reconcileResult{}, nil)["status"])
	m = decode(reconcileOptions{}, nil, &reconcileResult{}, errors.New("connecting to PostgreSQL: refused"))
	assert.Equal(t, "error", m["status"])
	assert.Equal(t, "connecting to PostgreSQL: refused", m["error"])
	assert.Equal(t, []any{}, m["differences"], "an empty list, not null")
}
