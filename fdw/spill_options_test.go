package fdw

import (
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBufferMemoryOption(t *testing.T) {
	tests := []struct {
		value string
		want  int64 // 0 = invalid
	}{
		{"16777216", 16 << 20},
		{"64kB", 64 << 10},
		{" 16 MB ", 16 << 20},
		{"2GB", 2 << 30},
		{"8192", 8192},
		{"8191", 0},
		{"1024GB", 1 << 40},
		{"1025GB", 0},
		{"-1", 0},
		{"16mb", 0},
		{"lots", 0},
		{"", 0},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			opts := []fdwtype.Option{{Name: "buffer_memory", Value: tc.value}}
			so, st := fdwtype.ParseServerOptions(opts)
			if tc.want == 0 {
				require.NotNil(t, st)
				assert.Equal(t, fdwtype.SQLStateInvalidParameterValue, st.SQLState)
				assert.Contains(t, st.Message, `"buffer_memory"`)
				assert.Contains(t, st.Message, tc.value)
				assert.Contains(t, st.Hint, "between 8kB and 1024GB")
				return
			}
			require.Nil(t, st)
			assert.Equal(t, tc.want, so.BufferMemory)
		})
	}
}

// A table's buffer takes its server's buffer_memory.
func TestWriteBufferTakesBufferMemory(t *testing.T) {
	so, st := fdwtype.ParseServerOptions([]fdwtype.Option{{Name: "buffer_memory", Value: "64kB"}})
	require.Nil(t, st)
	be := NewBackend(nil)
	buf := be.writeBuffer(fdwtype.Table{Server: fdwtype.Server{OID: 1, Name: "s", Opts: so}, DB: "0"})
	assert.Equal(t, int64(64<<10), buf.budget)
}
