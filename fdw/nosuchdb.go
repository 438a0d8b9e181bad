package fdw

import (
	"fmt"
	"strings"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/kt-fdw/kt_fdw/kt"
)

func init() {
	statusHooks = append(statusHooks, noSuchDBStatus)
}

// noSuchDBStatus reports a db the server does not have, listing the
// databases it has, so the fix is one ALTER FOREIGN TABLE away.
func noSuchDBStatus(oc OpContext, err error) *fdwtype.Status {
	var nd *kt.NoSuchDBError
	if !errors.As(err, &nd) {
		return nil
	}
	st := &fdwtype.Status{
		SQLState: fdwtype.SQLStateFDWTableNotFound,
		Message:  fmt.Sprintf("KT server \"%s\" (%s) has no database \"%s\"", oc.Server, oc.Addr, nd.DB),
		Detail:   fmt.Sprintf("A foreign table's option db is '%s'; KT operation %s failed.", nd.DB, oc.Op),
	}
	if len(nd.Databases) == 0 {
		st.Hint = "The server's databases could not be listed; its report procedure shows them."
		return st
	}
	list := make([]string, len(nd.Databases))
	for i, d := range nd.Databases {
		list[i] = fmt.Sprintf("%d (%s)", d.Index, d.Name)
	}
	st.Hint = fmt.Sprintf("The server's databases are %s; set the table's db option to one of their indexes or names.",
		strings.Join(list, ", "))
	return st
}
