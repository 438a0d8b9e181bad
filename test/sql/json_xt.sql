-- column option xt: a timestamptz column of a format 'json' table is the KT
-- record's expiration time (NULL = never expires), not a JSON field.
\set SHOW_CONTEXT never
SET timezone = 'UTC';
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE FOREIGN TABLE tokens (
  tok     text,
  owner   text,
  expires timestamptz OPTIONS (xt 'true')
) SERVER kt_server OPTIONS (format 'json');
INSERT INTO tokens VALUES
  ('a', 'ann', '2100-01-01 00:00:00+00'),
  ('b', 'bob', NULL),
  ('c', 'cid', 'infinity');
SELECT * FROM tokens ORDER BY tok;
-- the expiration time is not part of the KT value
SELECT key, value FROM kt_test ORDER BY key;
SELECT expires FROM tokens WHERE tok = 'a';
SELECT tok, expires FROM tokens WHERE tok IN ('a', 'b') ORDER BY tok;
-- in the transaction's own buffer too
BEGIN;
UPDATE tokens SET expires = '2099-06-01 12:30:45+00' WHERE tok = 'b';
SELECT * FROM tokens WHERE tok = 'b';
COMMIT;
SELECT * FROM tokens ORDER BY tok;
-- an expiration time in the past: KT drops the record, it reads as missing
INSERT INTO tokens VALUES ('old', 'x', '2001-01-01 00:00:00+00');
SELECT * FROM tokens WHERE tok = 'old';
SELECT count(*) FROM tokens;
UPDATE tokens SET expires = now() - interval '1 day' WHERE tok = 'a';
SELECT tok FROM tokens ORDER BY tok;
-- clearing it: never expires again
UPDATE tokens SET expires = NULL WHERE tok = 'b';
SELECT * FROM tokens ORDER BY tok;
DELETE FROM tokens;
DROP FOREIGN TABLE tokens;
-- a table of only a key and its expiration time
CREATE FOREIGN TABLE leases (k text, until timestamptz OPTIONS (xt 'on'))
  SERVER kt_server OPTIONS (format 'json');
INSERT INTO leases VALUES ('l1', '2100-01-01 00:00:00+00');
SELECT * FROM leases;
SELECT key, value FROM kt_test;
DELETE FROM leases;
DROP FOREIGN TABLE leases;
-- refused
CREATE FOREIGN TABLE bad (k text, e timestamptz OPTIONS (xt 'maybe'))
  SERVER kt_server OPTIONS (format 'json');
CREATE FOREIGN TABLE bad (k text, e timestamptz OPTIONS (expires 'true'))
  SERVER kt_server OPTIONS (format 'json');
CREATE FOREIGN TABLE bad1 (k text, e timestamp OPTIONS (xt 'true'))
  SERVER kt_server OPTIONS (format 'json');
SELECT * FROM bad1;
CREATE FOREIGN TABLE bad2 (k timestamptz OPTIONS (xt 'true'), v text)
  SERVER kt_server OPTIONS (format 'json');
SELECT * FROM bad2;
CREATE FOREIGN TABLE bad3 (k text, e1 timestamptz OPTIONS (xt 'true'), e2 timestamptz OPTIONS (xt 'true'))
  SERVER kt_server OPTIONS (format 'json');
SELECT * FROM bad3;
CREATE FOREIGN TABLE bad4 (k text, e timestamptz OPTIONS (xt 'true'), v text)
  SERVER kt_server;
SELECT * FROM bad4;
CREATE FOREIGN TABLE bad5 (k text, v text OPTIONS (xt 'true'))
  SERVER kt_server;
SELECT * FROM bad5;
-- xt 'false' is an ordinary JSON field
CREATE FOREIGN TABLE fine (k text, e timestamptz OPTIONS (xt 'false'))
  SERVER kt_server OPTIONS (format 'json');
INSERT INTO fine VALUES ('f', '2100-01-01 00:00:00+00');
SELECT key, value FROM kt_test;
DELETE FROM fine;
DROP FOREIGN TABLE bad1, bad2, bad3, bad4, bad5, fine;
