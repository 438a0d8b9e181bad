package ktdev

import "math"

// XTNever is the stored expiration of a record that never expires: KT keeps
// expiration times in 5 bytes, so 2^40-1 means "never".
const XTNever int64 = 1<<40 - 1

// XTAbsent is the xt a write uses when the caller gave none (KT's INT64MAX):
// it resolves to XTNever, so a write without xt clears an earlier expiration.
const XTAbsent int64 = math.MaxInt64

// resolveXT turns a request xt (relative seconds if >= 0, absolute epoch
// seconds if negative) into the stored absolute time, clamped to XTNever.
func resolveXT(xt, now int64) int64 {
	if xt < 0 {
		if xt < math.MinInt64/2 {
			xt = math.MinInt64 / 2
		}
		xt = -xt
	} else {
		if xt > math.MaxInt64/2 {
			xt = math.MaxInt64 / 2
		}
		xt = now + xt
	}
	if xt > XTNever {
		xt = XTNever
	}
	return xt
}

// expired reports whether a record stored with xt is gone at time now: KT keeps
// a record through the whole second named by xt.
func expired(xt, now int64) bool { return now > xt }
