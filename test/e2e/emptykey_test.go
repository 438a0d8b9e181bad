package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEmptyKeyDuplicateInsert(t *testing.T) {
	e := newEnv(t)
	e.exec("INSERT INTO kv VALUES ('', 'first')")
	pe := pgErr(t, e.conn, "INSERT INTO kv VALUES ('', 'second')")
	assert.Equal(t, "23505", pe.Code)
	v, _ := e.ktGet("")
	assert.Equal(t, "first", v)
}
