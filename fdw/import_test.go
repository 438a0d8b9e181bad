package fdw

import (
	"testing"
	"time"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
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
		{"dev server defaults: symbols get db_<index>", []Database{{0, "*", false}, {1, "%", true}},
			[]ImportedTable{{"db_0", "0", false}, {"db_1", "1", true}}},
		{"file names are sanitised", []Database{{0, ":", false}, {3, "casket.kct", true}, {4, "Casket.KCH", false}, {5, "rules-v2.kch", false}},
			[]ImportedTable{{"db_0", "0", false}, {"casket_kct", "3", true}, {"casket_kch", "4", false}, {"rules_v2_kch", "5", false}}},
		{"a leading digit, no letter or too long: db_<index>", []Database{{0, "2024.kch", false}, {1, "__", false}, {2, long, false}, {3, "", false}},
			[]ImportedTable{{"db_0", "0", false}, {"db_1", "1", false}, {"db_2", "2", false}, {"db_3", "3", false}}},
		{"a name taken by an earlier database", []Database{{0, "a.kch", false}, {1, "a_kch", false}, {2, "db_3", false}, {3, "*", false}},
			[]ImportedTable{{"a_kch", "0", false}, {"db_1", "1", false}, {"db_3", "2", false}, {"db_3_", "3", false}}},
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
	assert.Equal(t, []Database{{0, "*", false}, {1, "%", false}, {10, "casket.kch", false}}, databasesFromReport(rep))
}

func TestKeyOrdered(t *testing.T) {
	tests := []struct {
		status map[string]string
		want   bool
	}{
		{map[string]string{"type": "32", "realtype": "32"}, false},                    // * cache hash
		{map[string]string{"type": "33", "realtype": "33"}, true},                     // % cache tree
		{map[string]string{"type": "49", "realtype": "49", "rcomp": "lexical"}, true}, // *.kct
		{map[string]string{"type": "49", "realtype": "49", "rcomp": "decimal"}, false},
		{map[string]string{"type": "48", "realtype": "48"}, false}, // *.kch
		{map[string]string{"type": "17"}, true},                    // + proto tree
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, keyOrdered(tt.status), "%v", tt.status)
	}
}

func TestImportedTableSQL(t *testing.T) {
	assert.Equal(t, `CREATE FOREIGN TABLE "db_0" (key text, value text) SERVER "kt" OPTIONS (db '0')`,
		ImportedTable{"db_0", "0", false}.SQL("kt"))
	assert.Equal(t, `CREATE FOREIGN TABLE "user" (key text, value text) SERVER "my ""kt""" OPTIONS (db '3', ordered 'true')`,
		ImportedTable{"user", "3", true}.SQL(`my "kt"`))
}

func TestImportRefusesOtherSchemas(t *testing.T) {
	be := newTestBackend(newFake())
	_, st := StartImport(be, testTable("").Server, "public", nil)
	require.NotNil(t, st)
	assert.Equal(t, "HV00Q", st.SQLState)
	assert.Contains(t, st.Message, `schema "public" does not exist on KT server "s"`)
}

func TestImportRefusesOptions(t *testing.T) {
	_, st := StartImport(newTestBackend(newFake()), testTable("").Server, "kt", []fdwtype.Option{{Name: "types", Value: "bytea"}})
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
	assert.Equal(t, []ImportedTable{{"db_0", "0", false}, {"db_1", "1", false}}, im.Tables())
	assert.Equal(t, []string{
		`CREATE FOREIGN TABLE "db_0" (key text, value text) SERVER "s" OPTIONS (db '0')`,
		`CREATE FOREIGN TABLE "db_1" (key text, value text) SERVER "s" OPTIONS (db '1')`,
	}, im.Commands())
}
