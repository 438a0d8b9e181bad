/*
 * wait_event.c: what a backend reports in pg_stat_activity while it polls Go
 * for KT I/O (the loops of doc/design.md rule 7). PostgreSQL 17+ registers a
 * named custom wait event per KT operation (wait_event_type 'Extension',
 * wait_event e.g. 'KtGet', 'KtCommit'); 15 and 16 have only the generic
 * Extension/Extension.
 */
#include "ktfdw.h"

#include "utils/wait_event.h"

#if PG_VERSION_NUM >= 170000
/* The names pg_stat_activity shows, indexed by KtWait (doc/operations.md). */
static const char *const wait_names[KT_WAIT_N] = {
	[KT_WAIT_SCAN] = "KtScan",
	[KT_WAIT_GET] = "KtGet",
	[KT_WAIT_GET_BULK] = "KtGetBulk",
	[KT_WAIT_MATCH_PREFIX] = "KtMatchPrefix",
	[KT_WAIT_CURSOR] = "KtCursor",
	[KT_WAIT_KEY_CHECK] = "KtKeyCheck",
	[KT_WAIT_COMMIT] = "KtCommit",
	[KT_WAIT_IMPORT] = "KtImport",
	[KT_WAIT_ANALYZE] = "KtAnalyze",
};

/* Registered on first use (shared, so the first backend names them for all). */
static uint32 wait_ids[KT_WAIT_N];
#endif

/* Report that this backend waits on KT for w; pgstat_report_wait_end() ends it. */
void
ktfdw_wait_start(KtWait w)
{
#if PG_VERSION_NUM >= 170000
	if (wait_ids[w] == 0)
		wait_ids[w] = WaitEventExtensionNew(wait_names[w]);
	pgstat_report_wait_start(wait_ids[w]);
#else
	(void) w;
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
#endif
}

/* The wait of a scan by its access path (KT_SCAN_*), named as EXPLAIN names it. */
KtWait
ktfdw_scan_wait(int kind)
{
	switch (kind)
	{
		case KT_SCAN_GET:
			return KT_WAIT_GET;
		case KT_SCAN_KEYS:
			return KT_WAIT_GET_BULK;
		case KT_SCAN_PREFIX:
			return KT_WAIT_MATCH_PREFIX;
		case KT_SCAN_RANGE:
			return KT_WAIT_CURSOR;
	}
	return KT_WAIT_SCAN;
}
