-- IMPORT FOREIGN SCHEMA kt: one table (key text, value text) per KT
-- database the server reports, named after the database (db_<index> when
-- the name is not an identifier: "*" and "%" on the dev server).
\set SHOW_CONTEXT never
CREATE SCHEMA kt_import;
IMPORT FOREIGN SCHEMA kt FROM SERVER kt_server INTO kt_import;
\det+ kt_import.*
\d kt_import.db_0

-- the imported tables read and write their databases
DO $$ BEGIN DELETE FROM kt_test; END $$;
INSERT INTO kt_test VALUES ('imported', 'yes');
SELECT * FROM kt_import.db_0;
INSERT INTO kt_import.db_0 VALUES ('through', 'import');
SELECT * FROM kt_test ORDER BY key;
DELETE FROM kt_test;

-- LIMIT TO and EXCEPT
DROP SCHEMA kt_import CASCADE;
CREATE SCHEMA kt_import;
IMPORT FOREIGN SCHEMA kt LIMIT TO (db_1, no_such_db) FROM SERVER kt_server INTO kt_import;
\det kt_import.*
IMPORT FOREIGN SCHEMA kt EXCEPT (db_1) FROM SERVER kt_server INTO kt_import;
\det kt_import.*

-- importing a table that exists already
IMPORT FOREIGN SCHEMA kt LIMIT TO (db_0) FROM SERVER kt_server INTO kt_import;

-- only the remote schema "kt" exists, and there are no import options
IMPORT FOREIGN SCHEMA public FROM SERVER kt_server INTO kt_import;
IMPORT FOREIGN SCHEMA kt FROM SERVER kt_server INTO kt_import OPTIONS (key_type 'bytea');
DROP SCHEMA kt_import CASCADE;
