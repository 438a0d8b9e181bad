package ktdev

import (
	"fmt"
	"math"
	"strconv"
)

func init() {
	procedures["set"] = writeProc(func(tx *Tx, k, v string, xt int64) error { tx.Set(k, v, xt); return nil })
	procedures["add"] = writeProc(func(tx *Tx, k, v string, xt int64) error { return tx.Add(k, v, xt) })
	procedures["replace"] = writeProc(func(tx *Tx, k, v string, xt int64) error { return tx.Replace(k, v, xt) })
	procedures["append"] = writeProc(func(tx *Tx, k, v string, xt int64) error { tx.Append(k, v, xt); return nil })
	procedures["increment"] = procIncrement
	procedures["increment_double"] = procIncrementDouble
	procedures["cas"] = procCAS
	procedures["remove"] = procRemove
	procedures["get"] = procGet
	procedures["check"] = procCheck
	procedures["seize"] = procSeize
}

// writeProc builds set/add/replace/append: [DB] key value [xt].
func writeProc(op func(tx *Tx, key, value string, xt int64) error) procedure {
	return func(c *call) int {
		if c.db == nil {
			return c.noDB()
		}
		key, okK := c.param("key")
		value, okV := c.param("value")
		if !okK || !okV {
			return c.invalid()
		}
		xt := c.xtParam()
		c.count(cntSet, 1)
		err := c.db.Update(func(tx *Tx) error { return op(tx, key, value, xt) })
		if err != nil {
			c.count(cntSetMiss, 1)
			return c.dbError(err)
		}
		return rvSuccess
	}
}

func procIncrement(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	key, okK := c.param("key")
	nstr, okN := c.param("num")
	if !okK || !okN {
		return c.invalid()
	}
	num := atoi(nstr)
	orig := int64(0)
	if v, ok := c.param("orig"); ok {
		switch v {
		case "try":
			orig = OrigTry
		case "set":
			orig = OrigSet
		default:
			orig = atoi(v)
		}
	}
	xt := c.xtParam()
	c.count(cntSet, 1)
	var result int64
	err := c.db.Update(func(tx *Tx) (err error) {
		result, err = tx.Increment(key, num, orig, xt)
		return err
	})
	if err != nil {
		c.count(cntSetMiss, 1)
		return c.dbError(err)
	}
	c.out["num"] = strconv.FormatInt(result, 10)
	return rvSuccess
}

func procIncrementDouble(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	key, okK := c.param("key")
	nstr, okN := c.param("num")
	if !okK || !okN {
		return c.invalid()
	}
	num := atof(nstr)
	orig := 0.0
	if v, ok := c.param("orig"); ok {
		switch v {
		case "try":
			orig = math.Inf(-1)
		case "set":
			orig = math.Inf(1)
		default:
			orig = atof(v)
		}
	}
	xt := c.xtParam()
	c.count(cntSet, 1)
	var result float64
	err := c.db.Update(func(tx *Tx) (err error) {
		result, err = tx.IncrementDouble(key, num, orig, xt)
		return err
	})
	if err != nil {
		c.count(cntSetMiss, 1)
		return c.dbError(err)
	}
	c.out["num"] = fmt.Sprintf("%f", result)
	return rvSuccess
}

func procCAS(c *call) int {
	key, rv := c.recordKey()
	if rv != rvSuccess {
		return rv
	}
	var oval, nval *string
	if v, ok := c.param("oval"); ok {
		oval = &v
	}
	if v, ok := c.param("nval"); ok {
		nval = &v
	}
	xt := c.xtParam()
	c.count(cntSet, 1)
	if err := c.db.Update(func(tx *Tx) error { return tx.CAS(key, oval, nval, xt) }); err != nil {
		c.count(cntSetMiss, 1)
		return c.dbError(err)
	}
	return rvSuccess
}

func procRemove(c *call) int {
	key, rv := c.recordKey()
	if rv != rvSuccess {
		return rv
	}
	c.count(cntRemove, 1)
	if err := c.db.Update(func(tx *Tx) error { return tx.Remove(key) }); err != nil {
		c.count(cntRemoveMiss, 1)
		return c.dbError(err)
	}
	return rvSuccess
}

func procGet(c *call) int {
	key, rv := c.recordKey()
	if rv != rvSuccess {
		return rv
	}
	c.count(cntGet, 1)
	value, xt, found := c.db.get(key)
	if !found {
		c.count(cntGetMiss, 1)
		return c.dbError(ErrNoRecord)
	}
	c.out["value"] = value
	c.setXTOutput(xt)
	return rvSuccess
}

func procCheck(c *call) int {
	key, rv := c.recordKey()
	if rv != rvSuccess {
		return rv
	}
	c.count(cntGet, 1)
	value, xt, found := c.db.get(key)
	if !found {
		c.count(cntGetMiss, 1)
		return c.dbError(ErrNoRecord)
	}
	c.out["vsiz"] = strconv.Itoa(len(value))
	c.setXTOutput(xt)
	return rvSuccess
}

func procSeize(c *call) int {
	key, rv := c.recordKey()
	if rv != rvSuccess {
		return rv
	}
	c.count(cntRemove, 1)
	c.count(cntGet, 1)
	var value string
	var xt int64
	err := c.db.Update(func(tx *Tx) (err error) {
		value, xt, err = tx.Seize(key)
		return err
	})
	if err != nil {
		c.count(cntRemoveMiss, 1)
		c.count(cntGetMiss, 1)
		return c.dbError(err)
	}
	c.out["value"] = value
	c.setXTOutput(xt)
	return rvSuccess
}

// recordKey is the key of a single-record procedure, after the checks every
// one of them makes first: a valid DB (400 "no such database") and a key
// (400 "invalid parameters").
func (c *call) recordKey() (key string, rv int) {
	if c.db == nil {
		return "", c.noDB()
	}
	key, ok := c.param("key")
	if !ok {
		return "", c.invalid()
	}
	return key, rvSuccess
}
