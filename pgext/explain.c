/*
 * explain.c: EXPLAIN VERBOSE of kt_fdw scans and modifications, at
 * postgres_fdw's level: the server (host:port), database and prefix, and
 * what is sent to KT: the key, IN list, prefix or range bounds of a scan
 * (as expressions: their values exist only at run time), the batch size,
 * apply mode and conflict_check of a modification. EXPLAIN ANALYZE adds a
 * scan's KT round trips and records read.
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "ktfdw_plan.h"

#include "utils/ruleutils.h"

/* The fields of ktfdw_explain_table, in order. */
enum
{
	EX_SERVER, EX_ADDR, EX_DB, EX_PREFIX, EX_APPLY, EX_APPLY_BATCH, EX_CHECK, EX_N
};

/* Split the Go description of rel's table into f (palloc'd); false if none. */
static bool
describe(Relation rel, KtTableInfo *info, char **f)
{
	char	   *s;
	char	   *copy;

	ktfdw_table_info(rel, info);
	GOCALL(s = ktfdw_explain_table(&info->table));
	if (s == NULL)
		return false;
	copy = pstrdup(s);
	free(s);
	for (int i = 0; i < EX_N; i++)
	{
		char	   *tab = strchr(copy, '\t');

		f[i] = copy;
		if (tab)
		{
			*tab = '\0';
			copy = tab + 1;
		}
		else
			copy += strlen(copy);
	}
	return true;
}

static void
explain_where(char **f, ExplainState *es)
{
	ExplainPropertyText("KT Server", psprintf("%s (%s)", f[EX_SERVER], f[EX_ADDR]), es);
	ExplainPropertyText("KT Database", f[EX_DB], es);
	if (f[EX_PREFIX][0] != '\0')
		ExplainPropertyText("KT Prefix", f[EX_PREFIX], es);
}

static char *
deparse(ForeignScan *fs, Node *expr, ExplainState *es)
{
	List	   *cxt = set_deparse_context_plan(es->deparse_cxt, (Plan *) fs, NIL);

	return deparse_expression(expr, cxt, false, false);
}

/* EXPLAIN VERBOSE of a scan: where it reads and what it sends. */
void
ktfdw_explain_scan_verbose(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	int			kind = intVal(list_nth(fs->fdw_private, KT_PRIV_KIND));
	KtTableInfo info;
	char	   *f[EX_N];
	ListCell   *lc;
	int			i = 0;

	if (!describe(node->ss.ss_currentRelation, &info, f))
		return;
	explain_where(f, es);
	switch (kind)
	{
		case KT_SCAN_GET:
			ExplainPropertyText("KT Key", deparse(fs, linitial(fs->fdw_exprs), es), es);
			break;
		case KT_SCAN_KEYS:
			ExplainPropertyText("KT Key List", deparse(fs, linitial(fs->fdw_exprs), es), es);
			break;
		case KT_SCAN_PREFIX:
			ExplainPropertyText(intVal(list_nth(fs->fdw_private, KT_PRIV_PREFIX_IS_LIKE)) ?
								"KT Key Pattern" : "KT Key Prefix",
								deparse(fs, linitial(fs->fdw_exprs), es), es);
			break;
		case KT_SCAN_RANGE:
			foreach(lc, fs->fdw_exprs)
			{
				int			lo = intVal(list_nth(fs->fdw_private, KT_PRIV_LO));
				int			hi = intVal(list_nth(fs->fdw_private, KT_PRIV_HI));
				bool		is_lo = (i == 0 && lo != 0);
				int			how = is_lo ? lo : hi;

				ExplainPropertyText(is_lo ? "KT Range From" : "KT Range To",
									psprintf("%s %s", is_lo ? (how == 2 ? ">" : ">=") : (how == 2 ? "<" : "<="),
											 deparse(fs, lfirst(lc), es)),
									es);
				i++;
			}
			break;
	}
}

/*
 * EXPLAIN ANALYZE of a scan: its KT round trips (attempts, as
 * kt_fdw_server_stats counts them) and the records it received, over all
 * its rescans.
 */
void
ktfdw_explain_scan_analyze(ForeignScanState *node, ExplainState *es)
{
	int64		trips,
				records;

	if (!ktfdw_scan_counters(node, &trips, &records))
		return;
	ExplainPropertyInteger("KT Round Trips", NULL, trips, es);
	ExplainPropertyInteger("KT Records Read", NULL, records, es);
}

/* EXPLAIN VERBOSE of INSERT, UPDATE or DELETE on a kt_fdw table. */
void
ktfdw_ExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
						   int subplan_index, ExplainState *es)
{
	KtTableInfo info;
	char	   *f[EX_N];

	if (!es->verbose || !describe(rinfo->ri_RelationDesc, &info, f))
		return;
	explain_where(f, es);
	if (mtstate->operation == CMD_INSERT)
	{
		int			n;

		GOCALL(n = ktfdw_insert_batch_size(&info.table, intVal(linitial(fdw_private)) != 0));
		ExplainPropertyInteger("KT Batch Size", NULL, Max(n, 1), es);
	}
	ExplainPropertyText("KT Apply", psprintf("%s (apply_batch %s)", f[EX_APPLY], f[EX_APPLY_BATCH]), es);
	ExplainPropertyText("KT Conflict Check", f[EX_CHECK], es);
}
