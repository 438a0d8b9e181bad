-- kt_fdw_reconcile(): compare a synced table with KT, and repair it
\set SHOW_CONTEXT never
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE TABLE rules (name text PRIMARY KEY, action text);
CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kt_test', 'name', 'action');
INSERT INTO rules SELECT 'r' || i, 'allow' FROM generate_series(1, 5) i;
INSERT INTO rules VALUES ('r6', NULL);
SELECT * FROM kt_fdw_reconcile('rules', batch_size => 4);
-- drift, written around the trigger
DO $$ BEGIN DELETE FROM kt_test WHERE key = 'r2'; UPDATE kt_test SET value = 'deny' WHERE key = 'r3';
  INSERT INTO kt_test VALUES ('r6', 'x'), ('stray', 'y'); END $$;
SELECT * FROM kt_fdw_reconcile('rules', batch_size => 4) ORDER BY key;
BEGIN;
SELECT * FROM kt_fdw_reconcile('rules', repair => true) ORDER BY key;
SELECT * FROM kt_test ORDER BY key;   -- the repair is visible in the transaction
ROLLBACK;
SELECT count(*) FROM kt_fdw_reconcile('rules');   -- rolled back: still there
SELECT count(*) FROM kt_fdw_reconcile('rules', 'kt_test', true);
SELECT * FROM kt_fdw_reconcile('rules');
SELECT * FROM kt_test ORDER BY key;
-- without trigger: the primary key and the row as JSON
DROP TRIGGER rules_sync ON rules;
SELECT * FROM kt_fdw_reconcile('rules', 'kt_test') ORDER BY key;
SELECT * FROM kt_fdw_reconcile('rules');
DROP TABLE rules;
DO $$ BEGIN DELETE FROM kt_test; END $$;
