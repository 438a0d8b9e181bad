package fdw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kt-fdw/kt_fdw/fdw/fdwtype"
)

// Option format 'json': every column but the key is one field of a JSON
// object stored as the KT value (column name -> value, NULL -> null). C
// converts each column to and from its text form with the type's output and
// input functions; Go builds and parses the JSON, typed by the category C
// passes for each column.

// Column categories (pgext passes them as these bytes).
const (
	CatText   = 't' // JSON string of the text form
	CatNumber = 'n' // JSON number (a string if the text is no JSON number: NaN, Infinity)
	CatBool   = 'b' // true / false
	CatJSON   = 'j' // json, jsonb: embedded as is
	CatArray  = 'a' // C passes array_to_json's text; back as a Postgres array literal
)

// JSONColumn is one value column of a json-format table.
type JSONColumn struct {
	Name     string
	Category byte
}

// EncodeJSONRow builds the KT value of a row: texts[i] is column i's text
// form, nil for NULL.
func EncodeJSONRow(cols []JSONColumn, texts [][]byte) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(&b, c.Name)
		b.WriteString(": ")
		v := texts[i]
		switch {
		case v == nil:
			b.WriteString("null")
		case c.Category == CatNumber && isJSONNumber(v):
			b.Write(v)
		case c.Category == CatBool && (string(v) == "t" || string(v) == "true"):
			b.WriteString("true")
		case c.Category == CatBool && (string(v) == "f" || string(v) == "false"):
			b.WriteString("false")
		case c.Category == CatJSON || c.Category == CatArray:
			if !json.Valid(v) {
				return nil, fmt.Errorf("column \"%s\" is not valid JSON", c.Name)
			}
			b.Write(v)
		default:
			if !utf8.Valid(v) {
				return nil, fmt.Errorf("column \"%s\" is not valid UTF-8", c.Name)
			}
			writeJSONString(&b, string(v))
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

func isJSONNumber(v []byte) bool {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return false
	}
	return !d.More() && string(n) == strings.TrimSpace(string(v))
}

// DecodeJSONRow returns the text forms of the columns from a KT value (nil:
// NULL, also for a field the object lacks). Fields of other names are
// ignored.
func DecodeJSONRow(cols []JSONColumn, value []byte) ([][]byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(value, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the KT value is not a JSON object")
	}
	out := make([][]byte, len(cols))
	for i, c := range cols {
		raw, ok := obj[c.Name]
		if !ok || string(raw) == "null" {
			continue
		}
		t, err := jsonToText(c.Category, raw)
		if err != nil {
			return nil, fmt.Errorf("field \"%s\": %v", c.Name, err)
		}
		out[i] = t
	}
	return out, nil
}

// jsonToText is the text form Postgres' input function of the category
// reads: strings unquoted, JSON arrays as array literals, the rest as is.
func jsonToText(cat byte, raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case cat == CatJSON:
		return raw, nil
	case cat == CatArray && len(raw) > 0 && raw[0] == '[':
		var b strings.Builder
		if err := writeArrayLiteral(&b, raw); err != nil {
			return nil, err
		}
		return []byte(b.String()), nil
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []byte(s), nil
	}
	return raw, nil
}

// writeArrayLiteral turns a JSON array into a Postgres array literal:
// {1,2}, {"a b","c\"d",NULL}, {{1,2},{3,4}}.
func writeArrayLiteral(b *strings.Builder, raw json.RawMessage) error {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return err
	}
	b.WriteByte('{')
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		e = bytes.TrimSpace(e)
		switch {
		case string(e) == "null":
			b.WriteString("NULL")
		case len(e) > 0 && e[0] == '[':
			if err := writeArrayLiteral(b, e); err != nil {
				return err
			}
		default:
			t, err := jsonToText(CatText, e)
			if err != nil {
				return err
			}
			b.WriteByte('"')
			for _, r := range string(t) {
				if r == '"' || r == '\\' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte('"')
		}
	}
	b.WriteByte('}')
	return nil
}

// JSONRowError is the error for a row of table (key as the key column shows
// it) that could not be encoded or decoded.
func JSONRowError(table, key string, decoding bool, err error) *fdwtype.Status {
	verb := "encode the row"
	if decoding {
		verb = "decode the KT value"
	}
	// the key's bytes as the message may show them: not valid UTF-8 -> \x hex, long -> shortened
	shown := fdwtype.Table{}.DisplayKey([]byte(key))
	st := fdwtype.Errorf(fdwtype.SQLStateInvalidTextRepresentation, "could not %s of key \"%s\" in foreign table \"%s\" (format 'json')", verb, shown, table)
	st.Detail = err.Error()
	return st
}
