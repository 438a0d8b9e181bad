/*
 * plan_conditions.c: which of a scan's conditions KT can serve, and how:
 * `key = v` one get, `key IN (...)` / `key = ANY(v)` one get_bulk,
 * `key LIKE 'p%'` / starts_with(key, 'p') match_prefix, and on key-ordered
 * tables `key < v` and the like a cursor range. classify_restrictions picks
 * the access path of the unparameterized scan; plan.c builds the paths.
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

Node *
strip_relabel(Node *n)
{
	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	return n;
}

bool
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
Expr *
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
bool
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
void
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
