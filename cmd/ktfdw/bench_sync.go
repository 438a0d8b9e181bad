package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/errors"
)

const syncSetup = `
CREATE FOREIGN TABLE rules_kt (key text, value text) SERVER kt OPTIONS (db '0');
CREATE TABLE rules (name text PRIMARY KEY, action text NOT NULL);
CREATE FUNCTION rules_to_kt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM rules_kt WHERE key = OLD.name;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO rules_kt VALUES (NEW.name, NEW.action);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules
  FOR EACH ROW EXECUTE FUNCTION rules_to_kt();
INSERT INTO rules SELECT 'rule' || i, 'allow' FROM generate_series(1, %d) i;
`

// syncVariant is a trigger setup of the sync measurement: the trigger
// enabled ("" = none).
type syncVariant struct{ name, enable string }

var (
	syncNone        = syncVariant{"none", ""}
	syncKTFDW       = syncVariant{"kt_fdw_sync", "rules_kt_fdw_sync"}
	syncHandWritten = syncVariant{"hand-written", "rules_sync"}
)

// syncRuns runs the pgbench UPDATE script Runs times per variant, the
// variants alternating run by run so a machine's drift hits them alike;
// tps per variant (median) and KT requests per UPDATE (dev server only).
func (e *benchEnv) syncRuns(ctx context.Context, variants ...syncVariant) (tps, req map[string]float64, err error) {
	script := fmt.Sprintf("\\set id random(1, %d)\nUPDATE rules SET action = 'deny' || :id WHERE name = 'rule' || :id;\n", e.cfg.SyncRows)
	all := map[string][]float64{}
	req = map[string]float64{}
	for i := 0; i < e.cfg.Runs; i++ {
		for _, v := range variants {
			sql := "ALTER TABLE rules DISABLE TRIGGER rules_sync; ALTER TABLE rules DISABLE TRIGGER rules_kt_fdw_sync"
			if v.enable != "" {
				sql += "; ALTER TABLE rules ENABLE TRIGGER " + v.enable
			}
			if err := e.exec(ctx, sql); err != nil {
				return nil, nil, err
			}
			var before uint64
			if e.dev != nil {
				before = e.dev.Requests()
			}
			r, err := e.runPGBench(ctx, script)
			if err != nil {
				return nil, nil, err
			}
			all[v.name] = append(all[v.name], r.tps)
			if e.dev != nil && r.txs > 0 {
				req[v.name] = float64(e.dev.Requests()-before) / float64(r.txs)
			}
		}
	}
	tps = map[string]float64{}
	for name, xs := range all {
		tps[name] = median(xs)
	}
	return tps, req, nil
}

// durableCommits turns fsync and synchronous_commit on (the throwaway
// cluster runs with both off) or back to the cluster's settings.
func (e *benchEnv) durableCommits(ctx context.Context, on bool) error {
	sqls := []string{"ALTER SYSTEM SET fsync = on", "ALTER SYSTEM SET synchronous_commit = on", "SELECT pg_reload_conf()"}
	if !on {
		sqls = []string{"ALTER SYSTEM RESET fsync", "ALTER SYSTEM RESET synchronous_commit", "SELECT pg_reload_conf()"}
	}
	for _, sql := range sqls { // ALTER SYSTEM runs outside a transaction block only
		if err := e.exec(ctx, sql); err != nil {
			return err
		}
	}
	want := map[bool]string{true: "on", false: "off"}[on]
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var fsync, syncCommit string
		if err := e.conn.QueryRow(ctx, "SELECT current_setting('fsync'), current_setting('synchronous_commit')").Scan(&fsync, &syncCommit); err != nil {
			return errors.Wrap(err, "reading fsync and synchronous_commit")
		}
		if fsync == want && syncCommit == want {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.Newf("fsync = %s and synchronous_commit = %s after the reload, want %s", fsync, syncCommit, want)
		}
	}
}

func (e *benchEnv) benchSync(ctx context.Context) ([]benchRow, error) {
	fmt.Fprintf(e.out, "== 5. sync trigger: pgbench updates of a %d-row rules table\n", e.cfg.SyncRows)
	if err := e.exec(ctx, fmt.Sprintf(syncSetup, e.cfg.SyncRows)); err != nil {
		return nil, err
	}
	// the extension's own sync trigger function (doc/sync.md) beside the
	// setup's hand-written one; one of them, or none, is enabled at a time
	if err := e.exec(ctx, "CREATE TRIGGER rules_kt_fdw_sync AFTER INSERT OR UPDATE OR DELETE ON rules "+
		"FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('rules_kt', 'name', 'action')"); err != nil {
		return nil, err
	}
	if err := e.exec(ctx, "VACUUM ANALYZE rules"); err != nil {
		return nil, err
	}
	tps, req, err := e.syncRuns(ctx, syncNone, syncKTFDW, syncHandWritten)
	if err != nil {
		return nil, err
	}
	raw, err := e.rawBounds(ctx)
	if err != nil {
		return nil, err
	}
	// the commit's round trip: a synced UPDATE that keeps its key commits
	// one record, which kt_fdw sends as one binary set in every apply mode
	// (atomic: one record is atomic in KT); ktfdwapply's round trip, what a
	// commit of several keys pays, is shown beside it
	const applyName = "raw binary set of one record"
	bound := func(local float64) float64 { return seriesBound(local, raw.set) }
	without := tps[syncNone.name]
	rows := []benchRow{{Name: "5. sync: UPDATE with the kt_fdw_sync() trigger (tps)", Value: tps[syncKTFDW.name], Unit: "tps",
		Reference: "the same UPDATE, no trigger", RefValue: without, Target: ">= 75% (trigger costs <= 25%)",
		Pass: atLeastRatio(0.75)},
		{Name: "   raw binary set of one record, one at a time", Value: raw.set, Unit: "ops/s"}}
	if raw.apply > 0 {
		rows = append(rows, benchRow{Name: "   raw binary ktfdwapply of one record, one at a time (a commit of several keys)", Value: raw.apply, Unit: "ops/s"})
	}
	rows = append(rows, benchRow{Name: "   kt_fdw_sync() vs the bound: local UPDATE + 1 binary write round trip in series", Value: tps[syncKTFDW.name], Unit: "tps",
		Reference: "1 / (1/no trigger + 1/" + applyName + ")", RefValue: bound(without), Target: ">= 85% of the bound", Pass: atLeastRatio(0.85)})
	if r, ok := req[syncKTFDW.name]; ok {
		rows = append(rows, benchRow{Name: "   KT requests per UPDATE synced by kt_fdw_sync() (dev server count)", Value: r})
	}
	rows = append(rows, benchRow{Name: "   the same with a hand-written PL/pgSQL trigger (DELETE + INSERT through the foreign table)", Value: tps[syncHandWritten.name], Unit: "tps",
		Reference: "the same UPDATE, no trigger", RefValue: without})
	if r, ok := req[syncHandWritten.name]; ok {
		rows = append(rows, benchRow{Name: "   KT requests per UPDATE synced by the hand-written trigger", Value: r})
	}

	// durable commits, as a rules database runs
	fmt.Fprintf(e.out, "== 5. sync with fsync and synchronous_commit on\n")
	if err := e.durableCommits(ctx, true); err != nil {
		return nil, err
	}
	dtps, _, err := e.syncRuns(ctx, syncNone, syncKTFDW)
	if rerr := e.durableCommits(ctx, false); err == nil {
		err = rerr
	}
	if err != nil {
		return nil, err
	}
	dwithout := dtps[syncNone.name]
	return append(rows,
		benchRow{Name: "5. sync, durable (fsync, synchronous_commit on): UPDATE with kt_fdw_sync() (tps)", Value: dtps[syncKTFDW.name], Unit: "tps",
			Reference: "the same UPDATE, no trigger, durable", RefValue: dwithout, Target: ">= 75% (trigger costs <= 25%)", Pass: atLeastRatio(0.75)},
		benchRow{Name: "   durable kt_fdw_sync() vs the bound: durable local UPDATE + 1 binary write round trip", Value: dtps[syncKTFDW.name], Unit: "tps",
			Reference: "1 / (1/durable no trigger + 1/" + applyName + ")", RefValue: bound(dwithout), Target: ">= 85% of the bound", Pass: atLeastRatio(0.85)},
	), nil
}

// rawBounds measures the raw binary client once per bench run (after the
// records are loaded).
func (e *benchEnv) rawBounds(ctx context.Context) (rawBounds, error) {
	if e.raw != nil {
		return *e.raw, nil
	}
	fmt.Fprintf(e.out, "   (the raw binary client's round trips)\n")
	b, err := e.measureRaw(ctx)
	if err != nil {
		return b, err
	}
	e.raw = &b
	return b, nil
}

// loadOnly stores the benchmark records in KT and the local table without
// measuring, for a run whose -only leaves the load out.
func (e *benchEnv) loadOnly(ctx context.Context) error {
	fmt.Fprintf(e.out, "== loading %d rows (not measured)\n", e.cfg.Rows)
	if err := e.kt.Clear(ctx, "0"); err != nil {
		return err
	}
	if err := e.rawLoad(ctx, 0); err != nil {
		return err
	}
	if err := e.exec(ctx, "TRUNCATE local_kv; "+e.insertSQL("local_kv")); err != nil {
		return err
	}
	return e.exec(ctx, "VACUUM ANALYZE local_kv")
}
