/*
 * ktfdw.h: declarations shared by the C glue of kt_fdw.
 *
 * The C side only talks to Postgres; every decision and all KT I/O is in Go
 * (package fdw), reached through the exports declared in _cgo_export.h.
 */
#ifndef KTFDW_H
#define KTFDW_H

#include "postgres.h"

#include <pthread.h>
#include <signal.h>

#include "commands/explain.h"
#if PG_VERSION_NUM >= 180000
/* 18 moved ExplainState and the ExplainProperty* functions out of explain.h */
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif
#include "foreign/fdwapi.h"
#include "utils/rel.h"
#include "utils/wait_event.h"

#include "ktfdw_go.h"
#include "_cgo_export.h"

/* Supported and tested: PostgreSQL 15 to 18 (README.md). */
#if PG_VERSION_NUM < 150000
#error "kt_fdw needs PostgreSQL 15 or later"
#endif

/* The library's version, as fdw.Version; 18 shows it in pg_get_loaded_modules(). */
#define KTFDW_VERSION "0.4.0"

/*
 * Signals whose Postgres handlers must not run while Go code is on the
 * backend's thread (they would run on a goroutine stack). GOCALL blocks them
 * around each Go call; pending ones are delivered right after it returns.
 */
extern sigset_t ktfdw_callmask;

#define GOCALL(stmt) \
	do { \
		sigset_t	kt_oldmask_; \
		pthread_sigmask(SIG_BLOCK, &ktfdw_callmask, &kt_oldmask_); \
		stmt; \
		pthread_sigmask(SIG_SETMASK, &kt_oldmask_, NULL); \
		if (unlikely(ktfdw_log_pending)) \
			ktfdw_emit_logs(); \
	} while (0)

/* serverlog.c: write the log lines Go queued */
extern void ktfdw_emit_logs(void);

/* kt_fdw.c; 18 replaced the pg_attribute_noreturn() suffix by a pg_noreturn prefix */
#if PG_VERSION_NUM >= 180000
extern pg_noreturn void ktfdw_raise(KtStatus *st);
#else
extern void ktfdw_raise(KtStatus *st) pg_attribute_noreturn();
#endif
extern void ktfdw_check(int rc, KtStatus *st);

/* row.c: a value column of a format 'json' table */
typedef struct KtJsonCol
{
	AttrNumber	attno;
	Oid			type;
	int32		typmod;
	FmgrInfo	out;
	FmgrInfo	in;
	Oid			ioparam;
} KtJsonCol;

/* table.c: a foreign table as Go needs it */
typedef struct KtTableInfo
{
	KtTable		table;			/* passed to Go; strings palloc'd */
	AttrNumber	key_attno;
	AttrNumber	val_attno;		/* 0 with format 'json' */
	AttrNumber	xt_attno;		/* column option xt (format 'json'), else 0 */
	Oid			key_type;
	Oid			val_type;
	/* format 'json' (row.c) */
	bool		json;
	bool		key_io;			/* key neither text nor bytea: via its text form */
	FmgrInfo	key_out;
	FmgrInfo	key_in;
	Oid			key_ioparam;
	int32		key_typmod;
	int			nvals;			/* value columns */
	KtJsonCol  *vals;
	const char **val_names;		/* their names and JSON categories, for Go */
	char	   *val_cats;
} KtTableInfo;

extern void ktfdw_table_info(Relation rel, KtTableInfo *info);
extern void ktfdw_options(List *defs, KtOptions *out);
extern Datum ktfdw_bytes_datum(Oid type, const char *data, uint32 len);
extern void ktfdw_datum_bytes(Datum d, const char **data, size_t *len);

/* row.c: rows <-> KT key and value, formats 'plain' and 'json' */
extern bool ktfdw_format_is_json(List *table_options);
extern Oid	ktfdw_key_eq_operator(Oid key_type);
extern void ktfdw_json_columns(Relation rel, KtTableInfo *info, Form_pg_attribute *cols, int ncols);
extern void ktfdw_refuse_xt(Relation rel, Form_pg_attribute *cols, int ncols);
extern void ktfdw_key_bytes(KtTableInfo *info, Datum d, const char **data, size_t *len);
extern Datum ktfdw_key_datum(KtTableInfo *info, const char *data, uint32 len);
extern void ktfdw_row_bytes(KtTableInfo *info, TupleTableSlot *slot, const char **key, size_t *keylen,
							const char **val, size_t *vallen);
extern void ktfdw_fill_row(KtTableInfo *info, int natts, const char *key, uint32 keylen,
						   const char *val, uint32 vallen, bool need_key, bool need_value,
						   Datum *values, bool *isnull);

/* plan.c */
extern void ktfdw_GetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern void ktfdw_GetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern ForeignScan *ktfdw_GetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
										 ForeignPath *best_path, List *tlist, List *scan_clauses,
										 Plan *outer_plan);
extern void ktfdw_ExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* explain.c */
extern void ktfdw_explain_scan_verbose(ForeignScanState *node, ExplainState *es);
extern void ktfdw_explain_scan_analyze(ForeignScanState *node, ExplainState *es);
extern void ktfdw_ExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
									   List *fdw_private, int subplan_index, ExplainState *es);

/* scan.c */
extern void ktfdw_BeginForeignScan(ForeignScanState *node, int eflags);
extern bool ktfdw_scan_counters(ForeignScanState *node, int64 *trips, int64 *records);
extern TupleTableSlot *ktfdw_IterateForeignScan(ForeignScanState *node);
extern void ktfdw_ReScanForeignScan(ForeignScanState *node);
extern void ktfdw_EndForeignScan(ForeignScanState *node);

/* modify.c */
extern void ktfdw_AddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
										  RangeTblEntry *target_rte, Relation target_relation);
extern List *ktfdw_PlanForeignModify(PlannerInfo *root, ModifyTable *plan,
									 Index resultRelation, int subplan_index);
extern void ktfdw_BeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
									 List *fdw_private, int subplan_index, int eflags);
extern TupleTableSlot *ktfdw_ExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
											   TupleTableSlot *slot, TupleTableSlot *planSlot);
extern TupleTableSlot *ktfdw_ExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
											   TupleTableSlot *slot, TupleTableSlot *planSlot);
extern TupleTableSlot *ktfdw_ExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
											   TupleTableSlot *slot, TupleTableSlot *planSlot);
extern void ktfdw_EndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void ktfdw_BeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
extern void ktfdw_EndForeignInsert(EState *estate, ResultRelInfo *rinfo);
extern int	ktfdw_IsForeignRelUpdatable(Relation rel);
extern int	ktfdw_GetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern TupleTableSlot **ktfdw_ExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
													 TupleTableSlot **slots, TupleTableSlot **planSlots,
													 int *numSlots);

/* wait_event.c: what pg_stat_activity shows while C polls Go for KT I/O */
typedef enum KtWait
{
	KT_WAIT_SCAN,				/* a full scan's next batch */
	KT_WAIT_GET,				/* key = v */
	KT_WAIT_GET_BULK,			/* key IN (...) / key = ANY(...) */
	KT_WAIT_MATCH_PREFIX,		/* key LIKE 'p%' */
	KT_WAIT_CURSOR,				/* a key range on an ordered table */
	KT_WAIT_KEY_CHECK,			/* INSERT / key-changing UPDATE: does the key exist */
	KT_WAIT_COMMIT,				/* the commit's apply */
	KT_WAIT_IMPORT,				/* IMPORT FOREIGN SCHEMA */
	KT_WAIT_ANALYZE,			/* ANALYZE's sample */
	KT_WAIT_N
} KtWait;

extern void ktfdw_wait_start(KtWait w);
extern KtWait ktfdw_scan_wait(int kind);

/* usermapping.c */
extern void ktfdw_require_user_mapping(Oid userid, Oid serverid);
extern Oid	ktfdw_scan_user(ForeignScanState *node);
extern Oid	ktfdw_modify_user(EState *estate, ResultRelInfo *rinfo);

/* xact.c */
extern void ktfdw_register_xact_callbacks(void);

/* task.c: a Go handle doing KT I/O for a utility command */
typedef struct KtTask
{
	uintptr_t	handle;			/* 0 once released */
	KtBatch		batch;			/* malloc'd by Go; freed by ktfdw_task_done */
	size_t		pos;			/* read offset in batch */
	MemoryContextCallback on_reset;
} KtTask;

extern KtTask *ktfdw_task_new(void);
extern void ktfdw_task_done(KtTask *t);
extern const char *ktfdw_task_field(KtTask *t, uint32 *len);

/* truncate.c, import.c, analyze.c */
extern void ktfdw_ExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs);
extern List *ktfdw_ImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);
extern bool ktfdw_AnalyzeForeignTable(Relation rel, AcquireSampleRowsFunc *func,
									  BlockNumber *totalpages);

#endif							/* KTFDW_H */
