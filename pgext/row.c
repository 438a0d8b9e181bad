/*
 * row.c: a row of a foreign table <-> its KT key and value.
 *
 * Format 'plain' (default): a text/bytea key column and a text/bytea value
 * column, stored as they are. Format 'json' (option format, issue 5): a key
 * column of any type (KT key = its text form) and any number of value
 * columns, stored as one JSON object. C only converts each column to and
 * from its text form with the type's output/input functions (arrays through
 * array_to_json); Go builds and parses the JSON (ktfdw_json_encode/decode).
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "datatype/timestamp.h"
#include "foreign/foreign.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

/* Is the table's option format 'json'? (The validator checked the value.) */
bool
ktfdw_format_is_json(List *table_options)
{
	ListCell   *lc;

	foreach(lc, table_options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "format") == 0)
			return strcmp(defGetString(def), "json") == 0;
	}
	return false;
}

static bool
is_raw_type(Oid type)
{
	return type == TEXTOID || type == BYTEAOID;
}

/* Stored in ISO 8601 whatever DateStyle says, as to_json() does. */
static bool
is_datetime(Oid type)
{
	return type == DATEOID || type == TIMEOID || type == TIMETZOID ||
		type == TIMESTAMPOID || type == TIMESTAMPTZOID;
}

/* The JSON category Go types a column by (fdw.Cat*). */
static char
json_category(Oid type)
{
	char		cat;
	bool		preferred;

	if (type == JSONOID || type == JSONBOID)
		return 'j';
	get_type_category_preferred(getBaseType(type), &cat, &preferred);
	switch (cat)
	{
		case TYPCATEGORY_NUMERIC:
			return 'n';
		case TYPCATEGORY_BOOLEAN:
			return 'b';
		case TYPCATEGORY_ARRAY:
			return 'a';
	}
	return 't';
}

/* Does the column have option xt 'true'? (The validator checked the value.) */
static bool
is_xt_column(Relation rel, Form_pg_attribute att)
{
	ListCell   *lc;

	foreach(lc, GetForeignColumnOptions(RelationGetRelid(rel), att->attnum))
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "xt") == 0)
			return defGetBoolean(def);
	}
	return false;
}

/* Option xt needs format 'json' (a plain table's two columns are key and value). */
void
ktfdw_refuse_xt(Relation rel, Form_pg_attribute *cols, int ncols)
{
	for (int i = 0; i < ncols; i++)
		if (is_xt_column(rel, cols[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of foreign table \"%s\" has option xt, which needs the table option format 'json'",
							NameStr(cols[i]->attname), RelationGetRelationName(rel))));
}

/*
 * The xt column of a json table, checked: timestamptz, not the key, at most
 * one. 0 if there is none.
 */
static AttrNumber
find_xt_column(Relation rel, Form_pg_attribute *cols, int ncols)
{
	AttrNumber	found = 0;

	for (int i = 0; i < ncols; i++)
	{
		if (!is_xt_column(rel, cols[i]))
			continue;
		if (i == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key column \"%s\" of foreign table \"%s\" cannot have option xt",
							NameStr(cols[i]->attname), RelationGetRelationName(rel)),
					 errhint("Option xt marks the timestamptz column that holds the record's expiration time.")));
		if (cols[i]->atttypid != TIMESTAMPTZOID)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("column \"%s\" of foreign table \"%s\" has type %s, but a column with option xt must be timestamptz",
							NameStr(cols[i]->attname), RelationGetRelationName(rel),
							format_type_be(cols[i]->atttypid))));
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("foreign table \"%s\" has more than one column with option xt",
							RelationGetRelationName(rel))));
		found = cols[i]->attnum;
	}
	return found;
}

/* Seconds between the Unix and the Postgres epoch. */
#define KT_EPOCH_DIFF ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

/*
 * The KT xt of an xt column value: absolute Unix seconds, 0 = never (NULL,
 * 'infinity'); a time at or before 1970 is already past (1).
 */
static int64
xt_of_datum(Datum d, bool isnull)
{
	TimestampTz ts;
	int64		secs;

	if (isnull)
		return 0;
	ts = DatumGetTimestampTz(d);
	if (TIMESTAMP_IS_NOEND(ts))
		return 0;
	if (TIMESTAMP_IS_NOBEGIN(ts))
		return 1;
	secs = ts / USECS_PER_SEC;
	if (ts < 0 && ts % USECS_PER_SEC != 0)
		secs--;					/* floor */
	secs += KT_EPOCH_DIFF;
	return secs > 0 ? secs : 1;
}

/*
 * Fill the json part of info: the key column's text I/O when it is not
 * text/bytea, the xt column, and every other column as a value column.
 */
void
ktfdw_json_columns(Relation rel, KtTableInfo *info, Form_pg_attribute *cols, int ncols)
{
	Oid			func;
	int			nvals = 0;

	if (ncols < 2)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_COLUMN_NUMBER),
				 errmsg("foreign table \"%s\" has %d column, but a kt_fdw table with format 'json' needs a key column and at least one value column",
						RelationGetRelationName(rel), ncols)));
	info->json = true;
	info->key_io = !is_raw_type(cols[0]->atttypid);
	if (info->key_io)
	{
		bool		varlena;

		getTypeOutputInfo(cols[0]->atttypid, &func, &varlena);
		fmgr_info(func, &info->key_out);
		getTypeInputInfo(cols[0]->atttypid, &func, &info->key_ioparam);
		fmgr_info(func, &info->key_in);
		info->key_typmod = cols[0]->atttypmod;
	}
	info->xt_attno = find_xt_column(rel, cols, ncols);
	info->table.xt_col = info->xt_attno != 0;
	info->nvals = ncols - 1 - (info->xt_attno != 0);
	info->vals = palloc0(sizeof(KtJsonCol) * Max(info->nvals, 1));
	info->val_names = palloc0(sizeof(char *) * Max(info->nvals, 1));
	info->val_cats = palloc0(Max(info->nvals, 1));
	for (int j = 1; j < ncols; j++)
	{
		Form_pg_attribute att = cols[j];
		int			i = nvals;
		KtJsonCol  *c;
		bool		varlena;

		if (att->attnum == info->xt_attno)
			continue;
		nvals++;
		c = &info->vals[i];

		c->attno = att->attnum;
		c->type = att->atttypid;
		c->typmod = att->atttypmod;
		getTypeOutputInfo(att->atttypid, &func, &varlena);
		fmgr_info(func, &c->out);
		getTypeInputInfo(att->atttypid, &func, &c->ioparam);
		fmgr_info(func, &c->in);
		info->val_names[i] = pstrdup(NameStr(att->attname));
		info->val_cats[i] = json_category(att->atttypid);
	}
}

/*
 * The equality operator of key conditions that become KT lookups: text and
 * bytea, and key types whose equality is the equality of their text form
 * (format 'json'); InvalidOid for others (their conditions stay filters).
 */
Oid
ktfdw_key_eq_operator(Oid key_type)
{
	switch (key_type)
	{
		case TEXTOID:
			return TextEqualOperator;
		case BYTEAOID:
			return ByteaEqualOperator;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case OIDOID:
		case UUIDOID:
			return lookup_type_cache(key_type, TYPECACHE_EQ_OPR)->eq_opr;
	}
	return InvalidOid;
}

/* The KT key (without prefix) of a key column value. */
void
ktfdw_key_bytes(KtTableInfo *info, Datum d, const char **data, size_t *len)
{
	if (info->key_io)
	{
		char	   *s = OutputFunctionCall(&info->key_out, d);

		*data = s;
		*len = strlen(s);
	}
	else
		ktfdw_datum_bytes(d, data, len);
}

/* The key column value of a KT key. */
Datum
ktfdw_key_datum(KtTableInfo *info, const char *data, uint32 len)
{
	if (info->key_io)
		return InputFunctionCall(&info->key_in, pnstrdup(data, len), info->key_ioparam, info->key_typmod);
	return ktfdw_bytes_datum(info->key_type, data, len);
}

/* The KT value of a json-format row (palloc'd). */
static void
json_value(KtTableInfo *info, TupleTableSlot *slot, const char *key, size_t keylen,
		   const char **val, size_t *vallen)
{
	int			n = info->nvals;
	const char **texts = palloc0(sizeof(char *) * n);
	size_t	   *lens = palloc0(sizeof(size_t) * n);
	int		   *nulls = palloc0(sizeof(int) * n);
	KtBatch		out = {0};
	KtStatus	st = {0};
	char	   *copy;
	int			rc;

	for (int i = 0; i < n; i++)
	{
		KtJsonCol  *c = &info->vals[i];
		bool		isnull;
		Datum		d = slot_getattr(slot, c->attno, &isnull);
		char	   *s;

		nulls[i] = isnull;
		if (isnull)
			continue;
		if (info->val_cats[i] == 'a')
			s = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(array_to_json, d)));
		else if (is_datetime(c->type))
		{
			const int	utc = 0;

			/* ISO 8601 as to_json(), timestamptz in UTC: not session-dependent */
			s = JsonEncodeDateTime(NULL, d, c->type, &utc);
		}
		else
			s = OutputFunctionCall(&c->out, d);
		texts[i] = s;
		lens[i] = strlen(s);
	}
	GOCALL(rc = ktfdw_json_encode((char *) info->table.rel_name, (char *) key, keylen, n,
								  (char **) info->val_names, info->val_cats,
								  (char **) texts, lens, nulls, &out, &st));
	ktfdw_check(rc, &st);
	if (info->xt_attno)
	{
		/* the header fdw/xt.go describes: 0x01, int64 xt, then the JSON */
		bool		isnull;
		Datum		d = slot_getattr(slot, info->xt_attno, &isnull);
		int64		xt = xt_of_datum(d, isnull);

		copy = palloc(KT_XT_HEADER_LEN + out.len + 1);
		copy[0] = KT_XT_HEADER;
		memcpy(copy + 1, &xt, sizeof(int64));
		memcpy(copy + KT_XT_HEADER_LEN, out.data, out.len);
		free(out.data);
		*val = copy;
		*vallen = KT_XT_HEADER_LEN + out.len;
		return;
	}
	copy = palloc(out.len + 1);
	memcpy(copy, out.data, out.len);
	free(out.data);
	*val = copy;
	*vallen = out.len;
}

/*
 * The KT key and value of the row in slot. NULL keys (and NULL values of
 * plain tables: KT stores no NULL) are refused with 23502.
 */
void
ktfdw_row_bytes(KtTableInfo *info, TupleTableSlot *slot, const char **key, size_t *keylen,
				const char **val, size_t *vallen)
{
	bool		isnull;
	Datum		d;

	d = slot_getattr(slot, info->key_attno, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
						info->table.key_col, info->table.rel_name),
				 errdetail("The key column of a kt_fdw table is the KT record key, which cannot be null.")));
	ktfdw_key_bytes(info, d, key, keylen);
	if (info->json)
	{
		json_value(info, slot, *key, *keylen, val, vallen);
		return;
	}

	d = slot_getattr(slot, info->val_attno, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
						NameStr(TupleDescAttr(slot->tts_tupleDescriptor, info->val_attno - 1)->attname),
						info->table.rel_name),
				 errdetail("A KT record always has a value; kt_fdw cannot store NULL."),
				 errhint("Store an empty value ('') instead, or DELETE the row.")));
	ktfdw_datum_bytes(d, val, vallen);
}

/*
 * Fill values/isnull (natts entries) from a KT record. Columns the query
 * does not read (need_key, need_value false) stay NULL.
 */
void
ktfdw_fill_row(KtTableInfo *info, int natts, const char *key, uint32 keylen,
			   const char *val, uint32 vallen, bool need_key, bool need_value,
			   Datum *values, bool *isnull)
{
	for (int i = 0; i < natts; i++)
		isnull[i] = true;
	if (need_key)
	{
		values[info->key_attno - 1] = ktfdw_key_datum(info, key, keylen);
		isnull[info->key_attno - 1] = false;
	}
	if (!need_value)
		return;
	if (!info->json)
	{
		values[info->val_attno - 1] = ktfdw_bytes_datum(info->val_type, val, vallen);
		isnull[info->val_attno - 1] = false;
		return;
	}
	if (vallen >= KT_XT_HEADER_LEN && val[0] == KT_XT_HEADER)
	{
		int64		xt;

		memcpy(&xt, val + 1, sizeof(int64));
		val += KT_XT_HEADER_LEN;
		vallen -= KT_XT_HEADER_LEN;
		if (info->xt_attno && xt != 0)
		{
			values[info->xt_attno - 1] = TimestampTzGetDatum((xt - KT_EPOCH_DIFF) * USECS_PER_SEC);
			isnull[info->xt_attno - 1] = false;
		}
	}
	{
		KtBatch		out = {0};
		KtStatus	st = {0};
		size_t		pos = 0;
		int			rc;

		GOCALL(rc = ktfdw_json_decode((char *) info->table.rel_name, (char *) key, keylen,
									  (char *) val, vallen, info->nvals,
									  (char **) info->val_names, info->val_cats, &out, &st));
		ktfdw_check(rc, &st);
		for (int i = 0; i < info->nvals; i++)
		{
			KtJsonCol  *c = &info->vals[i];
			uint32		len;
			char	   *s;

			memcpy(&len, out.data + pos, sizeof(uint32));
			pos += sizeof(uint32);
			if (len == KT_JSON_NULL)
				continue;
			s = pnstrdup(out.data + pos, len);
			pos += len;
			PG_TRY();
			{
				values[c->attno - 1] = InputFunctionCall(&c->in, s, c->ioparam, c->typmod);
			}
			PG_CATCH();
			{
				free(out.data);
				PG_RE_THROW();
			}
			PG_END_TRY();
			isnull[c->attno - 1] = false;
		}
		free(out.data);
	}
}
