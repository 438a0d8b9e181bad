/*
 * import.c: IMPORT FOREIGN SCHEMA kt FROM SERVER s INTO local_schema.
 * Go lists the server's KT databases and writes a CREATE FOREIGN TABLE
 * command for each; C hands them to Postgres, which applies LIMIT TO and
 * EXCEPT.
 */
#include "ktfdw.h"

#include "foreign/foreign.h"
#include "miscadmin.h"

List *
ktfdw_ImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *srv = GetForeignServer(serverOid);
	KtTable		desc = {0};
	KtOptions	opts;
	KtStatus	st = {0};
	KtTask	   *task;
	uintptr_t	h = 0;
	List	   *commands = NIL;
	int			rc;

	ktfdw_require_user_mapping(GetUserId(), serverOid);
	desc.server_oid = serverOid;
	desc.server_name = srv->servername;
	ktfdw_options(srv->options, &desc.server_opts);
	ktfdw_options(NIL, &desc.table_opts);
	ktfdw_options(stmt->options, &opts);

	task = ktfdw_task_new();
	GOCALL(rc = ktfdw_import_begin(&desc, stmt->remote_schema, &opts, &h, &st));
	ktfdw_check(rc, &st);
	task->handle = h;
	ktfdw_wait_start(KT_WAIT_IMPORT);
	for (;;)
	{
		GOCALL(rc = ktfdw_import_wait(task->handle, KT_POLL_MS, &task->batch, &st));
		if (rc != KT_PENDING)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	pgstat_report_wait_end();
	ktfdw_check(rc, &st);

	for (int i = 0; i < task->batch.nrows; i++)
	{
		uint32		namelen,
					cmdlen;
		const char *cmd;

		(void) ktfdw_task_field(task, &namelen);	/* the table name */
		cmd = ktfdw_task_field(task, &cmdlen);
		commands = lappend(commands, pnstrdup(cmd, cmdlen));
	}
	ktfdw_task_done(task);
	return commands;
}
