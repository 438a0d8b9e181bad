package e2e_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doc/reference.md must list exactly the options the validator accepts,
// every SQLSTATE the code raises and every SQL function of the install
// script. A new option, error code or function fails here until documented.

// referenceColumn returns the first-column `values` of the Markdown table
// under the heading that starts with heading.
func referenceColumn(t *testing.T, heading string) []string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot(t), "doc", "reference.md"))
	require.NoError(t, err)
	var (
		out []string
		in  bool
	)
	cell := regexp.MustCompile("^\\|\\s*`([^`(]+)[^|]*\\|")
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "#") {
			in = strings.HasPrefix(line, heading)
			continue
		}
		if m := cell.FindStringSubmatch(line); in && m != nil {
			out = append(out, m[1])
		}
	}
	require.NotEmpty(t, out, "no table under %q in doc/reference.md", heading)
	sort.Strings(out)
	return out
}

func TestReferenceListsEveryOption(t *testing.T) {
	assert.Equal(t, fdwtype.ValidOptionNames(fdwtype.CatalogServer), referenceColumn(t, "### Server options"),
		"doc/reference.md's server options differ from the validator's (fdw/fdwtype/options.go)")
	assert.Equal(t, fdwtype.ValidOptionNames(fdwtype.CatalogTable), referenceColumn(t, "### Foreign table options"),
		"doc/reference.md's foreign table options differ from the validator's (fdw/fdwtype/options.go)")
	assert.Equal(t, fdwtype.ValidOptionNames(fdwtype.CatalogColumn), referenceColumn(t, "### Column options"),
		"doc/reference.md's column options differ from the validator's (fdw/fdwtype/options.go)")
	for _, c := range []fdwtype.Catalog{fdwtype.CatalogUserMapping, fdwtype.CatalogWrapper} {
		assert.Empty(t, fdwtype.ValidOptionNames(c), "%s options exist now: document them in doc/reference.md", c)
	}
}

// Each option's row in doc/reference.md shows the type and version the
// option table gives, and says "superuser only" exactly for the options
// that are.
func TestReferenceOptionRowsMatchTheOptionTable(t *testing.T) {
	for heading, c := range map[string]fdwtype.Catalog{
		"### Server options":        fdwtype.CatalogServer,
		"### Foreign table options": fdwtype.CatalogTable,
		"### Column options":        fdwtype.CatalogColumn,
	} {
		rows := referenceRows(t, heading)
		for _, o := range fdwtype.OptionDocs(c) {
			row, ok := rows[o.Name]
			if !assert.True(t, ok, "%s: no row for %s", heading, o.Name) {
				continue
			}
			// option | type | default | accepted values | since
			require.Len(t, row, 5, "%s: row of %s", heading, o.Name)
			assert.Equal(t, o.Type, row[1], "%s: type of %s", heading, o.Name)
			assert.Equal(t, o.Since, row[4], "%s: since of %s", heading, o.Name)
			assert.Equal(t, o.Superuser, strings.Contains(row[3], "superuser only"), "%s: superuser only for %s", heading, o.Name)
		}
	}
}

// referenceRows returns the cells of the Markdown table under heading,
// keyed by the first cell's `value`.
func referenceRows(t *testing.T, heading string) map[string][]string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot(t), "doc", "reference.md"))
	require.NoError(t, err)
	out := map[string][]string{}
	in := false
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "#") {
			in = strings.HasPrefix(line, heading)
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), " | ") {
			cells = append(cells, strings.TrimSpace(c))
		}
		out[strings.Trim(cells[0], "`")] = cells
	}
	require.NotEmpty(t, out, "no table under %q in doc/reference.md", heading)
	return out
}

// errcodes maps the ERRCODE_ macros the C glue uses to SQLSTATEs.
var errcodes = map[string]string{
	"ERRCODE_FDW_INVALID_COLUMN_NUMBER":        "HV008",
	"ERRCODE_FDW_INVALID_DATA_TYPE":            "HV004",
	"ERRCODE_FEATURE_NOT_SUPPORTED":            "0A000",
	"ERRCODE_INTERNAL_ERROR":                   "XX000",
	"ERRCODE_INVALID_PARAMETER_VALUE":          "22023",
	"ERRCODE_NOT_NULL_VIOLATION":               "23502",
	"ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE": "55000",
	"ERRCODE_UNDEFINED_OBJECT":                 "42704",
	"ERRCODE_WRONG_OBJECT_TYPE":                "42809",
}

// conditions maps the PL/pgSQL condition names the install script raises
// (RAISE ... USING ERRCODE = 'name') to SQLSTATEs.
var conditions = map[string]string{
	"invalid_parameter_value":   "22023",
	"trigger_protocol_violated": "39P01",
	"undefined_column":          "42703",
	"wrong_object_type":         "42809",
}

// raisedSQLStates collects the SQLSTATEs in the source of fdw/ and pgext/:
// literal ones, SQLState* constants that are used, and the C glue's ERRCODE_s.
func raisedSQLStates(t *testing.T) map[string]string {
	t.Helper()
	root := repoRoot(t)
	constDef := regexp.MustCompile(`(SQLState\w+)\s*=\s*"([0-9A-Z]{5})"`)
	literal := regexp.MustCompile(`SQLState:\s*"([0-9A-Z]{5})"`)
	cCode := regexp.MustCompile(`ERRCODE_[A-Z_]+`)
	out := map[string]string{}
	var all strings.Builder
	consts := map[string][2]string{} // name -> code, file
	for _, pattern := range []string{"fdw/*.go", "fdw/*/*.go", "fdw/internal/*/*.go", "pgext/*.go", "pgext/*.c"} {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		require.NoError(t, err)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			src := string(b)
			all.WriteString(src)
			for _, m := range constDef.FindAllStringSubmatch(src, -1) {
				consts[m[1]] = [2]string{m[2], filepath.Base(f)}
			}
			for _, m := range literal.FindAllStringSubmatch(src, -1) {
				out[m[1]] = filepath.Base(f)
			}
			if strings.HasSuffix(f, ".c") {
				for _, name := range cCode.FindAllString(src, -1) {
					code, ok := errcodes[name]
					if assert.True(t, ok, "%s raises %s: add it to errcodes here and to doc/reference.md", f, name) {
						out[code] = filepath.Base(f)
					}
				}
			}
		}
	}
	script := installScript(t)
	for _, m := range regexp.MustCompile(`ERRCODE\s*=\s*'(\w+)'`).FindAllStringSubmatch(string(script), -1) {
		code, ok := conditions[m[1]]
		if regexp.MustCompile(`^[0-9A-Z]{5}$`).MatchString(m[1]) {
			code, ok = m[1], true
		}
		if assert.True(t, ok, "the install script raises %s: add it to conditions here and to doc/reference.md", m[1]) {
			out[code] = "install script"
		}
	}
	for name, cf := range consts {
		if len(regexp.MustCompile(`\b`+name+`\b`).FindAllStringIndex(all.String(), 2)) > 1 {
			out[cf[0]] = cf[1] // defined and used
		}
	}
	require.NotEmpty(t, out)
	return out
}

func TestReferenceListsEverySQLState(t *testing.T) {
	documented := map[string]bool{}
	for _, c := range referenceColumn(t, "## SQLSTATEs") {
		documented[c] = true
	}
	for code, file := range raisedSQLStates(t) {
		assert.True(t, documented[code], "SQLSTATE %s (%s) is not in doc/reference.md", code, file)
	}
}

// installScript is sql/kt_fdw--<default_version>.sql.
func installScript(t *testing.T) []byte {
	t.Helper()
	root := repoRoot(t)
	control, err := os.ReadFile(filepath.Join(root, "kt_fdw.control"))
	require.NoError(t, err)
	m := regexp.MustCompile(`default_version\s*=\s*'([^']+)'`).FindSubmatch(control)
	require.NotNil(t, m, "no default_version in kt_fdw.control")
	script, err := os.ReadFile(filepath.Join(root, "sql", "kt_fdw--"+string(m[1])+".sql"))
	require.NoError(t, err, "the install script of the default version")
	return script
}

func TestReferenceListsEveryFunction(t *testing.T) {
	script := installScript(t)
	var functions []string
	for _, f := range regexp.MustCompile(`(?i)CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)`).FindAllSubmatch(script, -1) {
		functions = append(functions, string(f[1]))
	}
	sort.Strings(functions)
	assert.Equal(t, functions, referenceColumn(t, "## SQL functions"),
		"doc/reference.md's functions differ from the default version's install script")
}
