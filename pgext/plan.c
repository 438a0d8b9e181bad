/*
 * plan.c: planner callbacks. Key conditions choose the KT access path:
 * `key = v` one get, `key IN (...)` / `key = ANY(v)` one get_bulk,
 * `key LIKE 'p%'` / starts_with(key, 'p') match_prefix, and on key-ordered
 * tables ranges by cursor and ORDER BY key without a Sort; anything else is
 * a full scan. Every condition is still checked by Postgres. No KT I/O
 * happens at plan time (row counts come from Go's cache of earlier scans).
 */
#include "ktfdw.h"
#include "ktfdw_plan.h"

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

/* Plan-time state in baserel->fdw_private. */
typedef struct KtPlanInfo
{
	Expr	   *key_expr;		/* Const or Param compared with the key, or NULL */
	AttrNumber	key_attno;
	Oid			key_type;
	Oid			key_coll;
	int			kind;			/* KT_SCAN_* of the unparameterized path */
	Expr	   *keys_expr;		/* KEYS: the array */
	Expr	   *prefix_expr;	/* PREFIX: the prefix or LIKE pattern */
	bool		prefix_is_like;
	Expr	   *lo_expr,		/* RANGE bounds (NULL: open) */
			   *hi_expr;
	bool		lo_excl,
				hi_excl;
	int			served;			/* restriction clauses the path serves exactly */
	bool		ordered;		/* table option ordered */
	bool		can_order;		/* ordered, and the key's order is KT's byte order */
	double		table_rows;		/* records in the table (estimate) */
	int64		limit;			/* rows the query needs (0: all or unknown) */
	List	   *pathkeys;		/* key order, when can_order */
	AttrNumber	val_attno;
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

	/*
	 * Any expression fixed for the scan: no Vars (of any level), nothing
	 * volatile, no subplans or aggregates, e.g. 'rule' || $1 from a
	 * prepared statement or a PL/pgSQL variable in an expression.
	 */
	return !contain_var_clause(n) && !contain_volatile_functions(n) &&
		!contain_subplans(n) && !contain_agg_clause(n) && !contain_window_function(n) &&
		!contain_vars_of_level(n, 1);
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
	Oid			eq = ktfdw_key_eq_operator(key_type);

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

/* Is the key's sort order (collation) KT's byte order? */
static bool
key_order_is_bytes(Oid key_type, Oid collid)
{
	if (key_type == BYTEAOID)
		return true;
	if (!OidIsValid(collid))
		return false;
#if PG_VERSION_NUM >= 180000	/* lc_collate_is_c() is gone in 18 */
	return pg_newlocale_from_collation(collid)->collate_is_c;
#else
	return lc_collate_is_c(collid);
#endif
}

/* A Const or Param, or an ARRAY[] of them: evaluable once per scan. */
static bool
is_array_value(Node *n)
{
	ListCell   *lc;

	n = strip_relabel(n);
	if (n && IsA(n, ArrayExpr))
	{
		foreach(lc, ((ArrayExpr *) n)->elements)
			if (!is_key_value(lfirst(lc)))
				return false;
		return true;
	}
	return is_key_value(n);
}

/* key IN (...) / key = ANY(v): the array, or NULL. */
static Expr *
key_in_array(Expr *clause, RelOptInfo *baserel, KtPlanInfo *pi)
{
	ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;
	Oid			eq = ktfdw_key_eq_operator(pi->key_type);

	if (!IsA(clause, ScalarArrayOpExpr) || !sa->useOr || sa->opno != eq ||
		list_length(sa->args) != 2)
		return NULL;
	if (OidIsValid(sa->inputcollid) && !get_collation_isdeterministic(sa->inputcollid))
		return NULL;
	if (!is_key_var(linitial(sa->args), baserel, pi->key_attno) ||
		!is_array_value(lsecond(sa->args)))
		return NULL;
	return lsecond(sa->args);
}

/*
 * key LIKE v or starts_with(key, v) / key ^@ v: the value, or NULL. A
 * constant LIKE pattern must have a literal prefix (fdw.LikePrefix); a
 * parameter's is checked when the scan starts.
 */
static Expr *
key_prefix(Expr *clause, RelOptInfo *baserel, KtPlanInfo *pi, bool *is_like, bool *exact)
{
	List	   *args;
	Node	   *val;
	Oid			collid;

	*is_like = false;
	*exact = true;
	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;

		if (op->opno == OID_TEXT_LIKE_OP || op->opno == OID_BYTEA_LIKE_OP)
			*is_like = true;
		else if (op->opno != TextPrefixOperator)
			return NULL;
		args = op->args;
		collid = op->inputcollid;
	}
	else if (IsA(clause, FuncExpr) && ((FuncExpr *) clause)->funcid == F_STARTS_WITH)
	{
		args = ((FuncExpr *) clause)->args;
		collid = ((FuncExpr *) clause)->inputcollid;
	}
	else
		return NULL;
	if (list_length(args) != 2 || !is_key_var(linitial(args), baserel, pi->key_attno))
		return NULL;
	if (OidIsValid(collid) && !get_collation_isdeterministic(collid))
		return NULL;
	val = strip_relabel(lsecond(args));
	if (!is_key_value(val))
		return NULL;
	if (IsA(val, Const))
	{
		Const	   *c = (Const *) val;
		const char *data;
		size_t		len;
		int			ex = 0;

		if (c->constisnull)
			return (Expr *) val;	/* no rows; the scan finds out */
		ktfdw_datum_bytes(c->constvalue, &data, &len);
		if (*is_like)
		{
			int			ok;

			GOCALL(ok = ktfdw_like_prefix((char *) data, len, &ex));
			if (!ok)
				return NULL;
			*exact = ex != 0;
		}
		else if (len == 0)
			return NULL;		/* starts_with(key, ''): everything */
	}
	else if (*is_like)
		*exact = false;			/* known when the scan starts */
	return (Expr *) val;
}

/*
 * key < / <= / > / >= v with the key's byte order: sets *strategy
 * (BTLessStrategyNumber ...) and returns v, or NULL.
 */
static Expr *
key_bound(Expr *clause, RelOptInfo *baserel, KtPlanInfo *pi, int *strategy)
{
	OpExpr	   *op = (OpExpr *) clause;
	Oid			family = pi->key_type == TEXTOID ? TEXT_BTREE_FAM_OID : BYTEA_BTREE_FAM_OID;
	Node	   *l,
			   *r;
	int			st;

	if (!IsA(clause, OpExpr) || list_length(op->args) != 2)
		return NULL;
	st = get_op_opfamily_strategy(op->opno, family);
	if (st == 0 || st == BTEqualStrategyNumber)
		return NULL;
	if (!key_order_is_bytes(pi->key_type, op->inputcollid))
		return NULL;
	l = linitial(op->args);
	r = lsecond(op->args);
	if (is_key_var(l, baserel, pi->key_attno) && is_key_value(r))
	{
		*strategy = st;
		return (Expr *) r;
	}
	if (is_key_var(r, baserel, pi->key_attno) && is_key_value(l))
	{
		*strategy = BTMaxStrategyNumber + 1 - st;	/* v < key is key > v */
		return (Expr *) l;
	}
	return NULL;
}

/* Choose the access path from the restriction clauses. */
static void
classify_restrictions(RelOptInfo *baserel, KtPlanInfo *pi)
{
	ListCell   *lc;
	int			nclauses = 0;
	Expr	   *keys = NULL,
			   *prefix = NULL;
	bool		prefix_like = false,
				prefix_exact = false;
	int			range_served = 0;

	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Expr	   *v;
		bool		is_like,
					exact;
		int			strategy;

		if (ri->pseudoconstant)
			continue;
		nclauses++;
		if (!pi->key_expr &&
			(v = key_equality_value(NULL, ri->clause, baserel, pi->key_attno, pi->key_type)) != NULL)
			pi->key_expr = v;
		else if (!keys && (v = key_in_array(ri->clause, baserel, pi)) != NULL)
			keys = v;
		else if (!prefix && (v = key_prefix(ri->clause, baserel, pi, &is_like, &exact)) != NULL)
		{
			prefix = v;
			prefix_like = is_like;
			prefix_exact = exact;
		}
		else if (pi->ordered && (v = key_bound(ri->clause, baserel, pi, &strategy)) != NULL)
		{
			bool		lower = strategy == BTGreaterStrategyNumber ||
				strategy == BTGreaterEqualStrategyNumber;

			if (lower && !pi->lo_expr)
			{
				pi->lo_expr = v;
				pi->lo_excl = strategy == BTGreaterStrategyNumber;
				range_served++;
			}
			else if (!lower && !pi->hi_expr)
			{
				pi->hi_expr = v;
				pi->hi_excl = strategy == BTLessStrategyNumber;
				range_served++;
			}
		}
	}

	if (pi->key_expr)
	{
		pi->kind = KT_SCAN_GET;
		pi->served = 1;
	}
	else if (keys)
	{
		pi->kind = KT_SCAN_KEYS;
		pi->keys_expr = keys;
		pi->served = 1;
	}
	else if (prefix)
	{
		pi->kind = KT_SCAN_PREFIX;
		pi->prefix_expr = prefix;
		pi->prefix_is_like = prefix_like;
		pi->served = prefix_exact ? 1 : 0;
	}
	else if (pi->lo_expr || pi->hi_expr)
	{
		pi->kind = KT_SCAN_RANGE;
		pi->served = range_served;
	}
	else
		pi->kind = KT_SCAN_FULL;
	if (pi->served != nclauses)
		pi->served = -1;		/* some condition is left to Postgres */
}

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
