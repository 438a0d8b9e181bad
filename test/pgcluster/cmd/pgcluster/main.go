// Command pgcluster runs a throwaway PostgreSQL cluster for shell scripts
// (test/regress.sh). It prints one line
//
//	pgcluster ready port=NNNN log=/tmp/pgcluster-XXX/server.log
//
// and stops and removes the cluster on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kt-fdw/kt_fdw/test/pgcluster"
)

type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }

func (s settings) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want name=value, got %q", v)
	}
	s[name] = value
	return nil
}

func main() {
	set := settings{}
	flag.Var(set, "set", "postgresql.conf parameter as name=value (repeatable)")
	flag.Parse()

	// Catch signals before starting, so a kill during start still stops.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	c, err := pgcluster.Start(pgcluster.Config{Settings: set})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgcluster: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("pgcluster ready port=%d log=%s\n", c.Port, c.LogFile)
	<-sig
	if err := c.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgcluster: stopping: %v\n", err)
		os.Exit(1)
	}
}
