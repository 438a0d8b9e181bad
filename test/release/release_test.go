// Package release checks the files a release is made of agree with each
// other: META.json (PGXN), kt_fdw.control, the Makefile, the library's
// version (Go's and the C magic block's) and CHANGELOG.md.
package release

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/fdw"
)

const root = "../.."

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	require.NoError(t, err)
	return string(b)
}

func submatch(t *testing.T, re, text, what string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	require.NotNil(t, m, "no %s", what)
	return m[1]
}

// pgxnMeta is the part of the PGXN Meta Spec 1.0.0 kt_fdw uses
// (https://pgxn.org/spec/): every required key, and the optional ones whose
// form the spec fixes.
type pgxnMeta struct {
	Name       string          `json:"name"`
	Abstract   string          `json:"abstract"`
	Version    string          `json:"version"`
	Maintainer json.RawMessage `json:"maintainer"`
	License    json.RawMessage `json:"license"`
	Provides   map[string]struct {
		File     string `json:"file"`
		Version  string `json:"version"`
		Abstract string `json:"abstract"`
		Docfile  string `json:"docfile"`
	} `json:"provides"`
	MetaSpec struct {
		Version string `json:"version"`
		URL     string `json:"url"`
	} `json:"meta-spec"`
	Prereqs       map[string]map[string]map[string]string `json:"prereqs"`
	ReleaseStatus string                                  `json:"release_status"`
	Tags          []string                                `json:"tags"`
}

// semver: PGXN versions are Semantic Versions (no leading zeros).
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+)?$`)

// META.json is valid per the PGXN Meta Spec and describes this release:
// its version is kt_fdw.control's default_version, the Makefile's
// EXTVERSION and the library's.
func TestMetaJSON(t *testing.T) {
	raw := read(t, "META.json")
	var meta pgxnMeta
	dec := json.NewDecoder(strings.NewReader(raw))
	require.NoError(t, dec.Decode(&meta), "META.json is not valid JSON of the spec's shape")

	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(raw), &keys))
	for _, k := range []string{"name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"} {
		assert.Contains(t, keys, k, "required key")
	}
	for k := range keys {
		known := map[string]bool{"name": true, "abstract": true, "description": true, "version": true,
			"maintainer": true, "license": true, "provides": true, "meta-spec": true, "prereqs": true,
			"resources": true, "generated_by": true, "release_status": true, "tags": true, "no_index": true}
		assert.True(t, known[k] || strings.HasPrefix(k, "x_") || strings.HasPrefix(k, "X_"), "key %q is not in the spec (custom keys start x_)", k)
	}

	assert.Equal(t, "kt_fdw", meta.Name)
	assert.NotEmpty(t, meta.Abstract)
	assert.Equal(t, "1.0.0", meta.MetaSpec.Version)
	assert.Regexp(t, semver, meta.Version)
	assert.Equal(t, `"postgresql"`, string(meta.License), "the PostgreSQL License, as LICENSE")
	assert.Contains(t, read(t, "LICENSE"), "PostgreSQL License")
	assert.Contains(t, []string{"stable", "testing", "unstable"}, meta.ReleaseStatus)
	var maintainers []string
	require.NoError(t, json.Unmarshal(meta.Maintainer, &maintainers), "maintainer: a list of strings")
	assert.NotEmpty(t, maintainers)
	for _, tag := range meta.Tags {
		assert.True(t, tag != "" && len(tag) <= 255, "tag %q", tag)
	}
	for phase, rels := range meta.Prereqs {
		assert.Contains(t, []string{"configure", "build", "runtime", "test", "develop"}, phase)
		for rel, reqs := range rels {
			assert.Contains(t, []string{"requires", "recommends", "suggests", "conflicts"}, rel)
			for _, v := range reqs {
				assert.Regexp(t, semver, v, "%s %s", phase, rel)
			}
		}
	}

	control := submatch(t, `default_version\s*=\s*'([^']+)'`, read(t, "kt_fdw.control"), "default_version in kt_fdw.control")
	makefile := submatch(t, `(?m)^EXTVERSION\s*:?=\s*(\S+)`, read(t, "Makefile"), "EXTVERSION in the Makefile")
	assert.Equal(t, control, meta.Version, "META.json's version is kt_fdw.control's default_version")
	assert.Equal(t, control, makefile, "the Makefile's EXTVERSION is kt_fdw.control's default_version")
	assert.Equal(t, control, fdw.Version, "the library's version is kt_fdw.control's default_version")
	magic := submatch(t, `#define KTFDW_VERSION "([^"]+)"`, read(t, "pgext/ktfdw.h"), "KTFDW_VERSION in pgext/ktfdw.h")
	assert.Equal(t, control, magic, "the magic block's version (pgext/ktfdw.h, PostgreSQL 18+) is kt_fdw.control's default_version")

	require.Contains(t, meta.Provides, "kt_fdw")
	ext := meta.Provides["kt_fdw"]
	assert.Equal(t, control, ext.Version)
	assert.Equal(t, "sql/kt_fdw--"+control+".sql", ext.File)
	for _, f := range []string{ext.File, ext.Docfile} {
		_, err := os.Stat(filepath.Join(root, f))
		assert.NoError(t, err, "META.json names %s", f)
	}
}

// CHANGELOG.md has a section for every released version (each install
// script in sql/) and the current one.
func TestChangelogCoversEveryVersion(t *testing.T) {
	changelog := read(t, "CHANGELOG.md")
	scripts, err := filepath.Glob(filepath.Join(root, "sql", "kt_fdw--*.sql"))
	require.NoError(t, err)
	install := regexp.MustCompile(`kt_fdw--(\d+\.\d+\.\d+)\.sql$`)
	n := 0
	for _, s := range scripts {
		if m := install.FindStringSubmatch(s); m != nil {
			n++
			assert.Regexp(t, `(?m)^## (Unreleased \()?`+regexp.QuoteMeta(m[1])+`\)?$`, changelog, "a section for %s", m[1])
		}
	}
	assert.GreaterOrEqual(t, n, 3)
}
