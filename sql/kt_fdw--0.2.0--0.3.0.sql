-- kt_fdw 0.2.0 -> 0.3.0 (ALTER EXTENSION kt_fdw UPDATE TO '0.3.0').
-- kt_fdw_sync becomes a C function (pgext/sync.c: no SQL and no KT read per
-- row); the PL/pgSQL function of 0.2.0 stays, as kt_fdw_sync_checked, for
-- what the C function hands to it (TRUNCATE, misuse, special targets). An
-- updated installation has exactly the objects of a fresh 0.3.0 one (the
-- versions regression test compares them). Existing triggers keep working:
-- they reference kt_fdw_sync, which is replaced in place.
\echo Use "ALTER EXTENSION kt_fdw UPDATE TO '0.3.0'" to load this file. \quit

-- kt_fdw_sync_checked (internal): the 0.2.0 PL/pgSQL trigger function.
CREATE FUNCTION kt_fdw_sync_checked()
RETURNS trigger
LANGUAGE plpgsql
AS $kt_fdw_sync$
DECLARE
  target    regclass;
  key_col   text;
  val_col   text;
  ft_key    text;
  ft_key_t  text;
  ft_val    text;
  ft_val_t  text;
  old_key   text;
  new_key   text;
  new_val   text;
  n         bigint;
  is_json   bool;
  is_kt     bool;
  pk_col    text;
  has_key   bool;
  has_val   bool;
BEGIN
  IF TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION 'kt_fdw_sync must be fired AFTER the change (trigger "%" on "%" is %)',
        TG_NAME, TG_TABLE_NAME, TG_WHEN
      USING ERRCODE = 'trigger_protocol_violated',
            HINT = 'KT is written at COMMIT anyway; use CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.';
  END IF;
  IF TG_NARGS < 1 OR TG_NARGS > 3 THEN
    RAISE EXCEPTION 'kt_fdw_sync takes 1 to 3 arguments, trigger "%" passes %', TG_NAME, TG_NARGS
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Arguments: the foreign table, optionally the key column and the value column, e.g. kt_fdw_sync(''rules_kt'', ''name'', ''action'').';
  END IF;
  target := TG_ARGV[0]::regclass;
  key_col := NULLIF(TG_ARGV[1], '');
  val_col := NULLIF(TG_ARGV[2], '');
  -- everything the trigger needs from the catalogs, in one query: is the
  -- target a kt_fdw table (with format 'json'?), its first two columns,
  -- the source's primary key, and whether the named columns exist
  SELECT coalesce(h.proname = 'kt_fdw_handler', false),
         coalesce('format=json' = ANY (ft.ftoptions), false),
         c.names[1], c.types[1], c.names[2], c.types[2], pk.col, pk.n,
         EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attname = coalesce(key_col, pk.col)),
         val_col IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attname = val_col)
    INTO is_kt, is_json, ft_key, ft_key_t, ft_val, ft_val_t, pk_col, n, has_key, has_val
    FROM (SELECT target::oid AS oid) t
    LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = t.oid
    LEFT JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
    LEFT JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
    LEFT JOIN pg_catalog.pg_proc h ON h.oid = w.fdwhandler
    CROSS JOIN LATERAL (
      SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum) AS names,
             pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
        FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped) c
    CROSS JOIN LATERAL (
      SELECT pg_catalog.min(a.attname)::text AS col, pg_catalog.count(*) AS n
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = TG_RELID AND i.indisprimary) pk;
  IF NOT is_kt THEN
    RAISE EXCEPTION '"%" is not a kt_fdw foreign table', target
      USING ERRCODE = 'wrong_object_type';
  END IF;

  IF TG_OP = 'TRUNCATE' THEN
    EXECUTE pg_catalog.format('TRUNCATE %s', target);
    RETURN NULL;
  END IF;
  IF TG_LEVEL <> 'ROW' THEN
    RAISE EXCEPTION 'kt_fdw_sync must be fired FOR EACH ROW for %', TG_OP
      USING ERRCODE = 'trigger_protocol_violated',
            HINT = 'Only AFTER TRUNCATE is a statement-level kt_fdw_sync trigger.';
  END IF;

  -- the source's key column: named, or the single-column primary key
  IF key_col IS NULL THEN
    IF n <> 1 THEN
      RAISE EXCEPTION 'kt_fdw_sync cannot find the key column of "%"', TG_TABLE_NAME
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = CASE WHEN n = 0 THEN 'The table has no primary key.'
                            ELSE 'Its primary key has ' || n || ' columns.' END,
              HINT = 'Name the key column as the second trigger argument.';
    END IF;
    key_col := pk_col;
  END IF;
  IF NOT has_key OR NOT has_val THEN
    RAISE EXCEPTION 'kt_fdw_sync: column "%" of relation "%" does not exist',
        CASE WHEN has_key THEN val_col ELSE key_col END, TG_TABLE_NAME
      USING ERRCODE = 'undefined_column';
  END IF;
  -- a format 'json' target takes the source's columns by name instead
  IF is_json AND val_col IS NOT NULL THEN
    RAISE EXCEPTION 'kt_fdw_sync: "%" has format ''json'', which takes the columns of "%" by name', target, TG_TABLE_NAME
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Leave out the value column argument.';
  END IF;

  -- the KT records of the old and the new row (NULL key or value: none)
  -- (one dynamic statement for both rows: $1 = OLD, $2 = NEW; NULL when absent)
  EXECUTE pg_catalog.format('SELECT ($1).%I::text, ($2).%I::text, %s',
                            key_col, key_col,
                            CASE WHEN is_json OR val_col IS NULL THEN 'NULL::text'
                                 ELSE pg_catalog.format('($2).%I::text', val_col) END)
    INTO old_key, new_key, new_val
    USING OLD, NEW;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF is_json THEN
      new_val := (pg_catalog.to_jsonb(NEW) || pg_catalog.jsonb_build_object(ft_key, new_key))::text;
    ELSIF val_col IS NULL THEN
      new_val := pg_catalog.to_jsonb(NEW)::text;
    END IF;
  END IF;

  IF old_key IS NOT NULL AND (new_key IS DISTINCT FROM old_key OR new_val IS NULL) THEN
    EXECUTE pg_catalog.format('DELETE FROM %s WHERE %I = $1::%s', target, ft_key, ft_key_t)
      USING old_key;
  END IF;
  IF new_key IS NOT NULL AND is_json THEN
    EXECUTE pg_catalog.format('DELETE FROM %s WHERE %I = $1::%s', target, ft_key, ft_key_t)
      USING new_key;
    EXECUTE pg_catalog.format('INSERT INTO %s SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%s, $1::jsonb)',
                              target, target)
      USING new_val;
  ELSIF new_key IS NOT NULL AND new_val IS NOT NULL THEN
    EXECUTE pg_catalog.format('UPDATE %s SET %I = $2::%s WHERE %I = $1::%s',
                              target, ft_val, ft_val_t, ft_key, ft_key_t)
      USING new_key, new_val;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
      EXECUTE pg_catalog.format('INSERT INTO %s (%I, %I) VALUES ($1::%s, $2::%s)',
                                target, ft_key, ft_val, ft_key_t, ft_val_t)
        USING new_key, new_val;
    END IF;
  END IF;
  RETURN NULL;
END
$kt_fdw_sync$;

CREATE OR REPLACE FUNCTION kt_fdw_sync()
RETURNS trigger
AS 'MODULE_PATHNAME'
LANGUAGE C;
