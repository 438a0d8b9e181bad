/*
 * serverlog.c: the LOG lines Go queues (fdw/serverlog.go: failover, host
 * back-off and recovery, a commit whose outcome is unknown), written with
 * ereport after a Go call returned, since Go never calls Postgres.
 */
#include "ktfdw.h"

#include <stdlib.h>

volatile int ktfdw_log_pending = 0;

void
ktfdw_emit_logs(void)
{
	ktfdw_log_pending = 0;
	for (;;)
	{
		sigset_t	oldmask;
		char	   *line;

		pthread_sigmask(SIG_BLOCK, &ktfdw_callmask, &oldmask);
		line = ktfdw_log_take();
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
		if (line == NULL)
			return;
		ereport(LOG, (errmsg_internal("%s", line), errhidestmt(true)));
		free(line);
	}
}
