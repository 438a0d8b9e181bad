package fdwtype

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every boolean option takes what Postgres' defGetBoolean takes, every enum
// option its exact lower-case values; none takes surrounding spaces.
func TestOptionValuesUniform(t *testing.T) {
	boolOK := []string{"on", "off", "true", "false", "1", "0", "ON", "False", "TRUE"}
	boolBad := []string{" on", "off ", " true ", "yes", "no", "t", "f", ""}
	enums := map[string]struct{ ok, bad []string }{
		optFormat: {[]string{"plain", "json"}, []string{"JSON", " json", "plain ", "Plain", ""}},
		optApply:  {[]string{"auto", "atomic", "bulk"}, []string{"BULK", " bulk ", "Atomic", "bulk\n", ""}},
	}
	seenEnums := 0
	for _, d := range optionTable {
		c := d.where[0]
		check := func(v string, want bool) {
			st := Validate(c, []Option{{Name: d.name, Value: v}})
			if want {
				assert.Nil(t, st, "%s %q", d.name, v)
				return
			}
			if assert.NotNil(t, st, "%s %q", d.name, v) {
				assert.Equal(t, SQLStateInvalidParameterValue, st.SQLState)
				assert.Contains(t, st.Message, `invalid value for option "`+d.name+`"`)
				assert.Contains(t, st.Hint, "without spaces", "%s: the hint says what is accepted", d.name)
			}
		}
		if d.typ == "boolean" {
			for _, v := range boolOK {
				check(v, true)
			}
			for _, v := range boolBad {
				check(v, false)
			}
		}
		if e, ok := enums[d.name]; ok {
			seenEnums++
			for _, v := range e.ok {
				check(v, true)
			}
			for _, v := range e.bad {
				check(v, false)
			}
		}
	}
	assert.Equal(t, len(enums), seenEnums)
}
