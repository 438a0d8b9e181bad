-- kt_fdw 0.3.0 -> 0.4.0 (ALTER EXTENSION kt_fdw UPDATE TO '0.4.0').
-- The extension stays in the schema it was created in (no longer
-- relocatable): its PL/pgSQL functions call each other as @extschema@.name
-- and run with a fixed search_path, so a caller's search_path cannot
-- change what they call. kt_fdw_reconcile becomes a SQL function with a
-- standard body that hands the caller's search_path to kt_fdw_reconcile_run.
-- An updated installation has exactly the objects of a fresh 0.4.0 one (the
-- versions regression test compares them).
\echo Use "ALTER EXTENSION kt_fdw UPDATE TO '0.4.0'" to load this file. \quit

-- kt_fdw_sync_checked (internal): a fixed search_path; kt_fdw_sync hands it
-- the target schema-qualified.
CREATE OR REPLACE FUNCTION kt_fdw_sync_checked()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $kt_fdw_sync$
DECLARE
  target    regclass;
  tname     text;     -- target's name, for messages
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
  SELECT c.relname INTO tname FROM pg_catalog.pg_class c WHERE c.oid = target;
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
    RAISE EXCEPTION '"%" is not a kt_fdw foreign table', tname
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
    RAISE EXCEPTION 'kt_fdw_sync: "%" has format ''json'', which takes the columns of "%" by name', tname, TG_TABLE_NAME
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

-- kt_fdw_reconcile_batch (internal): a fixed search_path.
CREATE OR REPLACE FUNCTION kt_fdw_reconcile_batch(target regclass, kt_sql text, ft_key text, ft_key_t text,
                                       is_json bool, keys text[], vals text[], repair bool)
RETURNS TABLE (kind text, key text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $kt_fdw_reconcile_batch$
DECLARE
  del    text[] := '{}';
  insk   text[] := '{}';
  insv   text[] := '{}';
  r      record;
BEGIN
  FOR r IN EXECUTE
      'SELECT d.k, d.v AS want, c.v AS cur, c.k IS NOT NULL AS in_kt '
      'FROM ROWS FROM (pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[])) AS d(k, v) LEFT JOIN (' || kt_sql || ') c ON c.k = d.k '
      'WHERE (d.v IS NOT NULL AND c.k IS NULL) OR (d.v IS NULL AND c.k IS NOT NULL) OR d.v <> c.v'
    USING keys, keys, vals
  LOOP
    kind := CASE WHEN r.want IS NOT NULL AND NOT r.in_kt THEN 'missing'
                 WHEN r.want IS NULL THEN 'extra' ELSE 'differing' END;
    key := r.k;
    RETURN NEXT;
    IF kind <> 'missing' THEN
      del := del || r.k;
    END IF;
    IF kind <> 'extra' THEN
      insk := insk || r.k;
      insv := insv || r.want;
    END IF;
  END LOOP;
  IF NOT repair THEN
    RETURN;
  END IF;
  IF pg_catalog.cardinality(del) > 0 THEN
    EXECUTE pg_catalog.format('DELETE FROM %s WHERE %I = ANY ($1::text[]::%s[])', target, ft_key, ft_key_t)
      USING del;
  END IF;
  IF pg_catalog.cardinality(insk) > 0 AND is_json THEN
    EXECUTE pg_catalog.format('INSERT INTO %s SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1::jsonb)',
                              target, target)
      USING '[' || pg_catalog.array_to_string(insv, ',') || ']';
  ELSIF pg_catalog.cardinality(insk) > 0 THEN
    EXECUTE pg_catalog.format('INSERT INTO %s SELECT k::%s, v::%s FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS u(k, v)',
                              target, ft_key_t,
                              (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
                                ORDER BY a.attnum OFFSET 1 LIMIT 1))
      USING insk, insv;
  END IF;
END
$kt_fdw_reconcile_batch$;

-- kt_fdw_reconcile_run (internal): the 0.3.0 kt_fdw_reconcile, with a fixed
-- search_path.
CREATE FUNCTION kt_fdw_reconcile_run(source regclass, target regclass, repair bool,
                                     batch_size int, caller_search_path text)
RETURNS TABLE (kind text, key text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $kt_fdw_reconcile$
DECLARE
  sname     text;     -- source's and target's names, for messages
  tname     text;
  args      text[];
  args_t    regclass; -- args[1], resolved
  a_t       regclass;
  found_n   int := 0;
  raw       bytea;
  rest      bytea;
  p         int;
  key_col   text;
  val_col   text;
  key_t     text;
  ft_key    text;
  ft_key_t  text;
  ft_val    text;
  ft_val_t  text;
  is_json   bool;
  is_kt     bool;
  src_sql   text;
  kt_sql    text;
  r         record;
  bkeys     text[] := '{}';
  bvals     text[] := '{}';
  nrows     bigint := 0;
  nbatch    int := 0;
  ndiff     bigint := 0;
BEGIN
  IF batch_size IS NULL OR batch_size < 1 THEN
    RAISE EXCEPTION 'batch_size must be positive' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the source's kt_fdw_sync row trigger (for target, if given)
  FOR raw IN
    SELECT t.tgargs FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
     WHERE t.tgrelid = source AND f.proname = 'kt_fdw_sync' AND (t.tgtype & 1) = 1 AND t.tgnargs > 0
     ORDER BY t.tgname
  LOOP
    DECLARE
      a text[] := '{}';
    BEGIN
      rest := raw;
      WHILE pg_catalog.length(rest) > 0 LOOP
        p := position('\x00'::bytea IN rest);
        a := a || pg_catalog.convert_from(substring(rest FROM 1 FOR p - 1), pg_catalog.getdatabaseencoding());
        rest := substring(rest FROM p + 1);
      END LOOP;
      -- the table name as the trigger's writers resolve it, with their
      -- search_path (the caller's, here); set_config is undone on return
      PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
      a_t := a[1]::pg_catalog.regclass;
      PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
      IF target IS NULL OR a_t = target THEN
        found_n := found_n + 1;
        IF args IS NULL THEN
          args := a;
          args_t := a_t;
        END IF;
      END IF;
    END;
  END LOOP;
  SELECT c.relname INTO sname FROM pg_catalog.pg_class c WHERE c.oid = source;
  IF found_n > 1 AND target IS NULL THEN
    RAISE EXCEPTION '"%" has % kt_fdw_sync triggers', sname, found_n
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the foreign table as the second argument.';
  END IF;
  IF args IS NULL AND target IS NULL THEN
    RAISE EXCEPTION '"%" has no kt_fdw_sync trigger', sname
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the foreign table as the second argument.';
  END IF;
  target := coalesce(target, args_t);
  SELECT c.relname INTO tname FROM pg_catalog.pg_class c WHERE c.oid = target;
  key_col := NULLIF(args[2], '');
  val_col := NULLIF(args[3], '');
  IF key_col IS NULL THEN
    SELECT pg_catalog.min(a.attname), pg_catalog.count(*) INTO key_col, p
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = source AND i.indisprimary;
    IF p <> 1 THEN
      RAISE EXCEPTION 'kt_fdw_reconcile cannot find the key column of "%"', sname
        USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the table a primary key or a kt_fdw_sync trigger naming the key column.';
    END IF;
  END IF;
  SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO key_t
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = source AND a.attname = key_col AND a.attnum > 0 AND NOT a.attisdropped;
  IF key_t IS NULL THEN
    RAISE EXCEPTION 'column "%" of relation "%" does not exist', key_col, sname USING ERRCODE = 'undefined_column';
  END IF;
  SELECT coalesce(h.proname = 'kt_fdw_handler', false), coalesce('format=json' = ANY (ft.ftoptions), false),
         c.names[1], c.types[1], c.names[2], c.types[2]
    INTO is_kt, is_json, ft_key, ft_key_t, ft_val, ft_val_t
    FROM (SELECT target::oid AS oid) t
    LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = t.oid
    LEFT JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
    LEFT JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
    LEFT JOIN pg_catalog.pg_proc h ON h.oid = w.fdwhandler
    CROSS JOIN LATERAL (
      SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum) AS names,
             pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
        FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped) c;
  IF NOT is_kt THEN
    RAISE EXCEPTION '"%" is not a kt_fdw foreign table', tname USING ERRCODE = 'wrong_object_type';
  END IF;

  -- desired (key, value) of each source row, as kt_fdw_sync writes it, and
  -- the KT side as the foreign table reads it
  IF is_json THEN
    src_sql := pg_catalog.format(
      'SELECT s.%I::text::%s::text AS k, pg_catalog.to_jsonb(pg_catalog.jsonb_populate_record(NULL::%s, '
      'pg_catalog.to_jsonb(s) || pg_catalog.jsonb_build_object(%L, s.%I::text)))::text AS v '
      'FROM %s s WHERE s.%I IS NOT NULL ORDER BY s.%I',
      key_col, ft_key_t, target, ft_key, key_col, source, key_col, key_col);
    kt_sql := pg_catalog.format(
      'SELECT t.%I::text AS k, pg_catalog.to_jsonb(t)::text AS v FROM %s t WHERE t.%I = ANY ($1::text[]::%s[])',
      ft_key, target, ft_key, ft_key_t);
  ELSE
    src_sql := pg_catalog.format(
      'SELECT s.%I::text::%s::text AS k, (%s)::%s::text AS v FROM %s s WHERE s.%I IS NOT NULL ORDER BY s.%I',
      key_col, ft_key_t,
      CASE WHEN val_col IS NULL THEN 'pg_catalog.to_jsonb(s)::text' ELSE pg_catalog.format('s.%I::text', val_col) END,
      ft_val_t, source, key_col, key_col);
    kt_sql := pg_catalog.format(
      'SELECT t.%I::text AS k, t.%I::text AS v FROM %s t WHERE t.%I = ANY ($1::text[]::%s[])',
      ft_key, ft_val, target, ft_key, ft_key_t);
  END IF;
  IF repair THEN
    EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE MODE', source);
  END IF;

  -- source pass, batch by batch (the last, short batch after the loop)
  FOR r IN EXECUTE src_sql LOOP
    bkeys := bkeys || r.k;
    bvals := bvals || r.v;
    nrows := nrows + 1;
    IF pg_catalog.cardinality(bkeys) >= batch_size THEN
      nbatch := nbatch + 1;
      RETURN QUERY SELECT * FROM @extschema@.kt_fdw_reconcile_batch(target, kt_sql, ft_key, ft_key_t, is_json, bkeys, bvals, repair);
      GET DIAGNOSTICS p = ROW_COUNT;
      ndiff := ndiff + p;
      RAISE NOTICE 'kt_fdw_reconcile: batch %: % source rows checked, % differences so far', nbatch, nrows, ndiff;
      bkeys := '{}';
      bvals := '{}';
    END IF;
  END LOOP;
  IF pg_catalog.cardinality(bkeys) > 0 THEN
    nbatch := nbatch + 1;
    RETURN QUERY SELECT * FROM @extschema@.kt_fdw_reconcile_batch(target, kt_sql, ft_key, ft_key_t, is_json, bkeys, bvals, repair);
    GET DIAGNOSTICS p = ROW_COUNT;
    ndiff := ndiff + p;
    RAISE NOTICE 'kt_fdw_reconcile: batch %: % source rows checked, % differences so far', nbatch, nrows, ndiff;
  END IF;

  -- KT pass: records without a source row (an anti-join over the key scan)
  bkeys := '{}';
  FOR r IN EXECUTE pg_catalog.format(
      'SELECT t.%I::text AS k FROM %s t WHERE NOT EXISTS '
      '(SELECT 1 FROM %s s WHERE s.%I IS NOT NULL AND s.%I::text::%s::text = t.%I::text)',
      ft_key, target, source, key_col, key_col, ft_key_t, ft_key) LOOP
    kind := 'extra';
    key := r.k;
    RETURN NEXT;
    ndiff := ndiff + 1;
    bkeys := bkeys || r.k;
  END LOOP;
  IF repair AND pg_catalog.cardinality(bkeys) > 0 THEN
    EXECUTE pg_catalog.format('DELETE FROM %s WHERE %I = ANY ($1::text[]::%s[])', target, ft_key, ft_key_t)
      USING bkeys;
  END IF;
  RAISE NOTICE 'kt_fdw_reconcile: % source rows, % differences%', nrows, ndiff,
    CASE WHEN repair AND ndiff > 0 THEN ' (repaired at commit)' ELSE '' END;
END
$kt_fdw_reconcile$;

-- kt_fdw_reconcile: same arguments and result, now a SQL function.
CREATE OR REPLACE FUNCTION kt_fdw_reconcile(source regclass, target regclass DEFAULT NULL,
                                 repair bool DEFAULT false, batch_size int DEFAULT 1000)
RETURNS TABLE (kind text, key text)
LANGUAGE sql
BEGIN ATOMIC
  SELECT r.kind, r.key
    FROM @extschema@.kt_fdw_reconcile_run(source, target, repair, batch_size,
                                           pg_catalog.current_setting('search_path')) r;
END;

-- kt_fdw_diag (since 0.4.0): the pre-flight of an upgrade. One row per KT
-- host of the server (every host of a failover list, each on a connection
-- of its own): the loaded library's and the installed extension's versions,
-- the host's KT version and databases, and whether it runs kt_fdw.lua and
-- which protocol; error says why a host could not be asked.
CREATE FUNCTION kt_fdw_diag(server_name text,
  OUT host text,
  OUT library_version text,
  OUT extension_version text,
  OUT kt_version text,
  OUT databases text,
  OUT runs_kt_fdw_lua bool,
  OUT lua_protocol text,
  OUT error text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
