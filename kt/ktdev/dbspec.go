package ktdev

import (
	"strings"

	"github.com/cockroachdb/errors"
)

// dbType describes one of KT's database engines as far as the dev server
// imitates it: the type code that status reports and whether it is ordered.
type dbType struct {
	code    int
	ordered bool
}

var (
	typeProtoHash = dbType{16, false}
	typeProtoTree = dbType{17, true}
	typeStash     = dbType{24, false}
	typeCacheHash = dbType{32, false}
	typeCacheTree = dbType{33, true}
	typeFileHash  = dbType{48, false}
	typeFileTree  = dbType{49, true}
	typeDirHash   = dbType{64, false}
	typeDirTree   = dbType{65, true}
)

// dbSpec is a parsed database argument such as "casket.kch#bnum=1000".
type dbSpec struct {
	path string // argument without tuning parameters
	name string // path after the last '/', what the DB parameter matches
	typ  dbType
	opts map[string]string // tuning parameters after '#'
}

// parseDBSpec interprets a database argument the way ktserver does.
func parseDBSpec(arg string) (dbSpec, error) {
	parts := strings.Split(arg, "#")
	spec := dbSpec{path: parts[0], opts: map[string]string{}}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		spec.opts[strings.ToLower(k)] = v
	}
	spec.name = spec.path
	if i := strings.LastIndexByte(spec.path, '/'); i >= 0 {
		spec.name = spec.path[i+1:]
	}
	switch spec.path {
	case ":":
		spec.typ = typeStash
	case "*":
		spec.typ = typeCacheHash
	case "%":
		spec.typ = typeCacheTree
	case "-":
		spec.typ = typeProtoHash
	case "+":
		spec.typ = typeProtoTree
	default:
		switch {
		case strings.HasSuffix(spec.path, ".kch"):
			spec.typ = typeFileHash
		case strings.HasSuffix(spec.path, ".kct"):
			spec.typ = typeFileTree
		case strings.HasSuffix(spec.path, ".kcd"):
			spec.typ = typeDirHash
		case strings.HasSuffix(spec.path, ".kcf"):
			spec.typ = typeDirTree
		default:
			return dbSpec{}, errors.Newf("unknown database type: %q (use :, *, %%, -, +, or a name ending in .kch, .kct, .kcd, .kcf)", arg)
		}
	}
	if spec.name == "" {
		return dbSpec{}, errors.Newf("invalid database name: %q", arg)
	}
	return spec, nil
}
