package ktdev

func init() {
	procedures["cur_jump"] = cursorProc(cntMisc, func(c *call) error { return c.cur.Jump(c.optKey()) })
	procedures["cur_jump_back"] = cursorProc(cntMisc, func(c *call) error { return c.cur.JumpBack(c.optKey()) })
	procedures["cur_step"] = cursorProc(cntMisc, func(c *call) error { return c.cur.Step() })
	procedures["cur_step_back"] = cursorProc(cntMisc, func(c *call) error { return c.cur.StepBack() })
	procedures["cur_remove"] = cursorProc(cntRemove, func(c *call) error { return c.cur.Remove() })
	procedures["cur_set_value"] = procCurSetValue
	procedures["cur_get_key"] = cursorProc(cntGet, func(c *call) error {
		key, _, _, err := c.cur.Get(c.flag("step"))
		if err == nil {
			c.out["key"] = key
		}
		return err
	})
	procedures["cur_get_value"] = cursorProc(cntGet, func(c *call) error {
		_, value, _, err := c.cur.Get(c.flag("step"))
		if err == nil {
			c.out["value"] = value
		}
		return err
	})
	procedures["cur_get"] = cursorProc(cntGet, func(c *call) error {
		key, value, xt, err := c.cur.Get(c.flag("step"))
		if err == nil {
			c.out["key"], c.out["value"] = key, value
			c.setXTOutput(xt)
		}
		return err
	})
	procedures["cur_seize"] = cursorProc(cntGet, func(c *call) error {
		key, value, xt, err := c.cur.Seize()
		if err == nil {
			c.out["key"], c.out["value"] = key, value
			c.setXTOutput(xt)
		}
		return err
	})
}

func (c *call) optKey() *string {
	if k, ok := c.param("key"); ok {
		return &k
	}
	return nil
}

// missCounter maps an operation counter to its miss counter.
var missCounter = map[opCounter]opCounter{cntGet: cntGetMiss, cntSet: cntSetMiss, cntRemove: cntRemoveMiss}

// cursorProc wraps a cursor operation with the "no such cursor" check and
// KT's error mapping.
func cursorProc(op opCounter, fn func(c *call) error) procedure {
	return func(c *call) int {
		if c.cur == nil {
			return c.fail(rvInvalid, "no such cursor")
		}
		c.count(op, 1)
		if err := fn(c); err != nil {
			if miss, ok := missCounter[op]; ok {
				c.count(miss, 1)
			}
			return c.dbError(err)
		}
		return rvSuccess
	}
}

func procCurSetValue(c *call) int {
	if c.cur == nil {
		return c.fail(rvInvalid, "no such cursor")
	}
	value, ok := c.param("value")
	if !ok {
		return c.invalid()
	}
	c.count(cntSet, 1)
	if err := c.cur.SetValue(value, c.xtParam(), c.flag("step")); err != nil {
		c.count(cntSetMiss, 1)
		return c.dbError(err)
	}
	return rvSuccess
}
