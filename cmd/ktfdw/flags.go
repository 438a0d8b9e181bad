package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/cockroachdb/errors"
)

// errHelp: the command was asked for its flags (-h) and printed them.
var errHelp = flag.ErrHelp

// errUsage marks a refused command line; why and the usage were printed.
var errUsage = errors.New("usage error")

// parseFlags parses args with fs, marking a refused command line errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errors.Mark(err, errUsage)
}

// parseDemoFlags: the demo has no flags, but -h and stray arguments are
// answered instead of starting it.
func parseDemoFlags(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: ktfdw demo\n\nA throwaway Postgres and KT dev server, a rules table synced into KT by\na trigger through the foreign table, read back from KT. No flags.\n")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errors.Mark(errors.Newf("unexpected argument %q", fs.Arg(0)), errUsage)
	}
	return nil
}
