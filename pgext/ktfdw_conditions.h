/*
 * ktfdw_conditions.h: the planner's state of a foreign table (KtPlanInfo)
 * and the classification of its conditions on the key (plan_conditions.c),
 * which the planner callbacks (plan.c) build their paths from.
 */
#ifndef KTFDW_CONDITIONS_H
#define KTFDW_CONDITIONS_H

#include "nodes/pathnodes.h"

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

extern Node *strip_relabel(Node *n);
extern bool is_key_var(Node *n, RelOptInfo *baserel, AttrNumber key_attno);
extern Expr *key_equality_value(PlannerInfo *root, Expr *clause, RelOptInfo *baserel,
								AttrNumber key_attno, Oid key_type);
extern bool key_order_is_bytes(Oid key_type, Oid collid);
extern void classify_restrictions(RelOptInfo *baserel, KtPlanInfo *pi);

#endif							/* KTFDW_CONDITIONS_H */
