package fdw

import "github.com/kt-fdw/kt_fdw/fdw/fdwtype"

func opContext(t fdwtype.Table, op string) OpContext {
	return OpContext{ServerOID: t.Server.OID, Server: t.Server.Name, Addr: t.Server.Opts.Addr(), Op: op,
		Timeout: t.Server.Opts.Timeout, ConnectTimeout: t.Server.Opts.ConnectTimeout}
}
