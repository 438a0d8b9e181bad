/*
 * import.c: IMPORT FOREIGN SCHEMA kt FROM SERVER s INTO local_schema.
 * Go lists the server's KT databases and names a table for each; C only
 * writes the CREATE FOREIGN TABLE commands. Postgres applies LIMIT TO and
 * EXCEPT to them.
 */
#include "ktfdw.h"

#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

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

	desc.server_oid = serverOid;
	desc.server_name = srv->servername;
	ktfdw_options(srv->options, &desc.server_opts);
	ktfdw_options(NIL, &desc.table_opts);
	ktfdw_options(stmt->options, &opts);

	task = ktfdw_task_new();
	GOCALL(rc = ktfdw_import_begin(&desc, stmt->remote_schema, &opts, &h, &st));
	ktfdw_check(rc, &st);
	task->handle = h;
	for (;;)
	{
		GOCALL(rc = ktfdw_import_wait(task->handle, KT_POLL_MS, &task->batch, &st));
		if (rc != KT_PENDING)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	ktfdw_check(rc, &st);

	for (int i = 0; i < task->batch.nrows; i++)
	{
		uint32		namelen,
					dblen;
		const char *name = ktfdw_task_field(task, &namelen);
		const char *db = ktfdw_task_field(task, &dblen);
		StringInfoData cmd;

		initStringInfo(&cmd);
		appendStringInfo(&cmd,
						 "CREATE FOREIGN TABLE %s (key text, value text) SERVER %s OPTIONS (db %s)",
						 quote_identifier(pnstrdup(name, namelen)),
						 quote_identifier(srv->servername),
						 quote_literal_cstr(pnstrdup(db, dblen)));
		commands = lappend(commands, cmd.data);
	}
	ktfdw_task_done(task);
	return commands;
}
