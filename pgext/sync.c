/*
 * sync.c: the trigger function kt_fdw_sync (doc/sync.md), since 0.3.0.
 *
 * Per changed row, C gathers what only Postgres knows: the old and new key
 * and the new value in their text forms (as the 0.2.0 PL/pgSQL trigger's
 * ::text casts and to_jsonb() made them), converted to the target's KT key
 * and value the way its statements through the foreign table did (json
 * targets through jsonb_populate_record and the FDW's own row encoding,
 * row.c). Go buffers the final state blindly (fdw/sync.go): no SQL, no KT
 * round trip; the commit applies it with the transaction's other writes.
 *
 * What a trigger needs from the catalogs is resolved once per trigger and
 * cached (in CacheMemoryContext), invalidated by relcache and syscache
 * callbacks as postgres_fdw's connection cache is. Everything unusual runs
 * kt_fdw_sync_checked() instead, the 0.2.0 PL/pgSQL function, on the same
 * trigger data: TRUNCATE, misuse (so its documented errors stay exactly
 * the same), targets the fast path cannot write like the foreign table's
 * own statements would (triggers on it, generated columns, a partition,
 * readonly, conflict_check, missing privileges).
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_index.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_coerce.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(kt_fdw_sync);

/* How a source column becomes text, as its ::text cast does. */
typedef enum
{
	TEXT_AS_IS,					/* text, or binary-coercible to it */
	TEXT_BY_FUNC,				/* a cast function (bool, bpchar, inet, ...) */
	TEXT_BY_OUTPUT				/* the type's output function */
} TextHow;

typedef struct TextCast
{
	TextHow		how;
	FmgrInfo	fn;
} TextCast;

/* One trigger's resolved catalog facts. */
typedef struct SyncEntry
{
	Oid			tgoid;			/* hash key */
	bool		valid;			/* cleared by the invalidation callbacks */
	bool		checked;		/* run kt_fdw_sync_checked() instead */
	Oid			source;
	Oid			target;
	Oid			userid;			/* whose privileges were checked */
	MemoryContext cxt;			/* holds all below; deleting it releases handle */
	uintptr_t  *handle;			/* Go fdw.Sync (in cxt) */
	AttrNumber	key_attno;		/* source key column */
	AttrNumber	val_attno;		/* source value column; 0: the row as JSON */
	TextCast	key_text;
	TextCast	val_text;
	bool		json;			/* target has format 'json' */
	KtTableInfo info;			/* the target */
	FmgrInfo	to_jsonb;		/* to_jsonb(source row) */
	FmgrInfo	populate;		/* jsonb_populate_record(NULL::target, ...) */
	TupleTableSlot *slot;		/* a target row (json) */
} SyncEntry;

static HTAB *sync_cache = NULL;
static bool sync_sweep = false;	/* some entry went invalid */
static int	sync_depth = 0;		/* kt_fdw_sync calls converting a row */

/* ---- cache invalidation ---- */

static void
invalidate_all(void)
{
	HASH_SEQ_STATUS scan;
	SyncEntry  *e;

	hash_seq_init(&scan, sync_cache);
	while ((e = hash_seq_search(&scan)) != NULL)
		e->valid = false;
	sync_sweep = true;
}

/* A relation changed: entries whose source or target it is are stale. */
static void
sync_relcache_cb(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS scan;
	SyncEntry  *e;

	hash_seq_init(&scan, sync_cache);
	while ((e = hash_seq_search(&scan)) != NULL)
		if (relid == InvalidOid || relid == e->source || relid == e->target)
		{
			e->valid = false;
			sync_sweep = true;
		}
}

/*
 * Free the invalid entries (those of dropped triggers would otherwise stay
 * for the session). Not from the callbacks: they run wherever invalidations
 * are accepted, also while a row is converted with an entry's state, so
 * only here, when no kt_fdw_sync call holds an entry.
 */
static void
sweep_invalid(void)
{
	HASH_SEQ_STATUS scan;
	SyncEntry  *e;

	if (!sync_sweep || sync_depth > 0 || sync_cache == NULL)
		return;
	sync_sweep = false;
	hash_seq_init(&scan, sync_cache);
	while ((e = hash_seq_search(&scan)) != NULL)
	{
		if (e->valid)
			continue;
		if (e->cxt)
			MemoryContextDelete(e->cxt);	/* releases the Go handle */
		hash_search(sync_cache, &e->tgoid, HASH_REMOVE, NULL);
	}
}

/* A server, wrapper, foreign table or role membership changed. */
static void
sync_syscache_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	invalidate_all();
}

static SyncEntry *
cache_entry(Oid tgoid)
{
	SyncEntry  *e;
	bool		found;

	if (sync_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(SyncEntry);
		sync_cache = hash_create("kt_fdw_sync triggers", 16, &ctl, HASH_ELEM | HASH_BLOBS);
		CacheRegisterRelcacheCallback(sync_relcache_cb, (Datum) 0);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, sync_syscache_cb, (Datum) 0);
		CacheRegisterSyscacheCallback(FOREIGNDATAWRAPPEROID, sync_syscache_cb, (Datum) 0);
		CacheRegisterSyscacheCallback(FOREIGNTABLEREL, sync_syscache_cb, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, sync_syscache_cb, (Datum) 0);
	}
	e = hash_search(sync_cache, &tgoid, HASH_ENTER, &found);
	if (!found)
	{
		memset((char *) e + sizeof(Oid), 0, sizeof(SyncEntry) - sizeof(Oid));
		e->valid = false;
	}
	return e;
}

static void
release_handle(void *arg)
{
	uintptr_t  *h = arg;

	if (*h)
	{
		uintptr_t	v = *h;

		*h = 0;
		GOCALL(ktfdw_release(v));
	}
}

/* ---- building an entry ---- */

static void
text_cast(SyncEntry *e, TextCast *c, Oid type)
{
	Oid			func;
	bool		varlena;
	CoercionPathType path;

	type = getBaseType(type);
	path = type == TEXTOID ? COERCION_PATH_RELABELTYPE :
		find_coercion_pathway(TEXTOID, type, COERCION_EXPLICIT, &func);
	if (path == COERCION_PATH_RELABELTYPE)
		c->how = TEXT_AS_IS;
	else if (path == COERCION_PATH_FUNC)
	{
		c->how = TEXT_BY_FUNC;
		fmgr_info_cxt(func, &c->fn, e->cxt);
	}
	else
	{
		c->how = TEXT_BY_OUTPUT;
		getTypeOutputInfo(type, &func, &varlena);
		fmgr_info_cxt(func, &c->fn, e->cxt);
	}
}

/* fn as a call of fn(arg types...): polymorphic functions read their argument types. */
static void
poly_fn(SyncEntry *e, FmgrInfo *fl, Oid fn, Oid rettype, Oid arg1, Oid arg2)
{
	List	   *args;

	fmgr_info_cxt(fn, fl, e->cxt);
	args = list_make1(makeNullConst(arg1, -1, InvalidOid));
	if (OidIsValid(arg2))
		args = lappend(args, makeNullConst(arg2, -1, InvalidOid));
	fl->fn_expr = (Node *) makeFuncExpr(fn, rettype, args, InvalidOid, InvalidOid,
										COERCE_EXPLICIT_CALL);
}

/* Is the relation a foreign table of a wrapper whose handler is kt_fdw_handler? */
static bool
is_kt_table(Oid relid)
{
	HeapTuple	tp = SearchSysCache1(FOREIGNTABLEREL, ObjectIdGetDatum(relid));
	Oid			serverid;
	ForeignServer *srv;
	ForeignDataWrapper *w;
	char	   *name;

	if (!HeapTupleIsValid(tp))
		return false;
	serverid = ((Form_pg_foreign_table) GETSTRUCT(tp))->ftserver;
	ReleaseSysCache(tp);
	srv = GetForeignServer(serverid);
	w = GetForeignDataWrapper(srv->fdwid);
	if (!OidIsValid(w->fdwhandler))
		return false;
	name = get_func_name(w->fdwhandler);
	return name != NULL && strcmp(name, "kt_fdw_handler") == 0;
}

/* Does a column have option xt 'true'? */
static bool
has_xt(Oid relid, AttrNumber attno)
{
	ListCell   *lc;

	foreach(lc, GetForeignColumnOptions(relid, attno))
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "xt") == 0)
			return defGetBoolean(def);
	}
	return false;
}

/*
 * Can ktfdw_table_info describe the target without raising, and do writes
 * through the foreign table do nothing but buffer? (Else the checked path
 * runs the statements, which raise or fire what they must.)
 */
static bool
target_is_plain_writable(Relation rel, bool json)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			ncols = 0,
				nxt = 0;

	if (rel->trigdesc != NULL || rel->rd_rel->relispartition ||
		(desc->constr && desc->constr->has_generated_stored))
		return false;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		ncols++;
		if (has_xt(RelationGetRelid(rel), att->attnum))
		{
			if (!json || ncols == 1 || att->atttypid != TIMESTAMPTZOID)
				return false;
			nxt++;
		}
		else if (!json && ncols <= 2 && att->atttypid != TEXTOID && att->atttypid != BYTEAOID)
			return false;
	}
	return json ? (ncols >= 2 && nxt <= 1) : ncols == 2;
}

/*
 * The source's key column: the named one, or the single-column primary key
 * (any, deferrable ones too: rd_pkindex leaves those out).
 */
static AttrNumber
source_key(Relation src, const char *key_col)
{
	ListCell   *lc;
	AttrNumber	attno = InvalidAttrNumber;

	if (key_col)
		return get_attnum(RelationGetRelid(src), key_col);
	foreach(lc, RelationGetIndexList(src))
	{
		HeapTuple	tp = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index idx;

		if (!HeapTupleIsValid(tp))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tp);
		if (idx->indisprimary && idx->indnatts == 1)
			attno = idx->indkey.values[0];
		ReleaseSysCache(tp);
		if (attno != InvalidAttrNumber)
			break;
	}
	return attno;
}

/*
 * Resolve e for trigger data td writing into target (locked). Sets
 * e->checked when anything is unusual. The entry is marked valid first, so
 * an invalidation arriving while it is built makes the next row rebuild it.
 */
static void
build_entry(SyncEntry *e, TriggerData *td, Oid target)
{
	Trigger    *tg = td->tg_trigger;
	Relation	src = td->tg_relation;
	const char *key_col = tg->tgnargs > 1 && tg->tgargs[1][0] ? tg->tgargs[1] : NULL;
	const char *val_col = tg->tgnargs > 2 && tg->tgargs[2][0] ? tg->tgargs[2] : NULL;
	const AclMode all = ACL_SELECT | ACL_INSERT | ACL_UPDATE | ACL_DELETE;
	MemoryContext old;
	MemoryContextCallback *cb;
	Relation	rel;
	KtStatus	st = {0};
	int			blind = 0;
	int			rc;

	/*
	 * Invalid until rebuilt: if an allocation below fails, the next call
	 * builds the entry again instead of using freed memory.
	 */
	e->valid = false;
	e->checked = true;
	e->handle = NULL;
	if (e->cxt)
	{
		MemoryContext dead = e->cxt;

		e->cxt = NULL;
		MemoryContextDelete(dead);	/* releases the old handle */
	}
	e->cxt = AllocSetContextCreate(CacheMemoryContext, "kt_fdw_sync trigger", ALLOCSET_SMALL_SIZES);
	e->handle = MemoryContextAllocZero(e->cxt, sizeof(uintptr_t));
	cb = MemoryContextAllocZero(e->cxt, sizeof(MemoryContextCallback));
	cb->func = release_handle;
	cb->arg = e->handle;
	MemoryContextRegisterResetCallback(e->cxt, cb);
	e->valid = true;
	e->checked = true;
	e->source = RelationGetRelid(src);
	e->target = target;
	e->userid = GetUserId();

	if (!OidIsValid(target) || !is_kt_table(target))
		return;
	e->key_attno = source_key(src, key_col);
	e->val_attno = val_col ? get_attnum(e->source, val_col) : 0;
	if (e->key_attno <= 0 || (val_col && e->val_attno <= 0))
		return;
	if (pg_class_aclmask(target, e->userid, all, ACLMASK_ALL) != all)
		return;

	old = MemoryContextSwitchTo(e->cxt);
	rel = relation_open(target, NoLock);
	e->json = ktfdw_format_is_json(GetForeignTable(target)->options);
	if ((e->json && val_col) || !target_is_plain_writable(rel, e->json))
	{
		relation_close(rel, NoLock);
		MemoryContextSwitchTo(old);
		return;
	}
	ktfdw_table_info(rel, &e->info);
	text_cast(e, &e->key_text, TupleDescAttr(RelationGetDescr(src), e->key_attno - 1)->atttypid);
	if (e->val_attno)
		text_cast(e, &e->val_text, TupleDescAttr(RelationGetDescr(src), e->val_attno - 1)->atttypid);
	if (e->json || !e->val_attno)
		poly_fn(e, &e->to_jsonb, F_TO_JSONB, JSONBOID, src->rd_rel->reltype, InvalidOid);
	if (e->json)
	{
		poly_fn(e, &e->populate, F_JSONB_POPULATE_RECORD, rel->rd_rel->reltype,
				rel->rd_rel->reltype, JSONBOID);
		e->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(rel)),
										   &TTSOpsHeapTuple);
	}
	relation_close(rel, NoLock);
	MemoryContextSwitchTo(old);

	GOCALL(rc = ktfdw_sync_open(&e->info.table, e->handle, &blind, &st));
	if (rc != KT_OK)
	{
		/* bad options: the foreign table's statements report them */
		free(st.message);
		free(st.detail);
		free(st.hint);
		return;
	}
	e->checked = !blind;
}

/* ---- per row ---- */

/* The text form of a column (NULL for NULL), as ::text makes it. */
static char *
column_text(TextCast *c, HeapTuple tup, TupleDesc desc, AttrNumber attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);

	if (isnull)
		return NULL;
	switch (c->how)
	{
		case TEXT_AS_IS:
			return TextDatumGetCString(d);
		case TEXT_BY_FUNC:
			return TextDatumGetCString(FunctionCall1(&c->fn, d));
		case TEXT_BY_OUTPUT:
			break;
	}
	return OutputFunctionCall(&c->fn, d);
}

static Datum
row_to_jsonb(SyncEntry *e, HeapTuple tup, TupleDesc desc)
{
	LOCAL_FCINFO(fc, 1);
	Datum		r;

	InitFunctionCallInfoData(*fc, &e->to_jsonb, 1, InvalidOid, NULL, NULL);
	fc->args[0].value = heap_copy_tuple_as_datum(tup, desc);
	fc->args[0].isnull = false;
	r = FunctionCallInvoke(fc);
	if (fc->isnull)
		elog(ERROR, "kt_fdw_sync: to_jsonb returned NULL");
	return r;
}

/* text as the target's plain key or value column (text, or bytea as $1::bytea). */
static void
plain_bytes(const char *s, bool bytea, const char **data, size_t *len)
{
	if (bytea)
	{
		ktfdw_datum_bytes(DirectFunctionCall1(byteain, CStringGetDatum(s)), data, len);
		return;
	}
	*data = s;
	*len = strlen(s);
}

/* The KT key (without prefix) of a json target's key column value given as text. */
static void
json_key_bytes(SyncEntry *e, const char *s, const char **data, size_t *len)
{
	KtTableInfo *info = &e->info;

	if (info->key_io)
	{
		Datum		d = InputFunctionCall(&info->key_in, (char *) s, info->key_ioparam, info->key_typmod);

		ktfdw_key_bytes(info, d, data, len);
		return;
	}
	plain_bytes(s, info->table.key_bytea, data, len);
}

/*
 * The json target's row for the new source row: jsonb_populate_record(
 * NULL::target, to_jsonb(NEW) || {key column: new key}), encoded as the
 * FDW's INSERT encodes it (row.c).
 */
static void
json_row(SyncEntry *e, HeapTuple tup, TupleDesc desc, const char *newkey,
		 const char **key, size_t *keylen, const char **val, size_t *vallen)
{
	LOCAL_FCINFO(fc, 2);
	JsonbParseState *ps = NULL;
	JsonbValue	k,
				v,
			   *obj;
	Datum		j,
				rec;
	HeapTupleHeader th;
	HeapTupleData row;

	k.type = jbvString;
	k.val.string.val = (char *) e->info.table.key_col;
	k.val.string.len = strlen(e->info.table.key_col);
	v.type = jbvString;
	v.val.string.val = (char *) newkey;
	v.val.string.len = strlen(newkey);
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	pushJsonbValue(&ps, WJB_KEY, &k);
	pushJsonbValue(&ps, WJB_VALUE, &v);
	obj = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	j = DirectFunctionCall2(jsonb_concat, row_to_jsonb(e, tup, desc),
							JsonbPGetDatum(JsonbValueToJsonb(obj)));

	InitFunctionCallInfoData(*fc, &e->populate, 2, InvalidOid, NULL, NULL);
	fc->args[0].value = (Datum) 0;
	fc->args[0].isnull = true;
	fc->args[1].value = j;
	fc->args[1].isnull = false;
	rec = FunctionCallInvoke(fc);
	if (fc->isnull)
		elog(ERROR, "kt_fdw_sync: jsonb_populate_record returned NULL");
	th = DatumGetHeapTupleHeader(rec);
	row.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&row.t_self);
	row.t_tableOid = InvalidOid;
	row.t_data = th;
	ExecStoreHeapTuple(&row, e->slot, false);
	ktfdw_row_bytes(&e->info, e->slot, key, keylen, val, vallen);
	ExecClearTuple(e->slot);
}

static void
sync_row(SyncEntry *e, TriggerData *td)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	oldtup = NULL,
				newtup = NULL;
	char	   *oldkey = NULL,
			   *newkey = NULL,
			   *newval = NULL;
	const char *ok = NULL,
			   *nk = NULL,
			   *nv = NULL;
	size_t		okl = 0,
				nkl = 0,
				nvl = 0;
	KtStatus	st = {0};
	int			rc;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		newtup = td->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		oldtup = td->tg_trigtuple;
		newtup = td->tg_newtuple;
	}
	else
		oldtup = td->tg_trigtuple;

	if (oldtup)
		oldkey = column_text(&e->key_text, oldtup, desc, e->key_attno);
	if (newtup)
	{
		newkey = column_text(&e->key_text, newtup, desc, e->key_attno);
		if (!e->json && e->val_attno)
			newval = column_text(&e->val_text, newtup, desc, e->val_attno);
		else if (!e->json)
			newval = DatumGetCString(DirectFunctionCall1(jsonb_out, row_to_jsonb(e, newtup, desc)));
	}

	if (oldkey)
	{
		if (e->json)
			json_key_bytes(e, oldkey, &ok, &okl);
		else
			plain_bytes(oldkey, e->info.table.key_bytea, &ok, &okl);
	}
	if (newkey && e->json)
		json_row(e, newtup, desc, newkey, &nk, &nkl, &nv, &nvl);
	else if (newkey)
	{
		plain_bytes(newkey, e->info.table.key_bytea, &nk, &nkl);
		if (newval)
			plain_bytes(newval, e->info.table.val_bytea, &nv, &nvl);
	}

	GOCALL(rc = ktfdw_sync_row(*e->handle, GetCurrentTransactionNestLevel(),
							   (char *) ok, okl, ok != NULL,
							   (char *) nk, nkl, nk != NULL,
							   (char *) nv, nvl, nv != NULL, &st));
	ktfdw_check(rc, &st);
}

/* ---- the checked path ---- */

static Oid	resolve_target(const char *arg);

/*
 * Run kt_fdw_sync_checked() (the PL/pgSQL trigger of 0.2.0) on this call's
 * trigger data. It runs with a fixed search_path, so the target argument is
 * handed over schema-qualified when the caller's search_path resolves it
 * (else as given: its ::regclass then raises the error).
 */
static Datum
run_checked(FunctionCallInfo fcinfo)
{
	TriggerData tdq;
	Trigger		tgq;
	fmNodePtr	context = fcinfo->context;

	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	Oid			fn = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
									 CStringGetDatum("kt_fdw_sync_checked"),
									 PointerGetDatum(buildoidvector(NULL, 0)),
									 ObjectIdGetDatum(nsp));
	FmgrInfo	fl;
	Datum		r;

	LOCAL_FCINFO(fc, 0);

	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("kt_fdw_sync needs the function kt_fdw_sync_checked() in schema \"%s\"",
						get_namespace_name(nsp)),
				 errhint("Update the extension: ALTER EXTENSION kt_fdw UPDATE.")));
	if (CALLED_AS_TRIGGER(fcinfo) && ((TriggerData *) context)->tg_trigger->tgnargs >= 1)
	{
		TriggerData *td = (TriggerData *) context;
		Oid			target = resolve_target(td->tg_trigger->tgargs[0]);

		if (OidIsValid(target) && get_rel_name(target) != NULL)
		{
			tdq = *td;
			tgq = *td->tg_trigger;
			tgq.tgargs = palloc(sizeof(char *) * tgq.tgnargs);
			memcpy(tgq.tgargs, td->tg_trigger->tgargs, sizeof(char *) * tgq.tgnargs);
			tgq.tgargs[0] = quote_qualified_identifier(get_namespace_name(get_rel_namespace(target)),
													   get_rel_name(target));
			tdq.tg_trigger = &tgq;
			context = (fmNodePtr) &tdq;
		}
	}
	fmgr_info(fn, &fl);
	InitFunctionCallInfoData(*fc, &fl, 0, fcinfo->fncollation, context, fcinfo->resultinfo);
	r = FunctionCallInvoke(fc);
	fcinfo->isnull = fc->isnull;
	return r;
}

/*
 * The relation a table name resolves to with the session's search_path, as
 * regclassin does for a name; InvalidOid, without raising, for anything
 * else (no such table, bad syntax, an OID, a database name): the checked
 * path then raises the error its ::regclass raises, with its context.
 */
static Oid
resolve_target(const char *arg)
{
	char	   *copy = pstrdup(arg);
	List	   *parts,
			   *names;

	if (strspn(arg, "0123456789") == strlen(arg) || strcmp(arg, "-") == 0)
		return InvalidOid;		/* regclassin takes these as OIDs */
	if (!SplitIdentifierString(copy, '.', &parts) || list_length(parts) < 1 ||
		list_length(parts) > 2)
		return InvalidOid;
#if PG_VERSION_NUM >= 160000	/* grew a soft-error context in 16 */
	names = stringToQualifiedNameList(arg, NULL);
#else
	names = stringToQualifiedNameList(arg);
#endif
	return RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
}

/*
 * kt_fdw_sync(target [, key column [, value column]]): AFTER INSERT OR
 * UPDATE OR DELETE FOR EACH ROW; AFTER TRUNCATE FOR EACH STATEMENT.
 */
Datum
kt_fdw_sync(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	SyncEntry  *e;
	Oid			target;

	if (!CALLED_AS_TRIGGER(fcinfo))
		return run_checked(fcinfo);
	td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) ||
		td->tg_trigger->tgnargs < 1 || td->tg_trigger->tgnargs > 3)
		return run_checked(fcinfo);

	/*
	 * Called from within another call's row conversion (a cast or to_jsonb
	 * running SQL that changes a synced table): that call is using its
	 * entry (FmgrInfos, slot, handle), which this one must neither rebuild
	 * (a different user, an invalidation) nor share, so take the checked
	 * path.
	 */
	if (sync_depth > 0)
		return run_checked(fcinfo);

	/* the target as TG_ARGV[0]::regclass resolves it, locked as its UPDATE would */
	target = resolve_target(td->tg_trigger->tgargs[0]);
	if (!OidIsValid(target))
		return run_checked(fcinfo);
	LockRelationOid(target, RowExclusiveLock);

	sweep_invalid();
	e = cache_entry(td->tg_trigger->tgoid);
	if (!e->valid || e->target != target || e->source != RelationGetRelid(td->tg_relation) ||
		e->userid != GetUserId())
		build_entry(e, td, target);
	if (e->checked)
		return run_checked(fcinfo);
	/* its writes are the current user's, as through the foreign table */
	ktfdw_require_user_mapping(GetUserId(), e->info.table.server_oid);
	sync_depth++;
	PG_TRY();
	{
		sync_row(e, td);
	}
	PG_FINALLY();
	{
		sync_depth--;
	}
	PG_END_TRY();
	return PointerGetDatum(NULL);
}
