/*
 * usermapping.c: user mappings are required as postgres_fdw requires them.
 * Every statement that reads KT or buffers writes for it first checks that
 * the role it runs as has a user mapping for the server: its own or PUBLIC's.
 * kt_fdw mappings take no options; they decide which roles may use a server.
 */
#include "ktfdw.h"

#include "foreign/foreign.h"
#include "miscadmin.h"
#include "executor/executor.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

/* Raise 42704, as GetUserMapping does, unless userid may use serverid. */
void
ktfdw_require_user_mapping(Oid userid, Oid serverid)
{
	const char *user;

	if (SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							  ObjectIdGetDatum(serverid)) ||
		SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							  ObjectIdGetDatum(serverid)))
		return;
	user = MappingUserName(userid);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("user mapping not found for user \"%s\", server \"%s\"",
					user, GetForeignServer(serverid)->servername),
			 errhint("A kt_fdw server is used only by roles with a user mapping: CREATE USER MAPPING FOR %s SERVER %s (or FOR PUBLIC).",
					 quote_identifier(user), quote_identifier(GetForeignServer(serverid)->servername))));
}

/* The role a scan runs as (a view owner's through a view), as postgres_fdw finds it. */
Oid
ktfdw_scan_user(ForeignScanState *node)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
#if PG_VERSION_NUM >= 160000
	Oid			userid = fs->checkAsUser;
#else
	Oid			userid = exec_rt_fetch(fs->scan.scanrelid, node->ss.ps.state)->checkAsUser;
#endif

	return OidIsValid(userid) ? userid : GetUserId();
}

/*
 * The role a modification of rinfo runs as: the view owner's when it goes
 * through a view (checkAsUser), else the current user, as postgres_fdw
 * finds it.
 */
Oid
ktfdw_modify_user(EState *estate, ResultRelInfo *rinfo)
{
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	Index		rti = rinfo->ri_RangeTableIndex;
	RangeTblEntry *rte;

	if (rti == 0 && rinfo->ri_RootResultRelInfo)	/* a routed partition */
		rti = rinfo->ri_RootResultRelInfo->ri_RangeTableIndex;
	if (rti == 0)
		return GetUserId();
	rte = exec_rt_fetch(rti, estate);
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}
