package e2e_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/errors"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/test/pgtest"
)

// Every ```sql block of doc/*.md and README.md runs, in order, against a
// fresh database and KT (one per document), so the docs cannot drift from
// the code. Statements run one at a time, as psql runs them. A comment on
// the line right before a block changes that:
//
//	<!-- not-run: reason -->   the block is skipped (keep these few)
//	<!-- fails: 23505 -->      its last statement must fail with that SQLSTATE
//	<!-- rows: 3 -->           its last statement must return that many rows
//
// In the SQL, host '127.0.0.1' and port '1978' are replaced by the test KT's.

type docBlock struct {
	file   string
	line   int
	sql    string
	marker string // "", "not-run", "fails", "rows"
	arg    string
}

var markerRE = regexp.MustCompile(`^<!--\s*(not-run|fails|rows):\s*(.*?)\s*-->$`)

// docBlocks extracts the sql blocks of a Markdown file.
func docBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var (
		blocks []docBlock
		cur    *docBlock
		prev   string
		n      int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.sql += line + "\n"
		case trimmed == "```sql":
			cur = &docBlock{file: path, line: n}
			if m := markerRE.FindStringSubmatch(prev); m != nil {
				cur.marker, cur.arg = m[1], m[2]
			}
		}
		if trimmed != "" {
			prev = trimmed
		}
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "%s: unterminated ```sql block", path)
	return blocks
}

// splitSQL splits a script into statements at top-level semicolons,
// honouring quotes, dollar quotes and comments. Comment-only pieces are dropped.
func splitSQL(script string) []string {
	var (
		out   []string
		start int
	)
	flush := func(end int) {
		s := strings.TrimSpace(script[start:end])
		if s != "" && strings.TrimSpace(stripComments(s)) != "" {
			out = append(out, s)
		}
	}
	for i := 0; i < len(script); i++ {
		switch c := script[i]; {
		case c == '\'' || c == '"':
			j := strings.IndexByte(script[i+1:], c)
			if j < 0 {
				i = len(script)
			} else {
				i += j + 1
			}
		case c == '-' && strings.HasPrefix(script[i:], "--"):
			j := strings.IndexByte(script[i:], '\n')
			if j < 0 {
				j = len(script) - i
			}
			i += j
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			j := strings.Index(script[i+2:], "*/")
			if j < 0 {
				i = len(script)
			} else {
				i += j + 3
			}
		case c == '$':
			if m := dollarTagRE.FindString(script[i:]); m != "" {
				j := strings.Index(script[i+len(m):], m)
				if j < 0 {
					i = len(script)
				} else {
					i += len(m) + j + len(m) - 1
				}
			}
		case c == ';':
			flush(i)
			start = i + 1
		}
	}
	flush(len(script))
	return out
}

var dollarTagRE = regexp.MustCompile(`^\$[A-Za-z_]*\$`)

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
	}
	return b.String()
}

func TestSplitSQL(t *testing.T) {
	got := splitSQL(`-- a comment; not a statement
SELECT 'a;b';  SELECT "x;y" FROM t;
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
/* c; */ SELECT $q$;$q$; -- trailing; comment
`)
	assert.Equal(t, []string{
		"-- a comment; not a statement\nSELECT 'a;b'",
		`SELECT "x;y" FROM t`,
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$",
		"/* c; */ SELECT $q$;$q$",
	}, got)
}

// docFiles are the documents whose examples run: README.md and doc/*.md.
func docFiles(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "doc", "*.md"))
	require.NoError(t, err)
	sort.Strings(files)
	return append([]string{filepath.Join(root, "README.md")}, files...)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found above the test directory")
		dir = parent
	}
}

func TestDocExamplesRun(t *testing.T) {
	pgtest.RequireExtension(t)
	files := docFiles(t)
	require.Greater(t, len(files), 1, "no doc/*.md found")
	for _, path := range files {
		path := path
		t.Run(filepath.Base(path), func(t *testing.T) {
			blocks := docBlocks(t, path)
			if len(blocks) == 0 {
				t.Logf("%s has no sql examples", path) // nothing to run is not a skipped check
				return
			}
			runDoc(t, blocks)
		})
	}
}

// docEnv is a fresh database without kt_fdw and a cleared KT.
func docEnv(t *testing.T) (*pgconn.PgConn, string, int) {
	t.Helper()
	host, port, _ := pgtest.KTServer(t)
	c := ktClient(t, fmt.Sprintf("%s:%d", host, port))
	for _, db := range []string{"0", "1"} {
		require.NoError(t, c.Clear(ctx(t), db), "clearing KT DB %s", db)
	}
	pg := pgtest.Shared(t)
	conn := pg.ConnDB(t, pg.CreateDB(t))
	return conn.PgConn(), host, port
}

// runDoc runs a document's blocks; it returns the connection and the KT
// address they used.
func runDoc(t *testing.T, blocks []docBlock) (*pgconn.PgConn, string) {
	conn, host, port := docEnv(t)
	subst := strings.NewReplacer("host '127.0.0.1'", "host '"+host+"'", "port '1978'", "port '"+strconv.Itoa(port)+"'")
	for _, b := range blocks {
		where := fmt.Sprintf("%s:%d", filepath.Base(b.file), b.line)
		if b.marker == "not-run" {
			require.NotEmpty(t, b.arg, "%s: not-run needs a reason", where)
			continue
		}
		stmts := splitSQL(subst.Replace(b.sql))
		require.NotEmpty(t, stmts, "%s: empty sql block", where)
		for i, s := range stmts {
			last := i == len(stmts)-1
			res, err := conn.Exec(ctx(t), s).ReadAll()
			if b.marker == "fails" && last {
				var pe *pgconn.PgError
				require.True(t, errors.As(err, &pe), "%s: %q must fail with %s, got %v", where, s, b.arg, err)
				assert.Equal(t, b.arg, pe.Code, "%s: %q: %s", where, s, pe.Message)
				continue
			}
			require.NoError(t, err, "%s: %s", where, s)
			if b.marker == "rows" && last {
				want, err := strconv.Atoi(b.arg)
				require.NoError(t, err, "%s: rows marker", where)
				require.NotEmpty(t, res)
				assert.Len(t, res[len(res)-1].Rows, want, "%s: rows of %q", where, s)
			}
		}
	}
	return conn, net.JoinHostPort(host, strconv.Itoa(port))
}

// The tutorial promises KT ends up holding exactly the rules table: check
// with the kt client, not through the foreign table.
func TestTutorialEndsWithRulesInKT(t *testing.T) {
	pgtest.RequireExtension(t)
	conn, addr := runDoc(t, docBlocks(t, filepath.Join(repoRoot(t), "doc", "tutorial.md")))
	res, err := conn.Exec(ctx(t), `SELECT name, action || ':' || CASE WHEN enabled THEN 'on' ELSE 'off' END FROM rules`).ReadAll()
	require.NoError(t, err)
	want := map[string]string{}
	for _, row := range res[0].Rows {
		want[string(row[0])] = string(row[1])
	}
	require.Len(t, want, 4, "the tutorial ends with four rules")

	c := ktClient(t, addr)
	keys, err := c.MatchPrefix(ctx(t), "0", nil, -1)
	require.NoError(t, err)
	got := map[string]string{}
	recs, err := c.GetBulk(ctx(t), "0", keys, false)
	require.NoError(t, err)
	for _, r := range recs {
		got[string(r.Key)] = string(r.Value)
	}
	assert.Equal(t, want, got, "KT database 0 after the tutorial")
}
