/*
 * modify.c: INSERT, UPDATE and DELETE. Rows are found by key: the key and
 * value columns ride along as row-identity junk columns "kt_key" and
 * "kt_value". Changes go into Go's transaction buffer; KT sees them at commit.
 */
#include "ktfdw.h"

#include "access/table.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/memutils.h"

typedef struct KtModifyState
{
	uintptr_t	handle;			/* Go modify; 0 once released */
	KtTableInfo info;
	AttrNumber	key_junk;		/* kt_key in the subplan's output */
	AttrNumber	val_junk;		/* kt_value in the subplan's output */
	MemoryContext row_cxt;		/* one row's (or batch's) conversions */
	bool		on_conflict_nothing;
	bool		defer_checks;	/* batches are checked in the background */
	bool		defer_rows;		/* COPY: single rows go the deferred batch way */
	MemoryContextCallback on_reset;
} KtModifyState;

static void
modify_on_reset(void *arg)
{
	KtModifyState *m = arg;

	if (m->handle)
	{
		uintptr_t	h = m->handle;

		m->handle = 0;
		GOCALL(ktfdw_release(h));
	}
}

/*
 * Switch to the modify's row context, emptied first. The executor calls the
 * row callbacks in its per-query context, so the key/value conversions (JSON
 * encoding, output functions, detoasting, batch arrays) would otherwise add
 * up for the whole statement. What was allocated for the previous row is
 * dead by now: Go copied it, and the executor is done with the slot array
 * ExecForeignBatchInsert returned.
 */
static MemoryContext
enter_row_context(KtModifyState *m)
{
	MemoryContextReset(m->row_cxt);
	return MemoryContextSwitchTo(m->row_cxt);
}

static void
add_identity_var(PlannerInfo *root, Index rtindex, Relation rel, AttrNumber attno, const char *name)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attno - 1);
	Var		   *var = makeVar(rtindex, attno, att->atttypid, att->atttypmod, att->attcollation, 0);

	add_row_identity_var(root, var, rtindex, name);
}

void
ktfdw_AddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							  RangeTblEntry *target_rte, Relation target_relation)
{
	KtTableInfo info;

	ktfdw_table_info(target_relation, &info);
	add_identity_var(root, rtindex, target_relation, info.key_attno, "kt_key");
	if (!info.json)				/* format 'json': no single value column */
		add_identity_var(root, rtindex, target_relation, info.val_attno, "kt_value");
}

static const char *
command_name(CmdType cmd)
{
	switch (cmd)
	{
		case CMD_INSERT:
			return "INSERT";
		case CMD_UPDATE:
			return "UPDATE";
		case CMD_DELETE:
			return "DELETE";
		default:
			return "MODIFY";
	}
}

/*
 * Option readonly (fdw/readonly.go): is cmd allowed on rel? Raises the
 * refusal when raise, else only answers. Reads the options only, so it is
 * safe where a malformed table must not raise (IsForeignRelUpdatable).
 */
static bool
check_writable(Relation rel, CmdType cmd, bool raise)
{
	ForeignTable *ft = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *srv = GetForeignServer(ft->serverid);
	KtOptions	so,
				to;
	KtStatus	st = {0};
	int			rc;

	ktfdw_options(srv->options, &so);
	ktfdw_options(ft->options, &to);
	GOCALL(rc = ktfdw_check_writable(&so, &to, srv->servername, RelationGetRelationName(rel),
									 (char *) command_name(cmd), raise ? &st : NULL));
	if (raise)
		ktfdw_check(rc, &st);
	return rc == KT_OK;
}

/* fdw_private = (on_conflict_do_nothing as Integer) */
List *
ktfdw_PlanForeignModify(PlannerInfo *root, ModifyTable *plan,
						Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);

	/* readonly: refused at plan time, before anything is sent */
	check_writable(rel, plan->operation, true);
	table_close(rel, NoLock);

	if (plan->onConflictAction == ONCONFLICT_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kt_fdw does not support INSERT ... ON CONFLICT DO UPDATE")));
	return list_make1(makeInteger(plan->onConflictAction == ONCONFLICT_NOTHING));
}

/*
 * May batched inserts check their keys late (fdw/modify_deferred.go)? Only
 * when no row needs its answer at once: not with ON CONFLICT DO NOTHING
 * (skips rows), and not with AFTER INSERT triggers, which run before
 * EndForeignModify (ExecutorFinish) and so would see rows whose check has not
 * landed yet. RETURNING, WITH CHECK OPTION and BEFORE/INSTEAD OF row
 * triggers turn batching off (GetForeignModifyBatchSize), so their rows take
 * the per-row path, which never defers.
 */
static bool
has_after_insert_triggers(ResultRelInfo *rinfo)
{
	TriggerDesc *td = rinfo ? rinfo->ri_TrigDesc : NULL;

	return td && (td->trig_insert_after_row || td->trig_insert_after_statement ||
				  td->trig_insert_new_table);
}

static bool
may_defer_checks(ResultRelInfo *rinfo, CmdType cmd, bool on_conflict_nothing)
{
	if (cmd != CMD_INSERT || on_conflict_nothing)
		return false;
	if (has_after_insert_triggers(rinfo))
		return false;
	/*
	 * A row routed into this partition (or COPY into its partitioned
	 * parent): the parent's statement triggers and transition tables fire
	 * before EndForeignInsert, so they too must only see checked rows.
	 */
	if (has_after_insert_triggers(rinfo->ri_RootResultRelInfo))
		return false;
	return true;
}

static KtModifyState *
begin_modify(EState *estate, ResultRelInfo *rinfo, CmdType cmd, bool on_conflict_nothing,
			 Plan *subplan)
{
	KtModifyState *m = palloc0(sizeof(KtModifyState));
	KtStatus	st = {0};
	uintptr_t	h = 0;
	int			rc;
	bool		defer = may_defer_checks(rinfo, cmd, on_conflict_nothing);

	ktfdw_table_info(rinfo->ri_RelationDesc, &m->info);
	ktfdw_require_user_mapping(estate ? ktfdw_modify_user(estate, rinfo) : GetUserId(),
							   m->info.table.server_oid);
	check_writable(rinfo->ri_RelationDesc, cmd, true);	/* again: cached plans, COPY */
	if (subplan)
	{
		m->key_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "kt_key");
		m->val_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "kt_value");
	}
	m->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "kt_fdw modify row",
									   ALLOCSET_DEFAULT_SIZES);
	m->on_reset.func = modify_on_reset;
	m->on_reset.arg = m;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &m->on_reset);
	m->on_conflict_nothing = on_conflict_nothing;
	m->defer_checks = defer;
	rinfo->ri_FdwState = m;

	GOCALL(rc = ktfdw_modify_begin(&m->info.table, on_conflict_nothing, defer, &h, &st));
	ktfdw_check(rc, &st);
	m->handle = h;
	return m;
}

void
ktfdw_BeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						 List *fdw_private, int subplan_index, int eflags)
{
	Plan	   *subplan = NULL;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	if (mtstate->operation == CMD_UPDATE || mtstate->operation == CMD_DELETE)
	{
		subplan = outerPlanState(mtstate)->plan;
		if (!AttributeNumberIsValid(ExecFindJunkAttributeInTlist(subplan->targetlist, "kt_key")))
			elog(ERROR, "kt_fdw: could not find junk kt_key column");
	}
	begin_modify(mtstate->ps.state, rinfo, mtstate->operation, intVal(linitial(fdw_private)) != 0,
				 subplan);
}

/* COPY FROM and tuple routing into a partition that is a kt_fdw table. */
void
ktfdw_BeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	bool		nothing = false;
	KtModifyState *m;
	TriggerDesc *td = rinfo->ri_TrigDesc;

	if (mtstate && mtstate->ps.plan)
		nothing = ((ModifyTable *) mtstate->ps.plan)->onConflictAction == ONCONFLICT_NOTHING;
	m = begin_modify(mtstate ? mtstate->ps.state : NULL, rinfo, CMD_INSERT, nothing, NULL);

	/*
	 * COPY FROM (no plan) inserts row by row (PostgreSQL 15 has no batched
	 * COPY into foreign tables), and nothing needs a row's answer before the
	 * next: without row triggers, its rows take the deferred batch way too,
	 * instead of one KT round trip each.
	 */
	m->defer_rows = mtstate && !mtstate->ps.plan &&
		may_defer_checks(rinfo, CMD_INSERT, nothing) &&
		!(td && (td->trig_insert_before_row || td->trig_insert_instead_row));
}

static int	finish(KtModifyState *m, int rc, KtStatus *st);

/*
 * The statement's end: the duplicate checks it deferred land here (an
 * existing key raises 23505 now; the failed statement rolls back its level,
 * and with it the rows it buffered), then the handle goes.
 */
void
ktfdw_EndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	KtModifyState *m = rinfo->ri_FdwState;
	KtStatus	st = {0};
	int			rc;

	if (!m || !m->handle)
		return;
	GOCALL(rc = ktfdw_modify_end(m->handle, &st));
	finish(m, rc, &st);
	modify_on_reset(m);
}

void
ktfdw_EndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	ktfdw_EndForeignModify(estate, rinfo);
}

/* A readonly table is not updatable: Postgres then refuses writes itself (55000). */
int
ktfdw_IsForeignRelUpdatable(Relation rel)
{
	if (!check_writable(rel, CMD_INSERT, false))
		return 0;
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

/* Finish a call that may have started a KT lookup; KT_OK or KT_SKIPPED. */
static int
finish(KtModifyState *m, int rc, KtStatus *st)
{
	if (rc == KT_PENDING)
	{
		ktfdw_wait_start(KT_WAIT_KEY_CHECK);
		do
		{
			CHECK_FOR_INTERRUPTS();
			GOCALL(rc = ktfdw_modify_wait(m->handle, KT_POLL_MS, st));
		} while (rc == KT_PENDING);
		pgstat_report_wait_end();
	}
	ktfdw_check(rc, st);
	return rc;
}

/* The new row's key and value (row.c); NULLs are refused (KT stores neither). */
static void
new_row(KtModifyState *m, TupleTableSlot *slot, const char **key, size_t *keylen,
		const char **val, size_t *vallen)
{
	ktfdw_row_bytes(&m->info, slot, key, keylen, val, vallen);
}

TupleTableSlot *
ktfdw_ExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
						TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	KtModifyState *m = rinfo->ri_FdwState;
	MemoryContext old = enter_row_context(m);
	KtStatus	st = {0};
	const char *key,
			   *val;
	size_t		keylen,
				vallen;
	int			rc;

	new_row(m, slot, &key, &keylen, &val, &vallen);
	if (m->defer_rows)
		GOCALL(rc = ktfdw_modify_insert_batch(m->handle, GetCurrentTransactionNestLevel(), 1,
											  (char **) &key, &keylen, (char **) &val, &vallen, &st));
	else
		GOCALL(rc = ktfdw_modify_insert(m->handle, GetCurrentTransactionNestLevel(),
										(char *) key, keylen, (char *) val, vallen, &st));
	rc = finish(m, rc, &st);
	MemoryContextSwitchTo(old);
	if (rc == KT_SKIPPED)
		return NULL;
	return slot;
}

/*
 * Rows per ExecForeignBatchInsert: the batch_size option of the table, else
 * of the server, else a default that depends on whether each batch waits for
 * its own duplicate check (fdw.InsertBatchSize). Postgres asks after
 * BeginForeignModify/BeginForeignInsert, so the modify state says; without
 * one (EXPLAIN) the answer does not matter.
 */
int
ktfdw_GetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	KtModifyState *m = rinfo->ri_FdwState;
	KtTableInfo info;
	int			n;

	/* As postgres_fdw: no batching when rows must come back one by one. */
	if (rinfo->ri_projectReturning != NULL || rinfo->ri_WithCheckOptions != NIL ||
		(rinfo->ri_TrigDesc && (rinfo->ri_TrigDesc->trig_insert_before_row ||
								rinfo->ri_TrigDesc->trig_insert_instead_row)))
		return 1;
	ktfdw_table_info(rinfo->ri_RelationDesc, &info);
	GOCALL(n = ktfdw_insert_batch_size(&info.table, m && !m->defer_checks));
	return Max(n, 1);
}

TupleTableSlot **
ktfdw_ExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
							 TupleTableSlot **planSlots, int *numSlots)
{
	KtModifyState *m = rinfo->ri_FdwState;
	MemoryContext old = enter_row_context(m);
	int			n = *numSlots;
	const char **keys = palloc(sizeof(char *) * n);
	const char **vals = palloc(sizeof(char *) * n);
	size_t	   *klens = palloc(sizeof(size_t) * n);
	size_t	   *vlens = palloc(sizeof(size_t) * n);
	int		   *skipped = palloc0(sizeof(int) * n);
	TupleTableSlot **rslots;
	KtStatus	st = {0};
	int			rc,
				kept = 0;

	for (int i = 0; i < n; i++)
		new_row(m, slots[i], &keys[i], &klens[i], &vals[i], &vlens[i]);
	GOCALL(rc = ktfdw_modify_insert_batch(m->handle, GetCurrentTransactionNestLevel(), n,
										  (char **) keys, klens, (char **) vals, vlens, &st));
	finish(m, rc, &st);
	if (m->on_conflict_nothing)
		GOCALL(ktfdw_modify_batch_skipped(m->handle, skipped, n));

	/*
	 * Only the inserted rows go back (ON CONFLICT DO NOTHING skips some), in
	 * a new array: slots is the executor's ri_Slots, which it reuses.
	 */
	rslots = palloc(sizeof(TupleTableSlot *) * n);
	for (int i = 0; i < n; i++)
		if (!skipped[i])
			rslots[kept++] = slots[i];
	*numSlots = kept;
	MemoryContextSwitchTo(old);
	return rslots;
}

TupleTableSlot *
ktfdw_ExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
						TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	KtModifyState *m = rinfo->ri_FdwState;
	KtStatus	st = {0};
	const char *oldkey,
			   *oldval = NULL,
			   *key,
			   *val;
	size_t		oldlen,
				oldvallen = 0,
				keylen,
				vallen;
	bool		isnull,
				oldnull = true;
	Datum		d;
	int			rc;
	MemoryContext old = enter_row_context(m);

	d = ExecGetJunkAttribute(planSlot, m->key_junk, &isnull);
	if (isnull)
		elog(ERROR, "kt_fdw: row to update has a null key");
	ktfdw_key_bytes(&m->info, d, &oldkey, &oldlen);
	/* the value as read, for conflict_check */
	if (AttributeNumberIsValid(m->val_junk))
	{
		d = ExecGetJunkAttribute(planSlot, m->val_junk, &oldnull);
		if (!oldnull)
			ktfdw_datum_bytes(d, &oldval, &oldvallen);
	}
	new_row(m, slot, &key, &keylen, &val, &vallen);
	GOCALL(rc = ktfdw_modify_update(m->handle, GetCurrentTransactionNestLevel(),
									(char *) oldkey, oldlen,
									(char *) oldval, oldvallen, !oldnull,
									(char *) key, keylen,
									(char *) val, vallen, &st));
	finish(m, rc, &st);
	MemoryContextSwitchTo(old);
	return slot;
}

TupleTableSlot *
ktfdw_ExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
						TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	KtModifyState *m = rinfo->ri_FdwState;
	KtStatus	st = {0};
	const char *key,
			   *val = NULL;
	size_t		keylen,
				vallen = 0;
	bool		isnull;
	Datum		keyd,
				vald = (Datum) 0;
	bool		valnull = true;
	int			rc;
	MemoryContext old = enter_row_context(m);

	keyd = ExecGetJunkAttribute(planSlot, m->key_junk, &isnull);
	if (isnull)
		elog(ERROR, "kt_fdw: row to delete has a null key");
	ktfdw_key_bytes(&m->info, keyd, &key, &keylen);
	/* The deleted row: for conflict_check and RETURNING. */
	if (AttributeNumberIsValid(m->val_junk))
		vald = ExecGetJunkAttribute(planSlot, m->val_junk, &valnull);
	if (!valnull)
		ktfdw_datum_bytes(vald, &val, &vallen);
	GOCALL(rc = ktfdw_modify_delete(m->handle, GetCurrentTransactionNestLevel(),
									(char *) key, keylen,
									(char *) val, vallen, !valnull, &st));
	finish(m, rc, &st);
	MemoryContextSwitchTo(old);
	ExecClearTuple(slot);
	for (int i = 0; i < slot->tts_tupleDescriptor->natts; i++)
		slot->tts_isnull[i] = true;
	slot->tts_values[m->info.key_attno - 1] = keyd;
	slot->tts_isnull[m->info.key_attno - 1] = false;
	if (m->info.json)
	{
		/* format 'json': DELETE ... RETURNING shows the key only */
		return ExecStoreVirtualTuple(slot);
	}
	slot->tts_values[m->info.val_attno - 1] = vald;
	slot->tts_isnull[m->info.val_attno - 1] = valnull;
	return ExecStoreVirtualTuple(slot);
}
