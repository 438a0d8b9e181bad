// Package pgcluster starts throwaway PostgreSQL clusters: initdb into a
// temporary directory, listen on 127.0.0.1 with a free port and a unix socket
// in that directory, trust authentication, and remove everything on Stop.
// When the caller is root the cluster runs as the postgres OS user.
package pgcluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cockroachdb/errors"
)

// Config adjusts a cluster. The zero value is a plain cluster.
type Config struct {
	// Settings are extra postgresql.conf parameters, e.g.
	// {"max_prepared_transactions": "4"}. Values are written verbatim.
	Settings map[string]string
}

// Cluster is one running throwaway PostgreSQL cluster.
type Cluster struct {
	Dir     string // temporary directory holding everything below
	DataDir string
	LogFile string
	Port    int

	bin      string
	owner    owner
	watchdog *os.Process
}

// User is the superuser initdb creates in every cluster.
const User = "postgres"

// Start creates and starts a cluster. On failure nothing is left behind and
// the error includes the end of the server log.
func Start(cfg Config) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	o, err := currentOwner()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempRoot(o), "pgcluster-")
	if err != nil {
		return nil, errors.Wrap(err, "creating cluster directory")
	}
	c := &Cluster{
		Dir:     dir,
		DataDir: filepath.Join(dir, "data"),
		LogFile: filepath.Join(dir, "server.log"),
		bin:     bin,
		owner:   o,
	}
	if err := c.initdb(); err != nil {
		c.remove()
		return nil, err
	}
	// A free port can be taken by someone else before the server binds it;
	// try a few.
	for attempt := 0; ; attempt++ {
		err = c.start(cfg)
		if err == nil {
			c.startWatchdog()
			return c, nil
		}
		if attempt >= 2 || !strings.Contains(c.LogTail(20), "could not bind") {
			break
		}
	}
	err = errors.Wrapf(err, "starting cluster; server log:\n%s", c.LogTail(30))
	c.remove()
	return nil, err
}

func (c *Cluster) initdb() error {
	if err := os.Chmod(c.Dir, 0o700); err != nil {
		return errors.Wrap(err, "chmod cluster directory")
	}
	if err := c.owner.chown(c.Dir); err != nil {
		return errors.Wrap(err, "chown cluster directory")
	}
	return c.owner.run(c.Dir, filepath.Join(c.bin, "initdb"),
		"-D", c.DataDir, "-U", User, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
}

func (c *Cluster) start(cfg Config) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.Port = port
	if err := c.writeConf(cfg); err != nil {
		return err
	}
	return c.owner.run(c.Dir, filepath.Join(c.bin, "pg_ctl"),
		"-D", c.DataDir, "-l", c.LogFile, "-w", "-t", "60", "-s", "start")
}

// writeConf writes the test settings into an included file, rewritten on
// every start so a retried start gets the new port.
func (c *Cluster) writeConf(cfg Config) error {
	settings := map[string]string{
		"listen_addresses":        "'127.0.0.1'",
		"port":                    fmt.Sprint(c.Port),
		"unix_socket_directories": quote(c.Dir),
		"fsync":                   "off",
		"synchronous_commit":      "off",
		"full_page_writes":        "off",
		"max_connections":         "40",
		"shared_buffers":          "32MB",
		"log_line_prefix":         "'%m [%p] '",
		"log_checkpoints":         "off", // CREATE DATABASE checkpoints would drown the log tail
	}
	for k, v := range cfg.Settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, settings[k])
	}
	confD := filepath.Join(c.DataDir, "pgcluster.conf")
	if err := os.WriteFile(confD, []byte(b.String()), 0o600); err != nil {
		return errors.Wrap(err, "writing pgcluster.conf")
	}
	main := filepath.Join(c.DataDir, "postgresql.conf")
	body, err := os.ReadFile(main)
	if err != nil {
		return errors.Wrap(err, "reading postgresql.conf")
	}
	if !strings.Contains(string(body), "include 'pgcluster.conf'") {
		body = append(body, "\ninclude 'pgcluster.conf'\n"...)
		if err := os.WriteFile(main, body, 0o600); err != nil {
			return errors.Wrap(err, "writing postgresql.conf")
		}
	}
	return c.owner.chown(c.DataDir)
}

// ConnString returns a libpq/pgx connection string for the postgres database.
func (c *Cluster) ConnString() string { return c.ConnStringDB("postgres") }

// ConnStringDB returns a connection string for database db.
func (c *Cluster) ConnStringDB(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=%s sslmode=disable", c.Port, User, db)
}

// SocketDir is the directory of the cluster's unix socket (for psql -h).
func (c *Cluster) SocketDir() string { return c.Dir }

// Stop stops the server and removes the cluster directory.
func (c *Cluster) Stop() error {
	c.stopWatchdog()
	err := c.stopServer()
	c.remove()
	return err
}

func (c *Cluster) stopServer() error {
	pgctl := filepath.Join(c.bin, "pg_ctl")
	err := c.owner.run(c.Dir, pgctl, "-D", c.DataDir, "-m", "fast", "-w", "-t", "30", "-s", "stop")
	if err != nil {
		if err2 := c.owner.run(c.Dir, pgctl, "-D", c.DataDir, "-m", "immediate", "-w", "-t", "30", "-s", "stop"); err2 == nil {
			return nil
		}
	}
	return err
}

func (c *Cluster) remove() { _ = os.RemoveAll(c.Dir) }

// tempRoot is where cluster directories go: $TMPDIR, unless the server
// account could not reach it (a root-only TMPDIR), then /tmp.
func tempRoot(o owner) string {
	root := os.TempDir()
	if !o.asUser {
		return root
	}
	for d := root; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if d == filepath.Dir(d) {
			return root
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, errors.Wrap(err, "finding a free port")
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
