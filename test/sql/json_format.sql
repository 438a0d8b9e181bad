-- option format 'json': a key column of any type and any value columns,
-- stored in KT as one JSON object per row (KT DB 0 through kt_test).
\set SHOW_CONTEXT never
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE FOREIGN TABLE rules_json (
  id      int,
  route   text,
  rps     numeric,
  enabled boolean,
  tags    text[],
  meta    jsonb,
  until   timestamptz
) SERVER kt_server OPTIONS (format 'json');
SET timezone = 'UTC';
INSERT INTO rules_json VALUES
  (1, '/api', 10.5, true, '{a,"b c"}', '{"owner": "ops"}', '2030-01-01 00:00:00+00'),
  (2, 'ü "日本"', NULL, false, '{}', NULL, NULL);
SELECT * FROM rules_json ORDER BY id;
-- what KT holds
SELECT key, value FROM kt_test ORDER BY key;
SELECT route, tags[2], meta->>'owner' FROM rules_json WHERE id = 1;
UPDATE rules_json SET rps = rps * 2, tags = array_append(tags, 'x') WHERE id = 1;
UPDATE rules_json SET id = 3 WHERE id = 2;
SELECT id, rps, tags FROM rules_json ORDER BY id;
SELECT key FROM kt_test ORDER BY key;
DELETE FROM rules_json WHERE id = 3 RETURNING id;
SELECT count(*) FROM rules_json;
-- a KT value that is no JSON object
INSERT INTO kt_test VALUES ('9', 'not json');
SELECT * FROM rules_json WHERE id = 9;
DELETE FROM kt_test WHERE key = '9';
-- a field of the wrong type
INSERT INTO kt_test VALUES ('8', '{"rps": "lots"}');
SELECT * FROM rules_json;
DELETE FROM kt_test WHERE key = '8';
-- NULL key
INSERT INTO rules_json (id) VALUES (NULL);
-- only a key column
CREATE FOREIGN TABLE only_key (k text) SERVER kt_server OPTIONS (format 'json');
SELECT * FROM only_key;
ALTER FOREIGN TABLE only_key OPTIONS (SET format 'yaml');
DROP FOREIGN TABLE only_key;
-- uuid keys, with a prefix
CREATE FOREIGN TABLE sessions (sid uuid, user_name text) SERVER kt_server
  OPTIONS (format 'json', prefix 'sess:');
INSERT INTO sessions VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ann');
SELECT * FROM sessions;
SELECT key, value FROM kt_test ORDER BY key;
DELETE FROM sessions;
DROP FOREIGN TABLE sessions;
DROP FOREIGN TABLE rules_json;
-- int and uuid keys: equality and IN become KT lookups
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE FOREIGN TABLE by_id (id int, v text) SERVER kt_server OPTIONS (format 'json');
INSERT INTO by_id VALUES (1, 'one'), (2, 'two'), (10, 'ten');
EXPLAIN (COSTS OFF) SELECT * FROM by_id WHERE id = 10;
SELECT * FROM by_id WHERE id = 10;
EXPLAIN (COSTS OFF) SELECT * FROM by_id WHERE id IN (1, 2, 3);
SELECT * FROM by_id WHERE id IN (1, 2, 3) ORDER BY id;
EXPLAIN (COSTS OFF) SELECT * FROM by_id WHERE id > 1;
SELECT * FROM by_id WHERE id > 1 ORDER BY id;
UPDATE by_id SET v = 'TEN' WHERE id = 10;
DELETE FROM by_id WHERE id = 1;
SELECT * FROM by_id ORDER BY id;
DELETE FROM by_id;
DROP FOREIGN TABLE by_id;
CREATE FOREIGN TABLE by_uuid (u uuid, v text) SERVER kt_server OPTIONS (format 'json');
INSERT INTO by_uuid VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'x');
EXPLAIN (COSTS OFF) SELECT v FROM by_uuid WHERE u = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
SELECT v FROM by_uuid WHERE u = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
DELETE FROM by_uuid;
DROP FOREIGN TABLE by_uuid;
-- reading only the key does not decode values (a broken one included)
CREATE FOREIGN TABLE j2 (k text, v int) SERVER kt_server OPTIONS (format 'json');
INSERT INTO j2 VALUES ('a', 1), ('b', 2);
INSERT INTO kt_test VALUES ('broken', 'no json');
SELECT count(*) FROM j2;
SELECT k FROM j2 ORDER BY k;
SELECT sum(v) FROM j2;
DELETE FROM j2 WHERE k = 'broken';
SELECT sum(v) FROM j2;
DELETE FROM j2;
DROP FOREIGN TABLE j2;
