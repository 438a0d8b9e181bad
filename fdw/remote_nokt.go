//go:build nokt

package fdw

import "github.com/cockroachdb/errors"

// DialKT without the kt package (build tag nokt, used while kt is being written).
func DialKT(ServerOptions) (Remote, error) {
	return nil, errors.New("kt_fdw was built without the KT client (tag nokt)")
}
