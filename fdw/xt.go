package fdw

import (
	"github.com/kt-fdw/kt_fdw/kt"
)

// absoluteXT turns an xt of binary get_bulk (absolute, kt.XTNeverStored or
// more for never) into Record.XT (0 = never).
func absoluteXT(xt int64) int64 {
	if xt >= kt.XTNeverStored || xt < 0 {
		return 0
	}
	return xt
}
