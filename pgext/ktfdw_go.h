/*
 * ktfdw_go.h: the types that cross the C/Go boundary. Plain C only: it is
 * included by the Go side (cgo preamble) and by the Postgres glue.
 */
#ifndef KTFDW_GO_H
#define KTFDW_GO_H

#include <stddef.h>
#include <stdint.h>

/* Results of the Go entry points. */
enum
{
	KT_OK = 0,
	KT_ERROR = 1,				/* KtStatus holds the error to raise */
	KT_PENDING = 2,				/* KT I/O still running: poll again */
	KT_SKIPPED = 3,				/* ON CONFLICT DO NOTHING skipped the row */
	KT_EOF = 4					/* scan has no more rows */
};

/* Counters ktfdw_stats() fills: the columns of kt_fdw_stats(). */
enum
{
	KT_STATS_N = 4
};

/* An error to raise. Strings are malloc'd by Go and freed by C. */
typedef struct KtStatus
{
	char		sqlstate[6];
	char	   *message;
	char	   *detail;
	char	   *hint;
} KtStatus;

/* Option name/value pairs of one catalog object. */
typedef struct KtOptions
{
	int			n;
	const char **names;
	const char **values;
} KtOptions;

/* A foreign table as Go needs it. */
typedef struct KtTable
{
	unsigned int server_oid;
	const char *server_name;
	KtOptions	server_opts;
	KtOptions	table_opts;
	const char *rel_name;
	const char *key_col;
	int			key_bytea;
	int			val_bytea;
	int			xt_col;			/* a column with option xt: values carry a header (fdw/xt.go) */
} KtTable;

/*
 * A batch of rows, malloc'd by Go and freed by C: nrows records, each
 * uint32 key length, key bytes, uint32 value length, value bytes
 * (lengths in native byte order).
 */
typedef struct KtBatch
{
	char	   *data;
	size_t		len;
	int			nrows;
} KtBatch;

/* Access paths of a scan (fdw.ScanKind). */
enum
{
	KT_SCAN_FULL = 0,
	KT_SCAN_GET = 1,			/* key = v */
	KT_SCAN_KEYS = 2,			/* key IN (...) / key = ANY(...) */
	KT_SCAN_PREFIX = 3,			/* key LIKE 'p%' / starts_with(key, 'p') */
	KT_SCAN_RANGE = 4			/* key > / >= / < / <= v (key-ordered DB) */
};

/* One end of a key range. */
typedef struct KtBound
{
	int			set;			/* 0: unbounded */
	int			exclusive;
	const char *key;
	size_t		len;
} KtBound;

/* What a scan reads; the values were evaluated by C, Go copies them. */
typedef struct KtScanSpec
{
	int			kind;
	int			nkeys;			/* GET: 1; KEYS: the array's non-NULL elements */
	const char **keys;
	const size_t *klens;
	const char *prefix;			/* PREFIX: the prefix, or a LIKE pattern */
	size_t		prefixlen;
	int			prefix_is_like;
	KtBound		lo,
				hi;
	int64_t		limit;			/* > 0: the query needs at most this many rows */
	int			ordered;		/* the KT database is key-ordered */
	int			empty;			/* a NULL in a key condition: no rows */
	int			keys_only;		/* no value column is read: values may be left out */
} KtScanSpec;

/* Plan-time facts about a table, from its options (no KT I/O). */
typedef struct KtTablePlan
{
	int			ordered;
	int			batch_size;
	double		rows;			/* records seen by a recent full scan; < 0 unknown */
} KtTablePlan;

/* Column option xt (fdw/xt.go): a value header of KT_XT_HEADER and an int64 xt. */
#define KT_XT_HEADER 0x01
#define KT_XT_HEADER_LEN 9

/* Format 'json' (row.c): length of a NULL column in ktfdw_json_decode's output. */
#define KT_JSON_NULL 0xFFFFFFFFu

/*
 * Set (from any thread) when Go queued server log lines (fdw/serverlog.go);
 * GOCALL then has ktfdw_emit_logs() write them (pgext/serverlog.c).
 */
extern volatile int ktfdw_log_pending;
static inline void
ktfdw_flag_logs(void)
{
	ktfdw_log_pending = 1;
}

/* Poll interval: no Go call blocks longer than this (doc/design.md, rule 7). */
#define KT_POLL_MS 20

#endif							/* KTFDW_GO_H */
