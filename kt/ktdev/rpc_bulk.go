package ktdev

import "strconv"

func init() {
	procedures["set_bulk"] = procSetBulk
	procedures["remove_bulk"] = procRemoveBulk
	procedures["get_bulk"] = procGetBulk
	procedures["match_prefix"] = procMatchPrefix
	procedures["match_regex"] = procMatchRegex
	procedures["match_similar"] = procMatchSimilar
}

// bulkKeys returns the record inputs: keys starting with '_', prefix removed.
func (c *call) bulkKeys() []string {
	var keys []string
	for k := range c.in {
		if len(k) > 0 && k[0] == '_' {
			keys = append(keys, k[1:])
		}
	}
	return keys
}

// Atomic and non-atomic bulk calls give the same results on the dev server:
// every batch runs under the database lock.

func procSetBulk(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	xt := c.xtParam()
	keys := c.bulkKeys()
	c.count(cntSet, len(keys))
	_ = c.db.Update(func(tx *Tx) error {
		for _, k := range keys {
			tx.Set(k, c.in["_"+k], xt)
		}
		return nil
	})
	c.out["num"] = strconv.Itoa(len(keys))
	return rvSuccess
}

func procRemoveBulk(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	keys := c.bulkKeys()
	c.count(cntRemove, len(keys))
	num := 0
	_ = c.db.Update(func(tx *Tx) error {
		for _, k := range keys {
			if tx.Remove(k) == nil {
				num++
			}
		}
		return nil
	})
	c.count(cntRemoveMiss, len(keys)-num)
	c.out["num"] = strconv.Itoa(num)
	return rvSuccess
}

func procGetBulk(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	keys := c.bulkKeys()
	c.count(cntGet, len(keys))
	num := 0
	_ = c.db.View(func(tx *Tx) error {
		for _, k := range keys {
			if v, _, ok := tx.Get(k); ok {
				c.out["_"+k] = v
				num++
			}
		}
		return nil
	})
	c.count(cntGetMiss, len(keys)-num)
	c.out["num"] = strconv.Itoa(num)
	return rvSuccess
}

func (c *call) matchOutput(keys []string) int {
	for i, k := range keys {
		c.out["_"+k] = strconv.Itoa(i)
	}
	c.out["num"] = strconv.Itoa(len(keys))
	return rvSuccess
}

func (c *call) maxParam() int64 {
	if v, ok := c.param("max"); ok {
		return atoi(v)
	}
	return -1
}

func procMatchPrefix(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	prefix, ok := c.param("prefix")
	if !ok {
		return c.invalid()
	}
	c.count(cntMisc, 1)
	var keys []string
	_ = c.db.View(func(tx *Tx) error { keys = tx.MatchPrefix(prefix, c.maxParam()); return nil })
	return c.matchOutput(keys)
}

func procMatchRegex(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	expr, ok := c.param("regex")
	if !ok {
		return c.invalid()
	}
	c.count(cntMisc, 1)
	var keys []string
	err := c.db.View(func(tx *Tx) (err error) { keys, err = tx.MatchRegex(expr, c.maxParam()); return err })
	if err != nil {
		return c.dbError(err)
	}
	return c.matchOutput(keys)
}

func procMatchSimilar(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	origin, ok := c.param("origin")
	if !ok {
		return c.invalid()
	}
	rng := int64(1)
	if v, ok := c.param("range"); ok {
		rng = atoi(v)
	}
	if rng < 0 {
		rng = 1
	}
	c.count(cntMisc, 1)
	var keys []string
	_ = c.db.View(func(tx *Tx) error {
		keys = tx.MatchSimilar(origin, rng, c.flag("utf"), c.maxParam())
		return nil
	})
	return c.matchOutput(keys)
}
