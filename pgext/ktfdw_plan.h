/*
 * ktfdw_plan.h: the ForeignScan's fdw_private layout, written by plan.c and
 * read by scan.c: a list of Integers indexed by these.
 */
#ifndef KTFDW_PLAN_H
#define KTFDW_PLAN_H

enum
{
	KT_PRIV_KIND,				/* KT_SCAN_* */
	KT_PRIV_PREFIX_IS_LIKE,		/* PREFIX: fdw_exprs holds a LIKE pattern */
	KT_PRIV_LO,					/* RANGE: 0 no low bound, 1 inclusive, 2 exclusive */
	KT_PRIV_HI,					/* likewise the high bound */
	KT_PRIV_ORDERED,			/* table option ordered */
	KT_PRIV_LIMIT,				/* rows the query needs, capped to int; 0: all */
	KT_PRIV_NEED_KEY,			/* the query reads the key column */
	KT_PRIV_NEED_VALUE,			/* the query reads the value column */
	KT_PRIV_COUNT
};

#endif							/* KTFDW_PLAN_H */
