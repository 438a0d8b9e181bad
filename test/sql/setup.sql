-- Objects shared by the whole suite. KT_HOST/KT_PORT come from regress.sh.
\getenv kt_host KT_HOST
\getenv kt_port KT_PORT
CREATE EXTENSION kt_fdw;
CREATE SERVER kt_server FOREIGN DATA WRAPPER kt_fdw
  OPTIONS (host :'kt_host', port :'kt_port');
CREATE USER MAPPING FOR PUBLIC SERVER kt_server;
-- KT database 0 ("*" on the dev server)
CREATE FOREIGN TABLE kt_test (key text, value text) SERVER kt_server;
-- KT database 1 ("%" on the dev server)
CREATE FOREIGN TABLE kt_bin (key bytea, value bytea) SERVER kt_server
  OPTIONS (db '1');
\d kt_test
\d kt_bin
