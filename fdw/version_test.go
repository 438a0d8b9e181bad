package fdw

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The library's version is the extension's default version: a release bumps
// both (and adds sql/kt_fdw--<version>.sql plus an upgrade script).
func TestVersionMatchesControlFile(t *testing.T) {
	control, err := os.ReadFile("../kt_fdw.control")
	require.NoError(t, err)
	m := regexp.MustCompile(`default_version\s*=\s*'([^']+)'`).FindSubmatch(control)
	require.NotNil(t, m, "no default_version in kt_fdw.control")
	assert.Equal(t, string(m[1]), Version)
	_, err = os.Stat("../sql/kt_fdw--" + Version + ".sql")
	assert.NoError(t, err, "the install script of the default version")
}
