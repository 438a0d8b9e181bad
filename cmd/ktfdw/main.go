// Command ktfdw runs kt_fdw's end-to-end demo.
//
//	ktfdw demo    a throwaway Postgres and KT dev server, a rules table synced
//	              into KT by a trigger through the foreign table, the result
//	              read back from KT with the kt client
//
// The demo needs the extension installed into the local PostgreSQL
// (`make install`); `make demo` does that first.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: ktfdw <command>

commands:
  demo   run the end-to-end demo (throwaway Postgres + KT dev server)
  reconcile -source TABLE [-repair] ...
         compare a kt_fdw_sync'd table with KT, fix with -repair (-h: flags)

environment:
  KT_TEST_ADDR=host:port   use this KT server instead of a dev server
                           (the demo clears its database 0: never point it at
                           a server holding data)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch os.Args[1] {
	case "demo":
		err = runDemo(ctx, os.Stdout)
	case "reconcile":
		err = runReconcile(ctx, os.Stdout, os.Stderr, os.Args[2:])
	case "bench":
		err = runBench(ctx, os.Stdout, os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "ktfdw: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ktfdw %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
