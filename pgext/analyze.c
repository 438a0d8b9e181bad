/*
 * analyze.c: ANALYZE of a kt_fdw table. Go samples up to targrows records
 * (reservoir sampling over the keys, then one get_bulk of the sample) and
 * reports KT's record count; C turns the sample into heap tuples.
 */
#include "ktfdw.h"

#include "access/htup_details.h"
#include "miscadmin.h"

static int
acquire_sample_rows(Relation rel, int elevel, HeapTuple *rows, int targrows,
					double *totalrows, double *totaldeadrows)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Datum	   *values = palloc0(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);
	KtTableInfo info;
	KtStatus	st = {0};
	KtTask	   *task;
	uintptr_t	h = 0;
	double		total = 0;
	int			n = 0;
	int			rc;

	ktfdw_table_info(rel, &info);
	ktfdw_require_user_mapping(rel->rd_rel->relowner, info.table.server_oid);	/* as postgres_fdw */
	task = ktfdw_task_new();
	GOCALL(rc = ktfdw_analyze_begin(&info.table, targrows, &h, &st));
	ktfdw_check(rc, &st);
	task->handle = h;
	ktfdw_wait_start(KT_WAIT_ANALYZE);
	for (;;)
	{
		GOCALL(rc = ktfdw_analyze_wait(task->handle, KT_POLL_MS, &task->batch, &total, &st));
		if (rc != KT_PENDING)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	pgstat_report_wait_end();
	ktfdw_check(rc, &st);

	while (n < task->batch.nrows && n < targrows)
	{
		uint32		keylen,
					vallen;
		const char *key = ktfdw_task_field(task, &keylen);
		const char *val = ktfdw_task_field(task, &vallen);

		ktfdw_fill_row(&info, desc->natts, key, keylen, val, vallen, true, true, values, nulls);
		rows[n++] = heap_form_tuple(desc, values, nulls);
	}
	ktfdw_task_done(task);

	*totalrows = Max(total, n);
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": KT database holds %.0f records, %d rows in sample",
					RelationGetRelationName(rel), *totalrows, n)));
	return n;
}

bool
ktfdw_AnalyzeForeignTable(Relation rel, AcquireSampleRowsFunc *func, BlockNumber *totalpages)
{
	*func = acquire_sample_rows;
	*totalpages = 1;			/* KT has no pages; only the row count matters */
	return true;
}
