package fdwtype

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadOnlyOption(t *testing.T) {
	tests := []struct {
		name          string
		server, table []Option
		ro            bool
		inDetail      string
	}{
		{"none", nil, nil, false, ""},
		{"server", []Option{{"readonly", "true"}}, nil, true, `server "s"`},
		{"table", nil, []Option{{"readonly", "on"}}, true, `Foreign table "t"`},
		{"table false on readonly server", []Option{{"readonly", "true"}}, []Option{{"readonly", "false"}}, true, `server "s"`},
		{"both false", []Option{{"readonly", "false"}}, []Option{{"readonly", "off"}}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ro, _ := ReadOnly(tt.server, tt.table)
			assert.Equal(t, tt.ro, ro)
			for _, cmd := range []string{"INSERT", "UPDATE", "DELETE", "TRUNCATE"} {
				st := CheckWritable(tt.server, tt.table, "s", "t", cmd)
				if !tt.ro {
					assert.Nil(t, st)
					continue
				}
				require.NotNil(t, st)
				assert.Equal(t, SQLStateObjectNotInPrerequisiteState, st.SQLState)
				assert.Contains(t, st.Message, `foreign table "t" does not allow`)
				assert.Contains(t, st.Detail, tt.inDetail)
			}
		})
	}
	st := CheckWritable([]Option{{"readonly", "true"}}, nil, "s", "t", "INSERT")
	assert.Equal(t, `foreign table "t" does not allow inserts`, st.Message)
}

func TestReadOnlyValidation(t *testing.T) {
	assert.Nil(t, Validate(CatalogServer, []Option{{"readonly", "true"}}))
	assert.Nil(t, Validate(CatalogTable, []Option{{"readonly", "false"}}))
	st := Validate(CatalogTable, []Option{{"readonly", "perhaps"}})
	require.NotNil(t, st)
	assert.Equal(t, SQLStateInvalidParameterValue, st.SQLState)
}

func TestTableCheckWritable(t *testing.T) {
	tbl := Table{Server: Server{Name: "s"}, Name: "t"}
	assert.Nil(t, tbl.CheckWritable("TRUNCATE"))
	tbl.ReadOnly = true
	st := tbl.CheckWritable("TRUNCATE")
	require.NotNil(t, st)
	assert.Equal(t, `foreign table "t" does not allow TRUNCATE`, st.Message)
}
