package fdw

import (
	"errors"
	"strings"
	"testing"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
	"github.com/stretchr/testify/assert"
)

// JSONRowError shows the key like other messages (displayKey): raw KT bytes
// that are not valid UTF-8 would make the message itself invalid.
func TestJSONRowErrorDisplaysKey(t *testing.T) {
	for _, tc := range []struct {
		name, key, want string
	}{
		{"text", "k1", `key "k1"`},
		{"invalid utf-8", "k\xff", `key "\x6bff"`},
		{"long", strings.Repeat("a", 150), `key "` + strings.Repeat("a", 100) + `..."`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := JSONRowError("tbl", tc.key, true, errors.New("bad"))
			assert.Contains(t, st.Message, tc.want)
			assert.Equal(t, fdwtype.SQLStateInvalidTextRepresentation, st.SQLState)
		})
	}
}
