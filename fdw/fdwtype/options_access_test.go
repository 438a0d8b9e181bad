package fdwtype

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAccessOptionsValidation(t *testing.T) {
	tests := []struct {
		catalog Catalog
		name    string
		value   string
		ok      bool
	}{
		{CatalogTable, "ordered", "true", true},
		{CatalogTable, "ordered", "off", true},
		{CatalogTable, "ordered", "maybe", false},
		{CatalogServer, "ordered", "true", false}, // a table option only
		{CatalogTable, "batch_size", "1", true},
		{CatalogServer, "batch_size", "5000", true},
		{CatalogTable, "batch_size", "0", false},
		{CatalogTable, "batch_size", "-3", false},
		{CatalogTable, "batch_size", "100001", false},
		{CatalogServer, "batch_size", "ten", false},
	}
	for _, tt := range tests {
		t.Run(tt.catalog.String()+" "+tt.name+"="+tt.value, func(t *testing.T) {
			st := Validate(tt.catalog, []Option{{tt.name, tt.value}})
			if tt.ok {
				assert.Nil(t, st)
				return
			}
			require.NotNil(t, st)
			if tt.name == "ordered" && tt.catalog == CatalogServer {
				assert.Equal(t, SQLStateInvalidOptionName, st.SQLState)
			} else {
				assert.Equal(t, SQLStateInvalidParameterValue, st.SQLState)
				assert.Contains(t, st.Message, tt.name)
			}
		})
	}
}

func TestParseAccessOptions(t *testing.T) {
	assert.Equal(t, AccessOptions{BatchSize: DefaultBatchSize}, ParseAccessOptions(nil, nil))
	assert.Equal(t, AccessOptions{BatchSize: 500, Ordered: true},
		ParseAccessOptions([]Option{{"batch_size", "500"}}, []Option{{"ordered", "true"}}))
	assert.Equal(t, AccessOptions{BatchSize: 7},
		ParseAccessOptions([]Option{{"batch_size", "500"}}, []Option{{"batch_size", "7"}, {"ordered", "false"}}),
		"the table's batch_size wins over the server's")
}

func TestInsertBatchSize(t *testing.T) {
	tests := []struct {
		name          string
		server, table []Option
		checked       bool
		want          int
	}{
		{"default, background checks", nil, nil, false, DefaultBatchSize},
		{"default, checked per batch", nil, nil, true, DefaultCheckedBatchSize},
		{"server option", []Option{{"batch_size", "500"}}, nil, true, 500},
		{"table option wins", []Option{{"batch_size", "500"}}, []Option{{"batch_size", "7"}}, false, 7},
		{"explicit 100 stays 100", nil, []Option{{"batch_size", "100"}}, true, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, InsertBatchSize(tt.server, tt.table, tt.checked))
		})
	}
}
