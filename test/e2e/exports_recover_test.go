package e2e_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every function pgext exports to C recovers a panic (doc/design.md, rule
// 3): its first statement defers guard(...), or a function that calls
// recover() when the export has no status to report through. A Go panic
// unwinding into C would end the backend.
func TestEveryExportRecoversPanics(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "pgext", "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	exports := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Doc == nil || !isExport(fn.Doc) {
				continue
			}
			exports++
			assert.True(t, defersRecover(fn), "%s: //export %s must start with defer guard(st, &rc) or a deferred recover()",
				filepath.Base(f), fn.Name.Name)
		}
	}
	assert.Greater(t, exports, 20, "the exports were not found")
}

func isExport(doc *ast.CommentGroup) bool {
	for _, c := range doc.List {
		if strings.HasPrefix(c.Text, "//export ") {
			return true
		}
	}
	return false
}

// defersRecover reports whether fn's first statement defers guard or a
// function literal that calls recover.
func defersRecover(fn *ast.FuncDecl) bool {
	if fn.Body == nil || len(fn.Body.List) == 0 {
		return false
	}
	def, ok := fn.Body.List[0].(*ast.DeferStmt)
	if !ok {
		return false
	}
	if id, ok := def.Call.Fun.(*ast.Ident); ok {
		return id.Name == "guard"
	}
	lit, ok := def.Call.Fun.(*ast.FuncLit)
	if !ok {
		return false
	}
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "recover" {
				found = true
			}
		}
		return !found
	})
	return found
}
