-- A kt_fdw table as a partition, its rows routed from the partitioned
-- parent. The parent's statement-level AFTER INSERT trigger fires before
-- the foreign partition's end of statement, so a routed INSERT or COPY
-- checks its keys before that: a duplicate fails the statement before the
-- trigger runs.
\set SHOW_CONTEXT never
\set VERBOSITY terse
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE TABLE kt_parts (key text, value text) PARTITION BY RANGE (key);
CREATE FOREIGN TABLE kt_part_p PARTITION OF kt_parts FOR VALUES FROM ('p') TO ('q') SERVER kt_server;
CREATE FUNCTION kt_parts_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'statement trigger on kt_parts';
  RETURN NULL;
END $$;
CREATE TRIGGER kt_parts_after AFTER INSERT ON kt_parts
  FOR EACH STATEMENT EXECUTE FUNCTION kt_parts_after();
INSERT INTO kt_parts VALUES ('p1', 'old');
-- a key KT has: 23505, and no trigger ran
INSERT INTO kt_parts SELECT 'p' || i, 'new' FROM generate_series(1, 50) i;
SELECT count(*) FROM kt_parts;
COPY kt_parts FROM STDIN;
p2	new
p1	dup
\.
SELECT count(*) FROM kt_parts;
-- new keys: the rows, and the trigger
INSERT INTO kt_parts SELECT 'p' || i, 'new' FROM generate_series(100, 149) i;
SELECT count(*) FROM kt_parts;
DROP TABLE kt_parts;
DROP FUNCTION kt_parts_after();
