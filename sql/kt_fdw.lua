--[[
kt_fdw.lua: play_script procedures of kt_fdw for Kyoto Tycoon.

Start the server with it:   ktserver -scr /path/to/kt_fdw.lua ...
(SIGUSR1, or SIGHUP when daemonised, reloads it.)  Lua 5.1.

Procedures (wire contract: package kt/ktscript, protocol version 3; names
are alphanumeric because HTTP play_script accepts only [A-Za-z0-9]+):

  ktfdwversion  -> version=3, impl=lua, procs="ktfdwapply ktfdwversion"

  ktfdwapply    inputs: db=<DB expression> (optional; "" = DB 0, a leading
                 digit = index, else the DB name), then one pair per record:
                   "S"..key = value   set key to value (never expires
                                      unless an "X" pair says otherwise)
                   "X"..key = seconds with "S": absolute expiration time
                                      (Unix seconds, decimal; protocol 2)
                   "R"..key = ""      remove key (absent is fine)
                   "V"..key = value   precondition: key holds exactly value
                   "A"..key = ""      precondition: key is absent (an expired
                                      record counts as absent)
                 outputs (always a SUCCESS reply: KT drops the outputs of a
                 failing procedure, and its binary protocol answers a
                 failure with one byte and no message):
                   status=ok, set=N, removed=N, tran=1|0
                   status=conflict, conflicts=N, tran=1|0 and per failed
                     precondition "C"..key = "A" (absent) or "V"..value;
                     NOTHING was written
                   status=error, error=message, written=0|maybe: 0 =
                     nothing was written; maybe = the failure came during
                     or after the write pass, so some writes may be in KT
                     (protocol 3)

Every Lua error inside a procedure (protocol 3) is caught and answered as
status=error with its text, so a client on the binary protocol, where KT
reports a failed procedure as the bare byte 0xBF, loses no diagnostic: a
0xBF from these procedures means KT itself refused the call (no -scr, the
procedure missing after a reload), which HTTP play_script then names.

Atomicity: what this relies on (read in Kyoto Cabinet 1.2.x / Kyoto Tycoon
0.9.x sources, kcdb.h and the DB classes, kttimeddb.h, ktscrext.cc):

 1. db:accept_bulk(keys, visitor, true) (ktscrext.cc db_accept_bulk) copies the
    Lua array into a std::vector, duplicates kept, and calls
    TimedDB::accept_bulk -> PolyDB -> the DB's accept_bulk, which locks ALL
    listed records for the whole call and then visits the keys in list order:
    HashDB (kchashdb.h) write-locks the record-lock slots of all keys
    (std::set of slot indexes, so duplicates are harmless, taken in ascending
    order, so no deadlock) under the DB-wide reader lock; CacheDB
    (kccachedb.h) locks the slots of all keys likewise; tree DBs (PlantDB:
    TreeDB, CacheTree "%") take the DB-wide writer lock.  Other clients'
    operations on these records wait, so they see all of the batch or none.
 2. Every key is therefore listed TWICE: k1..kn, k1..kn.  During the first n
    visits the visitor only checks preconditions and returns NOP; during the
    second n it writes (value, or Visitor.REMOVE) only if every check passed.
    Checks and writes happen under the same locks; a conflict writes nothing.
    A request without checks (V/A pairs) lists every key once: the write
    pass alone, still under the locks of all keys (a bulk load visits half
    as many records: ~1.4x the apply rate on a real ktserver).
 3. The visitor is a table with visit_full(self, key, value, xt) and
    visit_empty(self, key) (SoftVisitor): a string result is the new value,
    Visitor.REMOVE removes (honoured by visit_full; visit_empty is only asked
    for absent records, which we never remove), anything else is NOP.  The
    second result is the expiration: SoftVisitor keeps the OLD expiration of
    an existing record when it is not a number, so we always return NEVER
    (TimedDB's modify_exptime clamps any relative xt past XTMAX to "never"),
    making a set here equal to set_bulk without xt.  An expired record is
    handed to visit_empty (TimedVisitor), i.e. it counts as absent.
 4. A Lua error inside a visitor is swallowed by SoftVisitor (NOP), and the
    visitor must not call the database (it holds the locks): ours only
    touches Lua tables.  Visit order is verified (each visit must see the
    key the list has at that position); any surprise writes nothing if it
    happens in the check pass and is reported as status=error.
 5. The call is wrapped in db:begin_transaction() / db:end_transaction(true)
    so the batch is durable as a unit and reaches the update log (and so
    the replicas) as one block.  The transaction is NEVER aborted: a KT
    transaction does not isolate (other clients' writes land inside it and
    an abort would undo them too), and there is nothing to undo since
    checks come before writes.  accept_bulk runs under pcall, so the
    transaction is always ended.  If begin_transaction fails (a DB type
    without transactions) the apply still runs, atomic but not batched in
    the log: tran=0 in the reply.  Transactions are one per DB at a time
    (begin_transaction waits), so applies to one DB are serialised.

Points 1 and 2 are also checked against the Kyoto Cabinet library itself,
for every DB type, by test/lua/kc_accept_bulk.cc (go test ./kt/ktscript).

Limits: an I/O error in the middle of the write pass (accept_bulk returning
false) can leave part of the writes done; that is reported as status=error
with written=maybe.
A prototype DB ("-"/"+", kcprotodb.h) does not lock at all; use a real type.
]]

local kt = __kyototycoon__

local PROTOCOL_VERSION = "3"
local PROCS = "ktfdwapply ktfdwversion"
-- relative expiration far past TimedDB's XTMAX: stored as "never expires"
local NEVER = 2 ^ 52

-- sentinels of the parsed request (tables: never equal to a string)
local REMOVE = {}
local ABSENT = {}

-- resolve_db finds a database like KT's DB parameter does.
local function resolve_db(expr)
  if expr == nil or expr == "" then
    return kt.db
  end
  local c = expr:byte(1)
  if c >= 48 and c <= 57 then
    local digits = expr:match("^%d+")
    return kt.dbs[tonumber(digits) + 1]
  end
  return kt.dbs[expr]
end

-- parse splits the inputs into writes and checks by key.
local function parse(inmap)
  local writes, checks, keys, n = {}, {}, {}, 0
  local xts = {}
  local dbexpr = nil
  for k, v in pairs(inmap) do
    if k == "db" then
      dbexpr = v
    elseif k:sub(1, 1) == "X" then
      -- protocol 2: absolute expiration time of the record 'S' sets
      local xt = tonumber(v)
      if not v:match("^%d+$") or not xt or xt <= 0 then
        return nil, string.format("key %q has a bad expiration time %q", k:sub(2), v)
      end
      xts[k:sub(2)] = xt
    else
      local tag, key = k:sub(1, 1), k:sub(2)
      if tag == "S" or tag == "R" then
        if writes[key] ~= nil then
          return nil, string.format("key %q has both set and remove", key)
        end
        if tag == "S" then writes[key] = v else writes[key] = REMOVE end
      elseif tag == "V" or tag == "A" then
        if checks[key] ~= nil then
          return nil, string.format("key %q has both an expected value and absence", key)
        end
        if tag == "V" then checks[key] = v else checks[key] = ABSENT end
      else
        return nil, string.format("unknown input %q", k)
      end
      if writes[key] == nil or checks[key] == nil then
        -- first time this key is seen
        n = n + 1
        keys[n] = key
      end
    end
  end
  for key in pairs(xts) do
    local w = writes[key]
    if w == nil or w == REMOVE then
      return nil, string.format("key %q has an expiration time but is not set", key)
    end
  end
  return { db = dbexpr, writes = writes, checks = checks, xts = xts, keys = keys, n = n }
end

-- new_visitor checks during the first ncheck visits (n, or 0 when the
-- request has no checks) and writes during the next n.
local function new_visitor(req, list, ncheck)
  local st = { pos = 0, ok = true, broken = false, set = 0, removed = 0,
               conflicts = {}, nconflicts = 0 }
  local writes, checks, xts = req.writes, req.checks, req.xts
  local NOP, VREMOVE = kt.Visitor.NOP, kt.Visitor.REMOVE

  local function visit(key, value)
    local pos = st.pos + 1
    st.pos = pos
    if list[pos] ~= key then
      st.broken = true
      return NOP
    end
    if pos <= ncheck then
      local want = checks[key]
      if want ~= nil then
        local conflict = nil
        if value == nil then
          if want ~= ABSENT then conflict = "A" end
        elseif want == ABSENT or want ~= value then
          conflict = "V" .. value
        end
        if conflict then
          st.ok = false
          st.conflicts[key] = conflict
          st.nconflicts = st.nconflicts + 1
        end
      end
      return NOP
    end
    if not st.ok or st.broken then
      return NOP
    end
    local w = writes[key]
    if w == nil then
      return NOP
    end
    if w == REMOVE then
      if value == nil then return NOP end
      st.removed = st.removed + 1
      return VREMOVE
    end
    st.set = st.set + 1
    local xt = xts[key]
    if xt then
      return w, -xt -- negative: absolute (kttimeddb.h modify_exptime)
    end
    return w, NEVER
  end

  local visitor = {}
  function visitor:visit_full(key, value, xt)
    return visit(key, value)
  end
  function visitor:visit_empty(key)
    return visit(key, nil)
  end
  return visitor, st
end

-- fail makes outmap an error reply: only status, error and written.
local function fail(outmap, why, written)
  for k in pairs(outmap) do
    outmap[k] = nil
  end
  outmap.status = "error"
  outmap.error = why
  outmap.written = written and "maybe" or "0"
  return kt.RVSUCCESS
end

-- wrote tells whether the visitor of an apply returned any write.
local function wrote(st)
  return st ~= nil and st.set + st.removed > 0
end

-- guarded wraps a procedure so that a Lua error in it becomes an error
-- reply with the error's text instead of a failed call (see the header).
-- progress.st is the apply's visitor state once it exists.
local function guarded(name, body)
  return function(inmap, outmap)
    local progress = {}
    local ok, err = pcall(body, inmap, outmap, progress)
    if ok then
      return kt.RVSUCCESS
    end
    local why = name .. " raised: " .. tostring(err)
    pcall(kt.log, "error", why)
    return fail(outmap, why, wrote(progress.st))
  end
end

local function version(inmap, outmap)
  outmap.version = PROTOCOL_VERSION
  outmap.impl = "lua"
  outmap.procs = PROCS
end

local function apply(inmap, outmap, progress)
  local req, err = parse(inmap)
  if not req then
    return fail(outmap, err, false)
  end
  local db = resolve_db(req.db)
  if not db then
    return fail(outmap, "no such database: " .. tostring(req.db), false)
  end
  -- Every key is listed twice (check pass, write pass: see the header);
  -- without checks there is nothing to check, so once: the write pass
  -- alone, under the same locks, is just as atomic and visits half as much.
  local n, keys = req.n, req.keys
  local ncheck = next(req.checks) and n or 0
  local list = {}
  for i = 1, ncheck do
    list[i] = keys[i]
  end
  for i = 1, n do
    list[ncheck + i] = keys[i]
  end
  local visitor, st = new_visitor(req, list, ncheck)
  progress.st = st

  local tran = false
  local called, accepted = true, true
  if n > 0 then
    tran = db:begin_transaction() and true or false
    called, accepted = pcall(db.accept_bulk, db, list, visitor, true)
    if tran then
      -- commit only: nothing to undo, and an abort would undo other
      -- clients' writes made meanwhile (KT transactions do not isolate)
      db:end_transaction(true)
    end
  end

  if not called or not accepted or st.broken or st.pos ~= ncheck + n then
    local why = "accept_bulk failed"
    if not called then
      why = "accept_bulk raised: " .. tostring(accepted)
    elseif not accepted then
      why = "accept_bulk failed: " .. tostring(db:error())
    elseif st.broken or st.pos ~= ncheck + n then
      why = string.format("accept_bulk visited records out of order (%d visits for %d keys)", st.pos, n)
    end
    kt.log("error", "ktfdwapply: " .. why)
    return fail(outmap, why, wrote(st))
  end

  outmap.tran = tran and "1" or "0"
  if not st.ok then
    outmap.status = "conflict"
    outmap.conflicts = tostring(st.nconflicts)
    for key, state in pairs(st.conflicts) do
      outmap["C" .. key] = state
    end
    return
  end
  outmap.status = "ok"
  outmap.set = tostring(st.set)
  outmap.removed = tostring(st.removed)
end

ktfdwversion = guarded("ktfdwversion", version)
ktfdwapply = guarded("ktfdwapply", apply)
