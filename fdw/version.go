package fdw

// Version is the version of the kt_fdw library, as kt_fdw_version() reports
// it. It equals the extension's default_version (kt_fdw.control); the SQL
// objects installed in a database may be older until ALTER EXTENSION kt_fdw
// UPDATE.
const Version = "0.4.0"
