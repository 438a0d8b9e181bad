/*
 * xact.c: transaction callbacks. The transaction's buffered KT writes are
 * applied at PRE_COMMIT (an error there aborts the transaction), refused at
 * PREPARE, and dropped without any I/O at abort (doc/design.md, rule 9).
 */
#include "ktfdw.h"

#include "access/xact.h"
#include "miscadmin.h"

static void
apply_writes(void)
{
	KtStatus	st = {0};
	int			rc;

	GOCALL(rc = ktfdw_xact_precommit(&st));
	if (rc == KT_PENDING)
	{
		ktfdw_wait_start(KT_WAIT_COMMIT);
		do
		{
			CHECK_FOR_INTERRUPTS();
			GOCALL(rc = ktfdw_xact_wait(KT_POLL_MS, &st));
		} while (rc == KT_PENDING);
		pgstat_report_wait_end();
	}
	ktfdw_check(rc, &st);
}

static void
xact_callback(XactEvent event, void *arg)
{
	KtStatus	st = {0};
	int			rc;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			apply_writes();
			break;
		case XACT_EVENT_PRE_PREPARE:
			GOCALL(rc = ktfdw_xact_preprepare(&st));
			ktfdw_check(rc, &st);
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			GOCALL(ktfdw_xact_end());
			break;
	}
}

/* RELEASE folds a savepoint's writes into its parent; ROLLBACK TO drops them. */
static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	int			nest = GetCurrentTransactionNestLevel();

	if (event == SUBXACT_EVENT_COMMIT_SUB)
		GOCALL(ktfdw_subxact_end(nest, 1));
	else if (event == SUBXACT_EVENT_ABORT_SUB)
		GOCALL(ktfdw_subxact_end(nest, 0));
}

void
ktfdw_register_xact_callbacks(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
