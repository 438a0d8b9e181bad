package ktdev

import "strconv"

// Base memory sizes KT reports for an empty database of each type, so sizes
// look plausible; the dev server's real footprint differs.
var baseSize = map[int]int64{
	16: 0, 17: 0, 24: 8388664, 32: 8390592, 33: 526693,
	48: 6297720, 49: 400128, 64: 0, 65: 0,
}

// reportedSize is the size status/report show: KT's empty size plus an
// estimate of the records.
func (db *DB) reportedSize() int64 { return baseSize[db.spec.typ.code] + db.Size() }

// status returns the status procedure's output for the database: the common
// keys plus fixed engine keys of the type (values of a default KC database).
func (db *DB) status() map[string]string {
	count := strconv.FormatInt(db.Count(), 10)
	size := strconv.FormatInt(db.reportedSize(), 10)
	typ := strconv.Itoa(db.spec.typ.code)
	opt := func(name, def string) string {
		if v, ok := db.spec.opts[name]; ok {
			return v
		}
		return def
	}
	ktopts := "0"
	if db.persistent {
		ktopts = "2"
	}
	st := map[string]string{
		"count":    count,
		"size":     size,
		"path":     db.spec.path,
		"type":     typ,
		"realtype": typ,
		"ktopts":   ktopts,
		"ktcapcnt": opt("ktcapcnt", "-1"),
		"ktcapsiz": opt("ktcapsiz", "-1"),
	}
	switch db.spec.typ {
	case typeFileHash:
		for k, v := range map[string]string{
			"apow": "3", "bnum": opt("bnum", "1048583"), "chksum": "188", "dfunit": "0",
			"flags": "1", "fmtver": "5", "fpow": "10", "frgcnt": "0", "librev": "13",
			"libver": "16", "msiz": "67108864", "opts": "0", "realsize": size,
			"recovered": "0", "reorganized": "0", "trimmed": "0",
		} {
			st[k] = v
		}
	case typeFileTree:
		for k, v := range map[string]string{
			"apow": "8", "bnum": opt("bnum", "65536"), "chksum": "0", "dfunit": "0",
			"flags": "1", "fmtver": "5", "fpow": "10", "frgcnt": "0", "librev": "13",
			"libver": "16", "msiz": "67108864", "opts": "0", "realsize": size,
			"recovered": "0", "reorganized": "0", "trimmed": "0", "psiz": "8192",
			"rcomp": "lexical", "pccap": "67108864", "lcnt": "1", "icnt": "0",
			"pnum": "0",
		} {
			st[k] = v
		}
	case typeCacheHash:
		// the keys of kccachedb.h CacheDB::status, as a real ktserver's
		// '*' reports them (values of the golden transcripts' KC 1.2.76a)
		for k, v := range map[string]string{
			"bnum": opt("bnum", "1048583"), "capcnt": opt("capcnt", "-1"), "capsiz": opt("capsiz", "-1"),
			"chksum": "255", "fmtver": "5", "librev": "13", "libver": "16", "opts": "0",
			"recovered": "0", "reorganized": "0",
		} {
			st[k] = v
		}
	case typeCacheTree:
		// kcplantdb.h PlantDB::status over its CacheDB, as a real ktserver's
		// '%' reports them (bnum 65536 observed; root .. cusage describe
		// KC's B+ tree, shown as for a one-leaf tree)
		for k, v := range map[string]string{
			"bnum": opt("bnum", "65536"), "capcnt": "-1", "capsiz": "-1",
			"chksum": "255", "fmtver": "5", "librev": "13", "libver": "16", "opts": "0",
			"recovered": "0", "reorganized": "0", "psiz": "8192", "pccap": "67108864",
			"rcomp": "lexical", "root": "1", "first": "1", "last": "1", "lcnt": "1",
			"icnt": "0", "pnum": "2", "cusage": strconv.FormatInt(8+db.Size(), 10),
		} {
			st[k] = v
		}
	case typeStash:
		// StashDB reports only the common keys (golden 004)
	}
	return st
}
