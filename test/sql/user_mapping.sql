-- User mappings gate which roles may use a server, as with postgres_fdw:
-- every statement that reads KT or writes to it needs a mapping for the
-- role it runs as (its own, or PUBLIC's); without one, 42704.
\set SHOW_CONTEXT never
\set VERBOSITY default
\getenv kt_host KT_HOST
\getenv kt_port KT_PORT
DO $$ BEGIN DELETE FROM kt_test; END $$;
INSERT INTO kt_test VALUES ('um:a', '1');
CREATE ROLE regress_kt_um_alice;
CREATE ROLE regress_kt_um_bob;
CREATE SERVER kt_um FOREIGN DATA WRAPPER kt_fdw OPTIONS (host :'kt_host', port :'kt_port');
GRANT USAGE ON FOREIGN SERVER kt_um TO regress_kt_um_alice, regress_kt_um_bob;
CREATE FOREIGN TABLE kt_um_t (key text, value text) SERVER kt_um OPTIONS (prefix 'um:');
GRANT ALL ON kt_um_t TO regress_kt_um_alice, regress_kt_um_bob;
CREATE TABLE kt_um_src (k text PRIMARY KEY, v text);
GRANT ALL ON kt_um_src TO regress_kt_um_alice, regress_kt_um_bob;
CREATE TRIGGER kt_um_sync AFTER INSERT OR UPDATE OR DELETE ON kt_um_src
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kt_um_t', 'k', 'v');
CREATE TRIGGER kt_um_sync_truncate AFTER TRUNCATE ON kt_um_src
  FOR EACH STATEMENT EXECUTE FUNCTION kt_fdw_sync('kt_um_t');

-- no mapping at all: refused, whatever the statement
SET ROLE regress_kt_um_alice;
SELECT * FROM kt_um_t;
DO $$ BEGIN PERFORM * FROM kt_um_t;
EXCEPTION WHEN undefined_object THEN RAISE NOTICE 'SQLSTATE %', SQLSTATE; END $$;
SELECT * FROM kt_um_t WHERE key = 'a';
INSERT INTO kt_um_t VALUES ('b', '2');
UPDATE kt_um_t SET value = 'x';
DELETE FROM kt_um_t;
COPY kt_um_t FROM stdin;
c	3
\.
TRUNCATE kt_um_t;
INSERT INTO kt_um_src VALUES ('s', 'v');   -- kt_fdw_sync writes as the current user
TRUNCATE kt_um_src;
-- EXPLAIN without ANALYZE talks to no KT: no mapping needed
EXPLAIN (COSTS OFF) SELECT * FROM kt_um_t WHERE key = 'a';
RESET ROLE;
IMPORT FOREIGN SCHEMA kt LIMIT TO (db_0) FROM SERVER kt_um INTO public;
ANALYZE kt_um_t;

-- a mapping for alice: alice may, bob may not
CREATE USER MAPPING FOR regress_kt_um_alice SERVER kt_um;
SET ROLE regress_kt_um_alice;
SELECT * FROM kt_um_t;
INSERT INTO kt_um_t VALUES ('b', '2');
INSERT INTO kt_um_src VALUES ('s', 'v');
SELECT * FROM kt_um_t ORDER BY key;
SET ROLE regress_kt_um_bob;
SELECT * FROM kt_um_t;
INSERT INTO kt_um_src VALUES ('t', 'v');
-- through a view the view's owner's mapping counts (bob owns no mapping,
-- alice does), as postgres_fdw does
RESET ROLE;
CREATE VIEW kt_um_v AS SELECT * FROM kt_um_t;
ALTER VIEW kt_um_v OWNER TO regress_kt_um_alice;
GRANT ALL ON kt_um_v TO regress_kt_um_bob;
SET ROLE regress_kt_um_bob;
SELECT * FROM kt_um_v ORDER BY key;
UPDATE kt_um_v SET value = 'via view' WHERE key = 'b';
SELECT * FROM kt_um_v ORDER BY key;
RESET ROLE;
DROP VIEW kt_um_v;

-- a PUBLIC mapping lets every role in
CREATE USER MAPPING FOR PUBLIC SERVER kt_um;
SET ROLE regress_kt_um_bob;
SELECT * FROM kt_um_t ORDER BY key;
INSERT INTO kt_um_src VALUES ('t', 'v');
TRUNCATE kt_um_src;
SELECT * FROM kt_um_t ORDER BY key;
RESET ROLE;
ANALYZE kt_um_t;
-- dropping the mapping takes effect at once
DROP USER MAPPING FOR PUBLIC SERVER kt_um;
DROP USER MAPPING FOR regress_kt_um_alice SERVER kt_um;
SET ROLE regress_kt_um_alice;
SELECT * FROM kt_um_t;
RESET ROLE;

DROP TABLE kt_um_src;
DROP SERVER kt_um CASCADE;
DROP ROLE regress_kt_um_alice;
DROP ROLE regress_kt_um_bob;
DO $$ BEGIN DELETE FROM kt_test; END $$;
