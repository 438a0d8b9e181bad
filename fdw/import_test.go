package fdw

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImportTablesNaming(t *testing.T) {
	long := "a123456789b123456789c123456789d123456789e123456789f123456789g1234"
	tests := []struct {
		name string
		dbs  []Database
		want []ImportedTable
	}{
		{"dev server defaults: symbols get db_<index>", []Database{{0, "*"}, {1, "%"}},
			[]ImportedTable{{"db_0", "0"}, {"db_1", "1"}}},
		{"file names are sanitised", []Database{{0, ":"}, {3, "casket.kct"}, {4, "Casket.KCH"}, {5, "rules-v2.kch"}},
			[]ImportedTable{{"db_0", "0"}, {"casket_kct", "3"}, {"casket_kch", "4"}, {"rules_v2_kch", "5"}}},
		{"a leading digit, no letter or too long: db_<index>", []Database{{0, "2024.kch"}, {1, "__"}, {2, long}, {3, ""}},
			[]ImportedTable{{"db_0", "0"}, {"db_1", "1"}, {"db_2", "2"}, {"db_3", "3"}}},
		{"a name taken by an earlier database", []Database{{0, "a.kch"}, {1, "a_kch"}, {2, "db_3"}, {3, "*"}},
			[]ImportedTable{{"a_kch", "0"}, {"db_1", "1"}, {"db_3", "2"}, {"db_3_", "3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ImportTables(tt.dbs))
		})
	}
}

func TestDatabasesFromReport(t *testing.T) {
	rep := map[string]string{
		"db_1":           "count=0 size=526693 path=%",
		"db_0":           "count=0 size=8388664 path=*",
		"db_10":          "count=0 size=1 path=/srv/ktdb1/casket.kch#bnum=1000",
		"db_total_count": "0",
		"cnt_get":        "3",
	}
	assert.Equal(t, []Database{{0, "*"}, {1, "%"}, {10, "casket.kch"}}, databasesFromReport(rep))
}

func TestImportRefusesOtherSchemas(t *testing.T) {
	be := newTestBackend(newFake())
	_, st := StartImport(be, testTable("").Server, "public", nil)
	require.NotNil(t, st)
	assert.Equal(t, "HV00Q", st.SQLState)
	assert.Contains(t, st.Message, `schema "public" does not exist on KT server "s"`)
}

func TestImportRefusesOptions(t *testing.T) {
	_, st := StartImport(newTestBackend(newFake()), testTable("").Server, "kt", []Option{{Name: "types", Value: "bytea"}})
	require.NotNil(t, st)
	assert.Equal(t, "HV00D", st.SQLState)
	assert.Equal(t, `invalid option "types"`, st.Message)
}

func TestImportListsDatabases(t *testing.T) {
	f := newFake()
	f.put("0", "a", "1")
	f.put("1", "b", "2")
	im, st := StartImport(newTestBackend(f), testTable("").Server, "kt", nil)
	require.Nil(t, st)
	defer im.Close()
	finished, st := im.Wait(10 * time.Second)
	require.True(t, finished)
	require.Nil(t, st)
	assert.Equal(t, []ImportedTable{{"db_0", "0"}, {"db_1", "1"}}, im.Tables())
}
