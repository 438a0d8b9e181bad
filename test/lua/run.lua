-- run.lua: runs sql/kt_fdw.lua under a mock Kyoto Tycoon (mock_kt.lua).
-- Usage (from the repository root): lua5.1 test/lua/run.lua [root]
-- Runs the shared cases of kt/ktscript/testdata/apply_cases.json plus
-- checks only a mock can make (visit order, transactions, expiration).
-- Prints "ok - name" / "not ok - name: why"; exits 1 on any failure.
local root = arg[1] or "."
package.path = root .. "/test/lua/?.lua;" .. package.path
local json = require("json")
local mock = require("mock_kt")

local SCRIPT = root .. "/sql/kt_fdw.lua"
local CASES = root .. "/kt/ktscript/testdata/apply_cases.json"

local passed, failed = 0, 0
local function report(name, err)
  if err then
    failed = failed + 1
    print("not ok - " .. name .. ": " .. err)
  else
    passed = passed + 1
    print("ok - " .. name)
  end
end

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function show(s)
  return string.format("%q", s)
end

-- load gives a fresh mock with the script loaded into it.
local function load(opts)
  local kt = mock.new(opts)
  __kyototycoon__ = kt
  ktfdwapply, ktfdwversion = nil, nil
  local chunk = assert(loadfile(SCRIPT))
  chunk()
  assert(type(ktfdwapply) == "function", "script defines no ktfdwapply")
  return kt
end

local function call(proc, inmap)
  local out = {}
  local rv = proc(inmap, out)
  if rv == nil then rv = 0 end
  return rv, out
end

local function same_map(got, want)
  for k, v in pairs(want) do
    if got[k] ~= v then
      return string.format("key %s: got %s, want %s", show(k), got[k] and show(got[k]) or "nothing", show(v))
    end
  end
  for k, v in pairs(got) do
    if want[k] == nil then return string.format("unexpected key %s = %s", show(k), show(v)) end
  end
  return nil
end

local function decoded_map(m)
  local out = {}
  for k, v in pairs(m or {}) do out[unescape(k)] = unescape(v) end
  return out
end

-- run_case checks one shared case; it returns an error text or nil.
local function run_case(c)
  local kt = load()
  local idx = c.db and tonumber(c.db) or 0
  local db = kt.dbs[idx + 1]
  local before = decoded_map(c.before)
  if db then
    for k, v in pairs(before) do db:set(k, v) end
  end
  local inmap = {}
  if c.raw then
    for _, p in ipairs(c.raw) do inmap[unescape(p[1])] = unescape(p[2]) end
  else
    for _, op in ipairs(c.ops) do
      inmap[op[1] .. unescape(op[2])] = op[3] and unescape(op[3]) or ""
    end
  end
  if c.db then inmap.db = c.db end

  local rv, out = call(ktfdwapply, inmap)
  if rv ~= kt.RVSUCCESS then return "return value " .. tostring(rv) end
  local w = c.want
  if out.status ~= w.status then
    return string.format("status %s, want %s (error %s)", tostring(out.status), w.status, tostring(out.error))
  end
  local want = { status = w.status }
  if w.status == "ok" then
    want.set, want.removed, want.tran = tostring(w.set), tostring(w.removed), "1"
    if c.ops and #c.ops == 0 then want.tran = "0" end
  elseif w.status == "conflict" then
    want.tran = "1"
    local n = 0
    for k, state in pairs(w.conflicts) do
      want["C" .. unescape(k)] = unescape(state)
      n = n + 1
    end
    want.conflicts = tostring(n)
  else
    if not (out.error or ""):find(w.error_contains, 1, true) then
      return "error " .. show(tostring(out.error)) .. " lacks " .. show(w.error_contains)
    end
    want.error = out.error
    want.written = "0" -- the shared error cases fail before writing
  end
  local err = same_map(out, want)
  if err then return "reply: " .. err end
  if db then
    local after = c.after and decoded_map(c.after) or before
    err = same_map(mock.contents(kt, db), after)
    if err then return "DB after: " .. err end
  end
  for i = 1, 3 do
    local d = kt.dbs[i]
    if d.in_tran then return "transaction left open on " .. d.name end
    if d.aborts > 0 then return "transaction aborted on " .. d.name end
  end
  return nil
end

local doc = json.decode(readfile(CASES))
for _, c in ipairs(doc.cases) do
  local ok, err = pcall(run_case, c)
  if not ok then err = "raised: " .. tostring(err) end
  report("case: " .. c.name, err)
end

-- Checks that need the mock's insight.
local checks = {}

checks["version"] = function()
  local kt = load()
  local rv, out = call(ktfdwversion, {})
  if rv ~= 0 or out.version ~= "3" or out.impl ~= "lua" then
    return "got " .. tostring(out.version) .. "/" .. tostring(out.impl)
  end
  if not (out.procs or ""):find("ktfdwapply", 1, true) then return "procs lacks ktfdwapply" end
end

checks["every key visited twice, in the same order, under one accept_bulk"] = function()
  local kt = load()
  call(ktfdwapply, { Sa = "1", Rb = "", Vc = "x", Ad = "" })
  local v = kt.db.visits
  if #v ~= 8 then return "visits: " .. #v end
  for i = 1, 4 do
    if v[i] ~= v[i + 4] then return "second pass differs at " .. i end
  end
  local seen = {}
  for i = 1, 4 do seen[v[i]] = true end
  for _, k in ipairs({ "a", "b", "c", "d" }) do
    if not seen[k] then return "key " .. k .. " not visited" end
  end
end

checks["without checks every key is visited once, under one accept_bulk"] = function()
  local kt = load()
  kt.db:set("b", "old")
  local _, out = call(ktfdwapply, { Sa = "1", Rb = "", Sc = "3" })
  if out.status ~= "ok" or out.set ~= "2" or out.removed ~= "1" then
    return "reply " .. tostring(out.status) .. " set=" .. tostring(out.set) .. " removed=" .. tostring(out.removed)
  end
  local v = kt.db.visits
  if #v ~= 3 then return "visits: " .. #v end
  local now = mock.contents(kt, kt.db)
  if now.a ~= "1" or now.b ~= nil or now.c ~= "3" then return "writes missing" end
end

checks["nothing is written during the check pass"] = function()
  local kt = load()
  kt.db:set("a", "1")
  local snapshot
  kt.db.on_visit = function(i, key)
    if i == 3 then snapshot = mock.contents(kt, kt.db) end
  end
  local _, out = call(ktfdwapply, { Sa = "2", Sb = "3", Rc = "" , Va = "1"})
  if out.status ~= "ok" then return "status " .. tostring(out.status) end
  if snapshot == nil then return "hook not called" end
  if snapshot.a ~= "1" or snapshot.b ~= nil then return "a write happened in the check pass" end
  local now = mock.contents(kt, kt.db)
  if now.a ~= "2" or now.b ~= "3" then return "writes missing" end
end

checks["a set clears an old expiration (never expires, like set_bulk)"] = function()
  local kt = load()
  kt.db:set("a", "old", 60)
  local _, out = call(ktfdwapply, { Sa = "new", Sb = "fresh" })
  if out.status ~= "ok" then return "status " .. tostring(out.status) end
  if kt.db.recs.a.xt ~= mock.XTMAX then return "a xt = " .. tostring(kt.db.recs.a.xt) end
  if kt.db.recs.b.xt ~= mock.XTMAX then return "b xt = " .. tostring(kt.db.recs.b.xt) end
end

checks["an expired record counts as absent"] = function()
  local kt = load()
  kt.db:set("gone", "v", 10)
  kt.now = kt.now + 100
  local _, out = call(ktfdwapply, { Sgone = "again", Agone = "" })
  if out.status ~= "ok" then return "absent check: status " .. tostring(out.status) end
  kt.db:set("gone2", "v", 10)
  kt.now = kt.now + 100
  _, out = call(ktfdwapply, { Sgone2 = "x", Vgone2 = "v" })
  if out.status ~= "conflict" or out.Cgone2 ~= "A" then return "value check: " .. tostring(out.status) end
end

checks["accept_bulk failure: error, transaction committed, not aborted"] = function()
  local kt = load()
  kt.db.fail_accept = true
  local _, out = call(ktfdwapply, { Sa = "1" })
  if out.status ~= "error" or not out.error:find("accept_bulk failed", 1, true) then
    return "status " .. tostring(out.status) .. " " .. tostring(out.error)
  end
  if out.written ~= "0" then return "written " .. tostring(out.written) .. ", want 0" end
  if kt.db.in_tran or kt.db.aborts ~= 0 or kt.db.commits ~= 1 then return "transaction state wrong" end
end

checks["accept_bulk raising: error, transaction still ended"] = function()
  local kt = load()
  kt.db.accept_bulk = function() error("boom") end
  local _, out = call(ktfdwapply, { Sa = "1" })
  if out.status ~= "error" or not out.error:find("boom", 1, true) then return "status " .. tostring(out.status) end
  if kt.db.in_tran or kt.db.aborts ~= 0 then return "transaction left open or aborted" end
end

checks["no transaction support: applied with tran=0"] = function()
  local kt = load()
  kt.db.no_tran = true
  local _, out = call(ktfdwapply, { Sa = "1" })
  if out.status ~= "ok" or out.tran ~= "0" then return "status " .. tostring(out.status) .. " tran " .. tostring(out.tran) end
  if kt.db:get("a") ~= "1" then return "not written" end
end

checks["one transaction per apply, committed"] = function()
  local kt = load()
  call(ktfdwapply, { Sa = "1" })
  call(ktfdwapply, { Sb = "1", Aa = "" })
  if kt.db.begins ~= 2 or kt.db.commits ~= 2 or kt.db.aborts ~= 0 then
    return string.format("begins %d commits %d aborts %d", kt.db.begins, kt.db.commits, kt.db.aborts)
  end
end

checks["visit order surprise in the check pass writes nothing"] = function()
  local kt = load()
  local real = kt.db.accept_bulk
  kt.db.accept_bulk = function(self, keys, visitor, writable)
    local swapped = {}
    for i = 1, #keys do swapped[i] = keys[i] end
    swapped[1], swapped[2] = swapped[2], swapped[1]
    return real(self, swapped, visitor, writable)
  end
  local _, out = call(ktfdwapply, { Sa = "1", Sb = "2" })
  if out.status ~= "error" then return "status " .. tostring(out.status) end
  if kt.db:get("a") or kt.db:get("b") then return "something was written" end
end

checks["DB names and indexes resolve"] = function()
  local kt = load()
  local _, out = call(ktfdwapply, { db = "tree", Sa = "1" })
  if out.status ~= "ok" or kt.dbs.tree:get("a") ~= "1" then return "by name: " .. tostring(out.status) end
  _, out = call(ktfdwapply, { db = "2", Sa = "1" })
  if out.status ~= "ok" or kt.dbs.hash:get("a") ~= "1" then return "by index: " .. tostring(out.status) end
  _, out = call(ktfdwapply, { db = "", Sa = "1" })
  if out.status ~= "ok" or kt.dbs.stash:get("a") ~= "1" then return "default: " .. tostring(out.status) end
end

checks["accept_bulk failing in the write pass: error, written=maybe"] = function()
  local kt = load()
  kt.db.fail_after = 3 -- check pass of a and b, then the write of a
  local rv, out = call(ktfdwapply, { Sa = "1", Sb = "2", Aa = "", Ab = "" })
  if rv ~= kt.RVSUCCESS then return "return value " .. tostring(rv) end
  if out.status ~= "error" or not out.error:find("accept_bulk failed", 1, true) then
    return "status " .. tostring(out.status) .. " " .. tostring(out.error)
  end
  if out.written ~= "maybe" then return "written " .. tostring(out.written) .. ", want maybe" end
  if kt.db:get("a") ~= "1" then return "the mock did not write a: the check proves nothing" end
end

checks["a Lua error before the writes: error reply with its text, written=0"] = function()
  local kt = load()
  kt.db.begin_transaction = function() error("disk on fire") end
  local rv, out = call(ktfdwapply, { Sa = "1" })
  if rv ~= kt.RVSUCCESS then return "return value " .. tostring(rv) .. ": the binary protocol would say only 0xBF" end
  if out.status ~= "error" or not (out.error or ""):find("disk on fire", 1, true) then
    return "status " .. tostring(out.status) .. " " .. tostring(out.error)
  end
  if not out.error:find("ktfdwapply", 1, true) then return "error does not name the procedure: " .. out.error end
  if out.written ~= "0" then return "written " .. tostring(out.written) end
  local err = same_map(out, { status = "error", error = out.error, written = "0" })
  if err then return err end
  if kt.db:get("a") then return "written" end
end

checks["a Lua error after the writes: error reply, written=maybe"] = function()
  local kt = load()
  local real = kt.db.end_transaction
  kt.db.end_transaction = function(self, commit)
    real(self, commit)
    error("sync failed")
  end
  local rv, out = call(ktfdwapply, { Sa = "1", Rb = "" })
  if rv ~= kt.RVSUCCESS then return "return value " .. tostring(rv) end
  if out.status ~= "error" or not (out.error or ""):find("sync failed", 1, true) then
    return "status " .. tostring(out.status) .. " " .. tostring(out.error)
  end
  if out.written ~= "maybe" then return "written " .. tostring(out.written) end
  if out.set or out.tran then return "outputs of the failed apply left in the reply" end
end

local names = {}
for name in pairs(checks) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  local ok, err = pcall(checks[name])
  if not ok then err = "raised: " .. tostring(err) end
  report("mock: " .. name, err)
end

print(string.format("%d passed, %d failed", passed, failed))
if failed > 0 then os.exit(1) end
