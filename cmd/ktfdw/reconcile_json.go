package main

import (
	"encoding/json"
	"io"
	"time"
)

// reconcileSummary is `ktfdw reconcile -json`'s output: one object on
// stdout, also when the run fails (status "error", the counts so far).
type reconcileSummary struct {
	Status      string       `json:"status"` // in_sync, drift, repaired, error
	Source      string       `json:"source,omitempty"`
	Target      string       `json:"target,omitempty"`
	SourceRows  int          `json:"source_rows"`
	KTKeys      int          `json:"kt_keys"`
	Missing     int          `json:"missing"`
	Extra       int          `json:"extra"`
	Differing   int          `json:"differing"`
	Repaired    int          `json:"repaired"`
	Differences []difference `json:"differences"` // the first -list
	Seconds     float64      `json:"seconds"`
	Error       string       `json:"error,omitempty"`
}

func writeReconcileJSON(out io.Writer, o reconcileOptions, spec *syncSpec, res *reconcileResult, runErr error, elapsed time.Duration) error {
	s := reconcileSummary{
		SourceRows: res.SourceRows, KTKeys: res.KTKeys,
		Missing: res.Missing, Extra: res.Extra, Differing: res.Differing, Repaired: res.Repaired,
		Differences: append([]difference{}, res.Diffs...),
		Seconds:     float64(elapsed.Milliseconds()) / 1000,
	}
	if spec != nil {
		s.Source, s.Target = spec.Source, spec.Target
	}
	switch {
	case runErr != nil:
		s.Status, s.Error = "error", runErr.Error()
	case res.Total() == 0:
		s.Status = "in_sync"
	case o.repair:
		s.Status = "repaired"
	default:
		s.Status = "drift"
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}
