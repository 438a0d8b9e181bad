/*
 * truncate.c: TRUNCATE of kt_fdw tables. Go buffers a clear of each table's
 * KT database at the current nesting level; KT is cleared at commit, like
 * every other write, and a rollback sends nothing.
 */
#include "ktfdw.h"

#include "access/xact.h"
#include "miscadmin.h"

void
ktfdw_ExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs)
{
	KtTable    *tables = palloc0(sizeof(KtTable) * Max(list_length(rels), 1));
	KtStatus	st = {0};
	ListCell   *lc;
	int			n = 0;
	int			rc;

	foreach(lc, rels)
	{
		KtTableInfo info;

		ktfdw_table_info((Relation) lfirst(lc), &info);
		ktfdw_require_user_mapping(GetUserId(), info.table.server_oid);
		tables[n++] = info.table;
	}
	GOCALL(rc = ktfdw_truncate(tables, n, GetCurrentTransactionNestLevel(), &st));
	ktfdw_check(rc, &st);
}
