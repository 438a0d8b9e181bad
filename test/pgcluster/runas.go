package pgcluster

import (
	"bytes"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cockroachdb/errors"
)

// ServerUser is the OS account that owns clusters when the caller is root:
// postgres refuses to run as root.
const ServerUser = "postgres"

// owner runs commands as the account that owns the cluster directory.
type owner struct {
	asUser   bool // true when running as root: go through runuser
	uid, gid int
}

func currentOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup(ServerUser)
	if err != nil {
		return owner{}, errors.Wrapf(err, "running as root needs the %q OS user", ServerUser)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return owner{}, errors.Wrapf(err, "uid of %s", ServerUser)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return owner{}, errors.Wrapf(err, "gid of %s", ServerUser)
	}
	return owner{asUser: true, uid: uid, gid: gid}, nil
}

// chown gives the cluster's owner a directory tree created by the caller.
func (o owner) chown(dir string) error {
	if !o.asUser {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, o.uid, o.gid)
	})
}

// run executes bin with args as the owner, in dir, and returns an error
// carrying the combined output when it fails.
func (o owner) run(dir, bin string, args ...string) error {
	var cmd *exec.Cmd
	if o.asUser {
		cmd = exec.Command("runuser", append([]string{"-u", ServerUser, "--", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	cmd.Dir = dir // the caller's cwd may not be readable by the postgres user
	cmd.Env = cleanEnv()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return errors.Wrapf(err, "%s %s: %s", filepath.Base(bin), strings.Join(args, " "), strings.TrimSpace(out.String()))
	}
	return nil
}

// cleanEnv drops libpq/server variables of the caller that would redirect
// pg_ctl or initdb away from the throwaway cluster.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PGDATA=") || strings.HasPrefix(kv, "PGPORT=") ||
			strings.HasPrefix(kv, "PGHOST=") || strings.HasPrefix(kv, "PGUSER=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
