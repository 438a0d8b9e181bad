package ktdev

import (
	"encoding/binary"
	"math"
)

// Orig values with KT's special meanings for increment.
const (
	OrigTry int64 = math.MinInt64 // fail when the record is missing
	OrigSet int64 = math.MaxInt64 // overwrite with num whatever the current value
)

// Increment adds num to an 8-byte big-endian integer record. A missing record
// starts at orig (OrigTry: fail); OrigSet stores num whatever the current
// number. A record of another size is a logic error left untouched, with
// OrigSet too (kttimeddb.h checks the size first).
func (tx *Tx) Increment(key string, num, orig, xt int64) (int64, error) {
	r := tx.lookup(key)
	var result int64
	switch {
	case r == nil && orig == OrigTry:
		return 0, ErrLogic
	case r == nil && orig == OrigSet:
		result = num
	case r == nil:
		result = orig + num
	case len(r.value) != 8:
		return 0, ErrLogic
	case orig == OrigSet:
		result = num
	default:
		cur := int64(binary.BigEndian.Uint64([]byte(r.value)))
		if num == 0 {
			return cur, nil // KT leaves the record untouched
		}
		result = cur + num
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(result))
	tx.Set(key, string(buf[:]), xt)
	if result == math.MinInt64 {
		return 0, ErrLogic // KT's error sentinel; the value is stored anyway
	}
	return result, nil
}

// decimalUnit scales the fraction part of KT's 16-byte decimal numbers.
const decimalUnit = 1e15

func encodeDecimal(num float64) string {
	var buf [16]byte
	integ, fract := math.Modf(num)
	switch {
	case math.IsNaN(num):
		binary.BigEndian.PutUint64(buf[:8], uint64(1)<<63)
		binary.BigEndian.PutUint64(buf[8:], uint64(1)<<63)
	case integ >= math.MaxInt64 || math.IsInf(num, 1):
		binary.BigEndian.PutUint64(buf[:8], math.MaxInt64)
	case integ <= math.MinInt64 || math.IsInf(num, -1):
		binary.BigEndian.PutUint64(buf[:8], uint64(1)<<63)
	default:
		binary.BigEndian.PutUint64(buf[:8], uint64(int64(integ)))
		binary.BigEndian.PutUint64(buf[8:], uint64(int64(fract*decimalUnit)))
	}
	return string(buf[:])
}

func decodeDecimal(v string) float64 {
	integ := int64(binary.BigEndian.Uint64([]byte(v[:8])))
	fract := int64(binary.BigEndian.Uint64([]byte(v[8:])))
	switch {
	case integ == math.MinInt64 && fract == math.MinInt64:
		return math.NaN()
	case integ == math.MaxInt64:
		return math.Inf(1)
	case integ == math.MinInt64:
		return math.Inf(-1)
	}
	return float64(integ) + float64(fract)/decimalUnit
}

// IncrementDouble adds num to a 16-byte decimal record (8-byte integer part,
// 8-byte fraction x 1e15). orig -Inf means "fail when missing", +Inf "set";
// a record of another size is a logic error left untouched, as in Increment.
func (tx *Tx) IncrementDouble(key string, num, orig float64, xt int64) (float64, error) {
	r := tx.lookup(key)
	var result float64
	switch {
	case r == nil && math.IsInf(orig, -1):
		return 0, ErrLogic
	case r == nil && math.IsInf(orig, 1):
		result = num
	case r == nil:
		result = orig + num
	case len(r.value) != 16:
		return 0, ErrLogic
	case math.IsInf(orig, 1):
		result = num
	default:
		cur := decodeDecimal(r.value)
		if num == 0 {
			return cur, nil
		}
		result = cur + num
	}
	tx.Set(key, encodeDecimal(result), xt)
	if math.IsNaN(result) {
		return 0, ErrLogic
	}
	return result, nil
}
