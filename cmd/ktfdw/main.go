// Command ktfdw is kt_fdw's command-line companion: the end-to-end demo,
// reconcile (compare and repair a kt_fdw_sync'd table against KT), sync
// (apply a publication's changes to KT from a logical replication slot)
// and the benchmark. `make install` puts it in `pg_config --bindir`.
//
// The demo and the benchmark need the extension installed into the
// PostgreSQL whose pg_config is on PATH (`make install`); `make demo` does
// that first.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/cockroachdb/errors"
	"github.com/kt-fdw/kt_fdw/fdw"
	"github.com/kt-fdw/kt_fdw/kt/ktscript"
)

const usage = `usage: ktfdw <command> [flags]

commands:
  demo        run the end-to-end demo (throwaway Postgres + KT dev server)
  reconcile   compare a kt_fdw_sync'd table with KT; -repair fixes it
              (exit status 0 in sync, 1 differences found, 2 error)
  sync        apply a publication's changes to KT through a logical
              replication slot, exactly once, until SIGTERM (doc/sync.md);
              'sync status': the slot's lag, retained WAL, KT's positions
  bench       measure kt_fdw against a throwaway Postgres and KT
              (doc/performance.md)
  version     print the version (also -version, --version)
  help        print this help (also -h, --help)

'ktfdw <command> -h' lists a command's flags.

environment:
  KT_TEST_ADDR=host:port   demo and bench: use this KT server instead of a
                           dev server (they clear its databases 0 and 1:
                           never point it at a server holding data)
`

// versionLine is what `ktfdw --version` prints: the release and the
// kt_fdw.lua protocol its library speaks.
func versionLine() string {
	return fmt.Sprintf("ktfdw %s (kt_fdw.lua protocol %s)\n", fdw.Version, ktscript.Version)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "demo":
		if err = parseDemoFlags(args[1:], stderr); err == nil {
			err = runDemo(ctx, stdout)
		}
	case "reconcile":
		return reconcileExit(runReconcile(ctx, stdout, stderr, args[1:]), stderr)
	case "sync":
		err = runSync(ctx, stdout, stderr, args[1:])
	case "bench":
		err = runBench(ctx, stdout, args[1:])
	case "version", "-version", "--version":
		fmt.Fprint(stdout, versionLine())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ktfdw: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "ktfdw %s: %v\n", args[0], err)
	if hint := errors.FlattenHints(err); hint != "" {
		fmt.Fprintf(stderr, "hint: %s\n", hint)
	}
	return 1
}
