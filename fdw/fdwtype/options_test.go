package fdwtype

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		catalog Catalog
		opts    []Option
		state   string // "" = valid
		inMsg   string
		inHint  string
	}{
		{"all server options", CatalogServer, []Option{{"host", "kt.example"}, {"port", "1978"}, {"timeout", "2s"}, {"connect_timeout", "500ms"}}, "", "", ""},
		{"plain seconds", CatalogServer, []Option{{"timeout", "2"}, {"connect_timeout", "0.5"}}, "", "", ""},
		{"zero timeout", CatalogServer, []Option{{"timeout", "0"}}, "", "", ""},
		{"unknown server option", CatalogServer, []Option{{"hots", "x"}}, SQLStateInvalidOptionName, `invalid option "hots"`, "connect_timeout, host, port"},
		{"table option on server", CatalogServer, []Option{{"db", "x"}}, SQLStateInvalidOptionName, `"db"`, "host"},
		{"non-numeric port", CatalogServer, []Option{{"port", "abc"}}, SQLStateInvalidParameterValue, `"port": "abc"`, "between 1 and 65535"},
		{"port zero", CatalogServer, []Option{{"port", "0"}}, SQLStateInvalidParameterValue, `"port"`, "65535"},
		{"port too big", CatalogServer, []Option{{"port", "65536"}}, SQLStateInvalidParameterValue, `"65536"`, "65535"},
		{"negative timeout", CatalogServer, []Option{{"timeout", "-1s"}}, SQLStateInvalidParameterValue, `"timeout": "-1s"`, "'500ms'"},
		{"negative seconds", CatalogServer, []Option{{"connect_timeout", "-2"}}, SQLStateInvalidParameterValue, `"connect_timeout"`, "seconds"},
		{"unparsable timeout", CatalogServer, []Option{{"timeout", "soon"}}, SQLStateInvalidParameterValue, `"soon"`, "duration"},
		{"empty host", CatalogServer, []Option{{"host", ""}}, SQLStateInvalidParameterValue, `"host"`, "host name"},
		{"table db", CatalogTable, []Option{{"db", "casket.kch"}}, "", "", ""},
		{"unknown table option", CatalogTable, []Option{{"nosuch", "x"}}, SQLStateInvalidOptionName, `"nosuch"`, "db"},
		{"user mapping takes none", CatalogUserMapping, []Option{{"user", "x"}}, SQLStateInvalidOptionName, `"user"`, "takes no options"},
		{"wrapper takes none", CatalogWrapper, []Option{{"host", "x"}}, SQLStateInvalidOptionName, `"host"`, "takes no options"},
		{"column: unknown option", CatalogColumn, []Option{{"column_name", "x"}}, SQLStateInvalidOptionName, `"column_name"`, "are: xt"},
		{"column: bad xt", CatalogColumn, []Option{{"xt", "maybe"}}, SQLStateInvalidParameterValue, `"xt"`, "'on' or 'off'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Validate(tt.catalog, tt.opts)
			if tt.state == "" {
				require.Nil(t, st)
				return
			}
			require.NotNil(t, st)
			assert.Equal(t, tt.state, st.SQLState)
			assert.Contains(t, st.Message, tt.inMsg)
			assert.Contains(t, st.Hint, tt.inHint)
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2s", 2 * time.Second, true},
		{"500ms", 500 * time.Millisecond, true},
		{"2", 2 * time.Second, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"0", 0, true},
		{" 3s ", 3 * time.Second, true},
		{"-1", 0, false},
		{"-1ms", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{"NaN", 0, false},
		{"1e300", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseServerOptions(t *testing.T) {
	so, st := ParseServerOptions(nil)
	require.Nil(t, st)
	assert.Equal(t, ServerOptions{Host: "127.0.0.1", Port: 1978, Timeout: 2 * time.Second, ConnectTimeout: 2 * time.Second}, so)
	assert.Equal(t, "127.0.0.1:1978", so.Addr())

	so, st = ParseServerOptions([]Option{{"host", "::1"}, {"port", "11978"}, {"timeout", "0"}})
	require.Nil(t, st)
	assert.Equal(t, "[::1]:11978", so.Addr())
	assert.Zero(t, so.Timeout)

	_, st = ParseServerOptions([]Option{{"port", "x"}})
	require.NotNil(t, st)
	assert.Equal(t, SQLStateInvalidParameterValue, st.SQLState)

	to, st := ParseTableOptions([]Option{{"db", "1"}})
	require.Nil(t, st)
	assert.Equal(t, "1", to.DB)
}

// The option table is the only list of options: sorted (the validator's
// hint lists names in its order), one row per name, each with a checker.
func TestOptionTableSortedOneRowPerName(t *testing.T) {
	for i, d := range optionTable {
		assert.NotNil(t, d.check, d.name)
		assert.NotEmpty(t, d.where, d.name)
		if i > 0 {
			assert.Less(t, optionTable[i-1].name, d.name, "optionTable must be sorted, one row per name")
		}
	}
	st := Validate(CatalogTable, []Option{{Name: "nope", Value: "x"}})
	assert.Equal(t, "Valid options for a kt_fdw foreign table are: batch_size, conflict_check, db, format, ordered, prefix, readonly.", st.Hint)
}
