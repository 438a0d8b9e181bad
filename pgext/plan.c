/*
 * plan.c: planner callbacks. `key = <Const or Param>` becomes one KT get;
 * anything else is a full scan. No KT I/O happens at plan time.
 */
#include "ktfdw.h"

#include "access/table.h"
#include "catalog/pg_operator.h"
#include "commands/explain.h"
#include "nodes/makefuncs.h"
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

/* create_foreignscan_path grew arguments in PostgreSQL 17 and 18 (untested there). */
#if PG_VERSION_NUM >= 180000
#define kt_foreignscan_path(root, rel, rows, startup, total, outer) \
	create_foreignscan_path(root, rel, NULL, rows, 0, startup, total, NIL, outer, NULL, NIL, NIL)
#elif PG_VERSION_NUM >= 170000
#define kt_foreignscan_path(root, rel, rows, startup, total, outer) \
	create_foreignscan_path(root, rel, NULL, rows, startup, total, NIL, outer, NULL, NIL, NIL)
#else
#define kt_foreignscan_path(root, rel, rows, startup, total, outer) \
	create_foreignscan_path(root, rel, NULL, rows, startup, total, NIL, outer, NULL, NIL)
#endif

/* Plan-time state in baserel->fdw_private. */
typedef struct KtPlanInfo
{
	Expr	   *key_expr;		/* Const or Param compared with the key, or NULL */
	AttrNumber	key_attno;
	Oid			key_type;
} KtPlanInfo;

static Node *
strip_relabel(Node *n)
{
	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	return n;
}

static bool
is_key_var(Node *n, RelOptInfo *baserel, AttrNumber key_attno)
{
	Var		   *v = (Var *) strip_relabel(n);

	return v && IsA(v, Var) && v->varno == baserel->relid &&
		v->varattno == key_attno && v->varlevelsup == 0;
}

static bool
is_key_value(Node *n)
{
	n = strip_relabel(n);
	if (n == NULL)
		return false;
	if (IsA(n, Const))
		return true;
	if (IsA(n, Param))
	{
		Param	   *p = (Param *) n;

		return p->paramkind == PARAM_EXTERN || p->paramkind == PARAM_EXEC;
	}
	return false;
}

/*
 * A join-clause value: any non-volatile expression that does not use this
 * relation (an outer relation's column, for a parameterized path).
 */
static bool
is_outer_value(PlannerInfo *root, RelOptInfo *baserel, Node *n)
{
	return !bms_is_member(baserel->relid, pull_varnos(root, n)) &&
		!contain_volatile_functions(n);
}

/*
 * The value side of `key = value` (either order), or NULL. Without root, the
 * value must be a Const or Param; with root, any outer value will do.
 */
static Expr *
key_equality_value(PlannerInfo *root, Expr *clause, RelOptInfo *baserel,
				   AttrNumber key_attno, Oid key_type)
{
	OpExpr	   *op = (OpExpr *) clause;
	Node	   *l,
			   *r;
	Oid			eq = key_type == TEXTOID ? TextEqualOperator : ByteaEqualOperator;

	if (!IsA(clause, OpExpr) || list_length(op->args) != 2 || op->opno != eq)
		return NULL;
	/* A nondeterministic collation may call different bytes equal: no get. */
	if (OidIsValid(op->inputcollid) && !get_collation_isdeterministic(op->inputcollid))
		return NULL;
	l = linitial(op->args);
	r = lsecond(op->args);
	if (is_key_var(l, baserel, key_attno) &&
		(root ? is_outer_value(root, baserel, r) : is_key_value(r)))
		return (Expr *) r;
	if (is_key_var(r, baserel, key_attno) &&
		(root ? is_outer_value(root, baserel, l) : is_key_value(l)))
		return (Expr *) l;
	return NULL;
}

void
ktfdw_GetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KtPlanInfo *pi = palloc0(sizeof(KtPlanInfo));
	Relation	rel = table_open(foreigntableid, NoLock);
	KtTableInfo info;
	ListCell   *lc;

	ktfdw_table_info(rel, &info);	/* refuses unsupported column types */
	table_close(rel, NoLock);

	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ri->pseudoconstant)
			continue;
		pi->key_expr = key_equality_value(NULL, ri->clause, baserel, info.key_attno, info.key_type);
		if (pi->key_expr)
			break;
	}
	pi->key_attno = info.key_attno;
	pi->key_type = info.key_type;
	baserel->fdw_private = pi;
	baserel->rows = pi->key_expr ? 1 : KT_FULLSCAN_ROWS;
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
													   required_outer));
	}
}

void
ktfdw_GetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KtPlanInfo *pi = baserel->fdw_private;
	Cost		startup,
				total;

	if (pi->key_expr)
	{
		startup = KT_GET_COST;
		total = KT_GET_COST;
	}
	else
	{
		startup = KT_FULLSCAN_STARTUP;
		total = KT_FULLSCAN_STARTUP + KT_FULLSCAN_ROWS * KT_FULLSCAN_PER_ROW;
	}
	add_path(baserel, (Path *) kt_foreignscan_path(root, baserel, baserel->rows, startup, total, NULL));
	if (!pi->key_expr)
		add_parameterized_paths(root, baserel, pi);
}

/*
 * fdw_private = (point_get as Integer); fdw_exprs = (key value) for a get, so
 * setrefs fixes the Param and a changed PARAM_EXEC triggers a rescan. All
 * quals stay local: Postgres rechecks them, which is cheap and always right.
 */
ForeignScan *
ktfdw_GetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					 ForeignPath *best_path, List *tlist, List *scan_clauses,
					 Plan *outer_plan)
{
	KtPlanInfo *pi = baserel->fdw_private;
	Expr	   *key_expr = pi->key_expr;
	ListCell   *lc;

	/* A parameterized path: the key comes from its join clause. */
	if (!key_expr && best_path->path.param_info)
	{
		foreach(lc, scan_clauses)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

			if (!bms_is_member(baserel->relid, ri->clause_relids) ||
				bms_is_empty(bms_del_member(bms_copy(ri->clause_relids), baserel->relid)))
				continue;
			key_expr = key_equality_value(root, ri->clause, baserel, pi->key_attno, pi->key_type);
			if (key_expr)
				break;
		}
	}

	scan_clauses = extract_actual_clauses(scan_clauses, false);
	/* createplan.c turns outer Vars in fdw_exprs into nestloop Params. */
	return make_foreignscan(tlist, scan_clauses, baserel->relid,
							key_expr ? list_make1(copyObject(key_expr)) : NIL,
							list_make1(makeInteger(key_expr != NULL)),
							NIL, NIL, outer_plan);
}

void
ktfdw_ExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	bool		point_get = intVal(linitial(fs->fdw_private)) != 0;

	ExplainPropertyText("KT Operation", point_get ? "get" : "full scan", es);
}
