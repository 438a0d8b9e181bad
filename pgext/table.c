/*
 * table.c: describing a foreign table to Go, and bytes <-> Datums.
 */
#include "ktfdw.h"

#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* Copy a DefElem list into name/value arrays (palloc'd). */
void
ktfdw_options(List *defs, KtOptions *out)
{
	ListCell   *lc;
	int			i = 0;

	out->n = list_length(defs);
	out->names = palloc0(sizeof(char *) * (out->n + 1));
	out->values = palloc0(sizeof(char *) * (out->n + 1));
	foreach(lc, defs)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		out->names[i] = def->defname;
		out->values[i] = defGetString(def);
		i++;
	}
}

static void
check_column_type(Relation rel, Form_pg_attribute att, const char *role)
{
	if (att->atttypid != TEXTOID && att->atttypid != BYTEAOID)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of foreign table \"%s\" has type %s, but a kt_fdw %s column must be text or bytea",
						NameStr(att->attname), RelationGetRelationName(rel),
						format_type_be(att->atttypid), role)));
}

/*
 * Fill info for rel: its server and options, and its key (first) and value
 * (second) columns, which must be text or bytea; with format 'json' the key
 * column and every other column as a value column (row.c).
 */
void
ktfdw_table_info(Relation rel, KtTableInfo *info)
{
	ForeignTable *ft = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *srv = GetForeignServer(ft->serverid);
	TupleDesc	desc = RelationGetDescr(rel);
	Form_pg_attribute *cols = palloc0(sizeof(Form_pg_attribute) * Max(desc->natts, 2));
	int			ncols = 0;
	bool		json = ktfdw_format_is_json(ft->options);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		cols[ncols++] = att;
	}
	if (json)
	{
		memset(info, 0, sizeof(*info));
		ktfdw_json_columns(rel, info, cols, ncols);
	}
	else if (ncols != 2)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_COLUMN_NUMBER),
				 errmsg("foreign table \"%s\" has %d columns, but a kt_fdw table has exactly two",
						RelationGetRelationName(rel), ncols),
				 errhint("Declare the table as (key text, value text); bytea works for either column.")));
	if (!json)
	{
		check_column_type(rel, cols[0], "key");
		check_column_type(rel, cols[1], "value");
		ktfdw_refuse_xt(rel, cols, ncols);
		memset(info, 0, sizeof(*info));
	}
	info->table.server_oid = srv->serverid;
	info->table.server_name = pstrdup(srv->servername);
	ktfdw_options(srv->options, &info->table.server_opts);
	ktfdw_options(ft->options, &info->table.table_opts);
	info->table.rel_name = pstrdup(RelationGetRelationName(rel));
	info->table.key_col = pstrdup(NameStr(cols[0]->attname));
	info->table.key_bytea = cols[0]->atttypid == BYTEAOID;
	info->key_attno = cols[0]->attnum;
	info->key_type = cols[0]->atttypid;
	if (json)
		return;
	info->table.val_bytea = cols[1]->atttypid == BYTEAOID;
	info->val_attno = cols[1]->attnum;
	info->val_type = cols[1]->atttypid;
}

/* A Datum of type text or bytea holding a copy of data. */
Datum
ktfdw_bytes_datum(Oid type, const char *data, uint32 len)
{
	bytea	   *v;

	if (type == TEXTOID)
		(void) pg_verifymbstr(data, len, false);
	v = (bytea *) palloc(VARHDRSZ + len);
	SET_VARSIZE(v, VARHDRSZ + len);
	memcpy(VARDATA(v), data, len);
	return PointerGetDatum(v);
}

/* The bytes of a text or bytea Datum (detoasted if needed). */
void
ktfdw_datum_bytes(Datum d, const char **data, size_t *len)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

	*data = VARDATA_ANY(v);
	*len = VARSIZE_ANY_EXHDR(v);
}
