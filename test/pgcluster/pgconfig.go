package pgcluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cockroachdb/errors"
)

// ErrNoPostgres is returned (wrapped) when no PostgreSQL installation can be
// found, so callers such as tests can skip instead of failing.
var ErrNoPostgres = errors.New("postgresql not found")

// PGConfig returns the pg_config to use: $PG_CONFIG when set, else the one on PATH.
func PGConfig() string {
	if p := os.Getenv("PG_CONFIG"); p != "" {
		return p
	}
	return "pg_config"
}

// ConfigValue runs pg_config with one flag (e.g. "--bindir") and returns its output.
func ConfigValue(flag string) (string, error) {
	bin := PGConfig()
	if _, err := exec.LookPath(bin); err != nil {
		return "", errors.Mark(errors.Wrapf(err, "pg_config %q", bin), ErrNoPostgres)
	}
	out, err := exec.Command(bin, flag).Output()
	if err != nil {
		return "", errors.Wrapf(err, "%s %s", bin, flag)
	}
	return strings.TrimSpace(string(out)), nil
}

// BinDir returns the directory holding initdb, pg_ctl and postgres.
func BinDir() (string, error) {
	dir, err := ConfigValue("--bindir")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
		return "", errors.Mark(errors.Wrapf(err, "initdb not found in %s", dir), ErrNoPostgres)
	}
	return dir, nil
}

// ExtensionInstalled reports whether the named extension's shared library and
// control file are installed in the PostgreSQL that pg_config describes.
func ExtensionInstalled(name string) (bool, string, error) {
	lib, err := ConfigValue("--pkglibdir")
	if err != nil {
		return false, "", err
	}
	share, err := ConfigValue("--sharedir")
	if err != nil {
		return false, "", err
	}
	for _, p := range []string{
		filepath.Join(lib, name+".so"),
		filepath.Join(share, "extension", name+".control"),
	} {
		if _, err := os.Stat(p); err != nil {
			return false, p, nil
		}
	}
	return true, "", nil
}
