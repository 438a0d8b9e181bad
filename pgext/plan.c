/*
 * plan.c: planner callbacks. Key conditions choose the KT access path
 * (plan_conditions.c): one get, one get_bulk, match_prefix, and on
 * key-ordered tables ranges by cursor and ORDER BY key without a Sort;
 * anything else is a full scan. Every condition is still checked by
 * Postgres. No KT I/O happens at plan time (row counts come from Go's cache
 * of earlier scans).
 */
#include "ktfdw.h"
#include "ktfdw_plan.h"
#include "ktfdw_conditions.h"

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/pg_locale.h"
#include "utils/selfuncs.h"
#include "commands/explain.h"
#include "nodes/makefuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"

/* Fixed estimates: no statistics, and no network at plan time. */
#define KT_FULLSCAN_ROWS 1000.0
#define KT_FULLSCAN_STARTUP 10.0
#define KT_FULLSCAN_PER_ROW 0.1
#define KT_GET_COST 1.0

/* create_foreignscan_path grew fdw_restrictinfo in 17 and disabled_nodes in 18. */
#if PG_VERSION_NUM >= 180000
#define kt_foreignscan_path(root, rel, rows, startup, total, pathkeys, outer) \
	create_foreignscan_path(root, rel, NULL, rows, 0, startup, total, pathkeys, outer, NULL, NIL, NIL)
#elif PG_VERSION_NUM >= 170000
#define kt_foreignscan_path(root, rel, rows, startup, total, pathkeys, outer) \
	create_foreignscan_path(root, rel, NULL, rows, startup, total, pathkeys, outer, NULL, NIL, NIL)
#else
#define kt_foreignscan_path(root, rel, rows, startup, total, pathkeys, outer) \
	create_foreignscan_path(root, rel, NULL, rows, startup, total, pathkeys, outer, NULL, NIL)
#endif

#define KT_PER_KEY_COST 0.01

/* estimate_array_length takes the planner (for statistics) since 17. */
#if PG_VERSION_NUM >= 170000
#define kt_array_length(root, expr) estimate_array_length(root, expr)
#else
#define kt_array_length(root, expr) estimate_array_length(expr)
#endif

/* build_expression_pathkey lost its nullable_relids argument in 16. */
#if PG_VERSION_NUM >= 160000
#define kt_expression_pathkey(root, expr, opno, rel) \
	build_expression_pathkey(root, expr, opno, rel, true)
#else
#define kt_expression_pathkey(root, expr, opno, rel) \
	build_expression_pathkey(root, expr, NULL, opno, rel, true)
#endif


void
ktfdw_GetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KtPlanInfo *pi = palloc0(sizeof(KtPlanInfo));
	Relation	rel = table_open(foreigntableid, NoLock);
	KtTableInfo info;
	KtTablePlan tp = {0};
	KtStatus	st = {0};
	int			rc;
	Selectivity sel;

	ktfdw_table_info(rel, &info);	/* refuses unsupported column types */
	pi->key_coll = TupleDescAttr(RelationGetDescr(rel), info.key_attno - 1)->attcollation;
	table_close(rel, NoLock);
	GOCALL(rc = ktfdw_table_plan(&info.table, &tp, &st));
	ktfdw_check(rc, &st);

	pi->key_attno = info.key_attno;
	pi->val_attno = info.val_attno;
	pi->key_type = info.key_type;
	pi->ordered = tp.ordered != 0;
	pi->can_order = pi->ordered && key_order_is_bytes(info.key_type, pi->key_coll);
	/*
	 * A count seen by an earlier full scan only raises the default: plans
	 * of small tables stay stable, a big table is not taken for a small one.
	 */
	pi->table_rows = Max(tp.rows, KT_FULLSCAN_ROWS);
	if (baserel->tuples >= 0)
		pi->table_rows = Max(baserel->tuples, 1);	/* ANALYZE: KT's count */
	classify_restrictions(baserel, pi);
	baserel->fdw_private = pi;
	if (baserel->tuples < 0 && tp.rows > KT_FULLSCAN_ROWS)
		baserel->tuples = pi->table_rows;	/* known from a full scan */

	switch (pi->kind)
	{
		case KT_SCAN_GET:
			baserel->rows = 1;
			break;
		case KT_SCAN_KEYS:
			baserel->rows = clamp_row_est(Min(kt_array_length(root, (Node *) pi->keys_expr),
											  pi->table_rows));
			break;
		default:
			sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
			baserel->rows = clamp_row_est(pi->table_rows * sel);
	}

	/* Key order: claimed for every path (a get's one row is ordered too). */
	if (pi->can_order)
	{
		Var		   *v = makeVar(baserel->relid, pi->key_attno, pi->key_type, -1, pi->key_coll, 0);

		pi->pathkeys = kt_expression_pathkey(root, (Expr *) v,
											 pi->key_type == TEXTOID ? TextLessOperator : ByteaLessOperator,
											 baserel->relids);
	}

	/*
	 * LIMIT n lets the scan stop after n rows when this table is the whole
	 * query, the path serves every condition, and no Sort needs all rows.
	 */
	if (root->limit_tuples > 0 && pi->served >= 0 &&
		bms_membership(root->all_baserels) == BMS_SINGLETON &&
		(root->query_pathkeys == NIL ||
		 (pi->pathkeys && pathkeys_contained_in(root->query_pathkeys, pi->pathkeys))))
		pi->limit = (int64) root->limit_tuples;
}

/* Equivalence-class callback: is em this relation's key column? */
static bool
ec_member_is_key(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
				 EquivalenceMember *em, void *arg)
{
	KtPlanInfo *pi = arg;

	return is_key_var((Node *) em->em_expr, rel, pi->key_attno);
}

/*
 * Join clauses `key = <outer value>` (explicit, or implied by equivalence
 * classes) give parameterized paths: the inner side of a nested loop does
 * one KT get per outer row instead of a full scan.
 */
static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, KtPlanInfo *pi)
{
	List	   *clauses = NIL;
	ListCell   *lc;

	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (join_clause_is_movable_to(ri, baserel) &&
			key_equality_value(root, ri->clause, baserel, pi->key_attno, pi->key_type))
			clauses = lappend(clauses, ri);
	}
	if (baserel->has_eclass_joins)
	{
		List	   *implied = generate_implied_equalities_for_column(root, baserel,
																	 ec_member_is_key, pi,
																	 baserel->lateral_referencers);

		foreach(lc, implied)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

			if (join_clause_is_movable_to(ri, baserel) &&
				key_equality_value(root, ri->clause, baserel, pi->key_attno, pi->key_type))
				clauses = lappend(clauses, ri);
		}
	}

	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Relids		required_outer = bms_union(ri->clause_relids, baserel->lateral_relids);

		required_outer = bms_del_member(required_outer, baserel->relid);
		if (bms_is_empty(required_outer))
			continue;
		(void) get_baserel_parampathinfo(root, baserel, required_outer);
		add_path(baserel, (Path *) kt_foreignscan_path(root, baserel, 1, KT_GET_COST, KT_GET_COST,
													   pi->pathkeys, required_outer));
	}
}

void
ktfdw_GetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KtPlanInfo *pi = baserel->fdw_private;
	Cost		startup,
				total;

	switch (pi->kind)
	{
		case KT_SCAN_GET:
			startup = total = KT_GET_COST;
			break;
		case KT_SCAN_KEYS:
			startup = KT_GET_COST;
			total = KT_GET_COST + baserel->rows * KT_PER_KEY_COST;
			break;
		case KT_SCAN_PREFIX:
		case KT_SCAN_RANGE:
			startup = KT_GET_COST;
			total = KT_GET_COST + baserel->rows * KT_FULLSCAN_PER_ROW;
			break;
		default:
			startup = KT_FULLSCAN_STARTUP;
			total = KT_FULLSCAN_STARTUP + pi->table_rows * KT_FULLSCAN_PER_ROW;
	}
	add_path(baserel, (Path *) kt_foreignscan_path(root, baserel, baserel->rows, startup, total,
												   pi->pathkeys, NULL));
	if (pi->kind != KT_SCAN_GET)
		add_parameterized_paths(root, baserel, pi);
}

static int
bound_code(Expr *e, bool excl)
{
	return e == NULL ? 0 : (excl ? 2 : 1);
}

/*
 * fdw_exprs = the values of the path's key conditions (the key, the array,
 * the prefix, or the range's bounds low first), so setrefs fixes Params and
 * a changed PARAM_EXEC triggers a rescan. All quals stay local: Postgres
 * rechecks them, which is cheap and always right.
 */
ForeignScan *
ktfdw_GetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					 ForeignPath *best_path, List *tlist, List *scan_clauses,
					 Plan *outer_plan)
{
	KtPlanInfo *pi = baserel->fdw_private;
	Expr	   *key_expr = pi->key_expr;
	int			kind = pi->kind;
	List	   *exprs = NIL;
	List	   *priv;
	int64		limit = pi->limit;
	ListCell   *lc;

	/* A parameterized path: the key comes from its join clause. */
	if (best_path->path.param_info)
	{
		foreach(lc, scan_clauses)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
			Expr	   *v;

			if (!bms_is_member(baserel->relid, ri->clause_relids) ||
				bms_is_empty(bms_del_member(bms_copy(ri->clause_relids), baserel->relid)))
				continue;
			v = key_equality_value(root, ri->clause, baserel, pi->key_attno, pi->key_type);
			if (v)
			{
				key_expr = v;
				kind = KT_SCAN_GET;
				limit = 0;
				break;
			}
		}
	}

	switch (kind)
	{
		case KT_SCAN_GET:
			exprs = list_make1(copyObject(key_expr));
			break;
		case KT_SCAN_KEYS:
			exprs = list_make1(copyObject(pi->keys_expr));
			break;
		case KT_SCAN_PREFIX:
			exprs = list_make1(copyObject(pi->prefix_expr));
			break;
		case KT_SCAN_RANGE:
			if (pi->lo_expr)
				exprs = lappend(exprs, copyObject(pi->lo_expr));
			if (pi->hi_expr)
				exprs = lappend(exprs, copyObject(pi->hi_expr));
			break;
	}
	priv = list_make5(makeInteger(kind), makeInteger(pi->prefix_is_like),
					  makeInteger(kind == KT_SCAN_RANGE ? bound_code(pi->lo_expr, pi->lo_excl) : 0),
					  makeInteger(kind == KT_SCAN_RANGE ? bound_code(pi->hi_expr, pi->hi_excl) : 0),
					  makeInteger(pi->ordered));
	priv = lappend(priv, makeInteger((int) Min(limit, PG_INT32_MAX)));
	{
		/* Columns the query reads (target list, quals, row identity). */
		Bitmapset  *attrs = NULL;
		bool		whole;
		ListCell   *rc;

		pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
		foreach(rc, scan_clauses)
			pull_varattnos((Node *) lfirst_node(RestrictInfo, rc)->clause, baserel->relid, &attrs);
		whole = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
		priv = lappend(priv, makeInteger(whole ||
										 bms_is_member(pi->key_attno - FirstLowInvalidHeapAttributeNumber, attrs)));
		if (pi->val_attno != InvalidAttrNumber)
			priv = lappend(priv, makeInteger(whole ||
											 bms_is_member(pi->val_attno - FirstLowInvalidHeapAttributeNumber, attrs)));
		else
		{
			/* format 'json': the value holds every column but the key */
			attrs = bms_del_member(attrs, pi->key_attno - FirstLowInvalidHeapAttributeNumber);
			priv = lappend(priv, makeInteger(!bms_is_empty(attrs)));
		}
	}

	scan_clauses = extract_actual_clauses(scan_clauses, false);
	/* createplan.c turns outer Vars in fdw_exprs into nestloop Params. */
	return make_foreignscan(tlist, scan_clauses, baserel->relid, exprs, priv,
							NIL, NIL, outer_plan);
}

void
ktfdw_ExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	int			kind = intVal(list_nth(fs->fdw_private, KT_PRIV_KIND));
	int			limit = intVal(list_nth(fs->fdw_private, KT_PRIV_LIMIT));
	const char *op = "full scan";

	switch (kind)
	{
		case KT_SCAN_GET:
			op = "get";
			break;
		case KT_SCAN_KEYS:
			op = "get_bulk";
			break;
		case KT_SCAN_PREFIX:
			op = "match_prefix + get_bulk";
			break;
		case KT_SCAN_RANGE:
			op = "cursor range";
			break;
		default:
			/* a LIMIT on a tree DB walks a cursor; else keys are listed */
			if (intVal(list_nth(fs->fdw_private, KT_PRIV_ORDERED)) && limit > 0)
				op = "full scan (cursor)";
	}
	ExplainPropertyText("KT Operation", op, es);
	if (kind == KT_SCAN_KEYS && es->verbose)
	{
		Node	   *arr = strip_relabel(linitial(fs->fdw_exprs));

		if (IsA(arr, Const) && !((Const *) arr)->constisnull)
			ExplainPropertyInteger("KT Keys", NULL,
								   ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(((Const *) arr)->constvalue)),
												  ARR_DIMS(DatumGetArrayTypeP(((Const *) arr)->constvalue))),
								   es);
	}
	if (limit > 0)
		ExplainPropertyInteger("KT Limit", NULL, limit, es);
	if (es->verbose)
		ktfdw_explain_scan_verbose(node, es);	/* explain.c */
	if (es->analyze)
		ktfdw_explain_scan_analyze(node, es);
}
