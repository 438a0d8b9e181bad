package cdc

import (
	"bytes"

	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

// finalStates is the final state of each KT key of one sink after a run
// of transactions, as the trigger's write buffer would hold it: the last
// write of a key wins.
type finalStates struct {
	idx    map[string]int
	writes []ktscript.Write
	// clears are the namespaces (table prefixes) a TRUNCATE emptied: at
	// apply time every KT key in them that no later write sets is removed.
	clears [][]byte
}

func newFinalStates() *finalStates { return &finalStates{idx: map[string]int{}} }

func (f *finalStates) put(w ktscript.Write) {
	if i, ok := f.idx[string(w.Key)]; ok {
		f.writes[i] = w
		return
	}
	f.idx[string(w.Key)] = len(f.writes)
	f.writes = append(f.writes, w)
}

// row records one row change the way fdw.Sync.Row does: the old record is
// removed when the key changed or the new row has no record, and the new
// record is set when both its key and value exist.
func (f *finalStates) row(c kv) {
	if c.oldKey != nil && (c.newKey == nil || c.value == nil || !bytes.Equal(c.oldKey, c.newKey)) {
		f.put(ktscript.Write{Key: c.oldKey, Remove: true})
	}
	if c.newKey != nil && c.value != nil {
		f.put(ktscript.Write{Key: c.newKey, Value: c.value, XT: c.xt})
	}
}

// truncate empties the namespace prefix: the pending writes in it become
// removals, and the KT keys in it are listed and removed at apply time.
func (f *finalStates) truncate(prefix []byte) {
	for i := range f.writes {
		if bytes.HasPrefix(f.writes[i].Key, prefix) {
			f.writes[i] = ktscript.Write{Key: f.writes[i].Key, Remove: true}
		}
	}
	for _, p := range f.clears {
		if bytes.Equal(p, prefix) {
			return
		}
	}
	f.clears = append(f.clears, prefix)
}

// addCleared adds a removal for each listed key no write of the batch
// mentions (the writes after the TRUNCATE win; the ones before it are
// removals already). Keys of sync positions are never removed.
func (f *finalStates) addCleared(keys [][]byte) {
	for _, k := range keys {
		if _, ok := f.idx[string(k)]; ok || isPositionKey(k) {
			continue
		}
		f.put(ktscript.Write{Key: k, Remove: true})
	}
}

func (f *finalStates) len() int { return len(f.writes) }
