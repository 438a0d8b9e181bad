/*
 * task.c: one Go handle doing KT I/O for a utility command (IMPORT FOREIGN
 * SCHEMA, ANALYZE): released by a memory context reset callback, so an
 * error or a cancel leaks nothing (doc/design.md, rule 4), and rows handed back
 * in a KtBatch.
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "utils/memutils.h"

static void
task_on_reset(void *arg)
{
	KtTask	   *t = arg;

	free(t->batch.data);
	memset(&t->batch, 0, sizeof(t->batch));
	if (t->handle)
	{
		uintptr_t	h = t->handle;

		t->handle = 0;
		GOCALL(ktfdw_release(h));
	}
}

/* A task owned by CurrentMemoryContext; set ->handle right after creating it. */
KtTask *
ktfdw_task_new(void)
{
	KtTask	   *t = palloc0(sizeof(KtTask));

	t->on_reset.func = task_on_reset;
	t->on_reset.arg = t;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &t->on_reset);
	return t;
}

/* Release the handle and the batch now (the reset callback then does nothing). */
void
ktfdw_task_done(KtTask *t)
{
	task_on_reset(t);
}

/* The next field of the task's batch (see KtBatch). */
const char *
ktfdw_task_field(KtTask *t, uint32 *len)
{
	const char *p;

	if (t->pos + sizeof(uint32) > t->batch.len)
		elog(ERROR, "kt_fdw: truncated row batch");
	memcpy(len, t->batch.data + t->pos, sizeof(uint32));
	t->pos += sizeof(uint32);
	if (t->pos + *len > t->batch.len)
		elog(ERROR, "kt_fdw: truncated row batch");
	p = t->batch.data + t->pos;
	t->pos += *len;
	return p;
}
