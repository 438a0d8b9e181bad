package fdwtype

// Record is one KT record as the FDW sees it. XT is its absolute
// expiration time in Unix seconds, 0 = never (kept only where the xt
// column option needs it: GetBulk, cursors, the write buffer).
type Record struct {
	Key, Value []byte
	XT         int64
}
