package ktdev

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

func init() {
	procedures["void"] = func(c *call) int { return rvSuccess }
	procedures["echo"] = func(c *call) int {
		for k, v := range c.in {
			c.out[k] = v
		}
		return rvSuccess
	}
	procedures["report"] = procReport
	procedures["status"] = procStatus
	procedures["clear"] = func(c *call) int {
		if c.db == nil {
			return c.noDB()
		}
		c.count(cntMisc, 1)
		_ = c.db.Update(func(tx *Tx) error { tx.Clear(); return nil })
		return rvSuccess
	}
	procedures["synchronize"] = func(c *call) int {
		if c.db == nil {
			return c.noDB()
		}
		c.count(cntMisc, 1)
		return rvSuccess // in memory: nothing to write
	}
	procedures["vacuum"] = func(c *call) int {
		if c.db == nil {
			return c.noDB()
		}
		c.count(cntMisc, 1)
		_ = c.db.Update(func(tx *Tx) error { tx.Vacuum(); return nil })
		return rvSuccess
	}
	// The dev server has no replication: it answers like a ktserver started
	// without -rts and without -ulog.
	procedures["tune_replication"] = func(c *call) int {
		return c.fail(rvNoImpl, "the RTS file is not set")
	}
	noULog := func(c *call) int { return c.fail(rvInvalid, "no update log allows no replication") }
	procedures["ulog_list"] = noULog
	procedures["ulog_remove"] = noULog
}

func procReport(c *call) int {
	s := c.srv
	var totalCount, totalSize int64
	for i, db := range s.dbs {
		count, size := db.Count(), db.reportedSize()
		c.out[fmt.Sprintf("db_%d", i)] = fmt.Sprintf("count=%d size=%d path=%s", count, size, db.Path())
		totalCount += count
		totalSize += size
	}
	c.out["db_total_count"] = strconv.FormatInt(totalCount, 10)
	c.out["db_total_size"] = strconv.FormatInt(totalSize, 10)
	c.out["serv_conn_count"] = strconv.Itoa(s.connCount())
	c.out["serv_task_count"] = "0"
	c.out["serv_thread_count"] = "16"
	now := s.clock()
	c.out["serv_current_time"] = fmt.Sprintf("%.6f", float64(now.UnixNano())/1e9)
	c.out["serv_running_term"] = fmt.Sprintf("%.6f", now.Sub(s.started).Seconds())
	c.out["serv_proc_id"] = strconv.Itoa(os.Getpid())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	c.out["sys_mem_cached"] = "0"
	c.out["sys_mem_free"] = "0"
	c.out["sys_mem_peak"] = strconv.FormatUint(ms.Sys, 10)
	c.out["sys_mem_rss"] = strconv.FormatUint(ms.HeapInuse+ms.StackInuse, 10)
	c.out["sys_mem_size"] = strconv.FormatUint(ms.Sys, 10)
	c.out["sys_mem_total"] = "0"
	c.out["sys_ru_stime"] = "0.000000"
	c.out["sys_ru_utime"] = "0.000000"
	for i, name := range counterNames {
		c.out[name] = strconv.FormatUint(s.counters.ops[i].Load(), 10)
	}
	c.out["conf_kt_version"] = "0.9.56b (2.19)"
	c.out["conf_kt_features"] = "(epoll)(lua)"
	c.out["conf_kc_version"] = "1.2.76a (16.13)"
	c.out["conf_kc_features"] = "(atomic)(zlib)(lzo)"
	c.out["conf_os_name"] = "Linux"
	return rvSuccess
}

func procStatus(c *call) int {
	if c.db == nil {
		return c.noDB()
	}
	c.count(cntMisc, 1)
	for k, v := range c.db.status() {
		c.out[k] = v
	}
	return rvSuccess
}
