-- mock_kt.lua: an in-memory stand-in for Kyoto Tycoon's scripting
-- environment (__kyototycoon__), as much of it as kt_fdw.lua uses, with the
-- behaviour read in ktscrext.cc / kttimeddb.h:
--  * db:accept_bulk(keys, visitor, writable) visits the keys in list order,
--    duplicates included; visitor is a table (visit_full(self, k, v, xt),
--    visit_empty(self, k)) or a function (f(k, v, xt) / f(k, nil));
--    results: a string = new value (2nd result a number = xt, else visit_full
--    keeps the old xt and visit_empty uses "never"), Visitor.REMOVE from
--    visit_full removes, anything else is NOP; an expired record is visited
--    as empty; an error inside the visitor is swallowed (NOP).
--  * begin_transaction / end_transaction, one at a time per DB; the mock
--    records every call so tests can check none is left open or aborted.
local M = {}

local XTMAX = 2 ^ 40 - 1 -- TimedDB::XTMAX (stored "never")

local function modify_exptime(xt, now)
  if xt < 0 then xt = -xt else xt = xt + now end
  if xt > XTMAX then xt = XTMAX end
  return xt
end

function M.new(opts)
  opts = opts or {}
  local kt = {
    RVSUCCESS = 0, RVENOIMPL = 1, RVEINVALID = 2, RVELOGIC = 3, RVEINTERNAL = 5,
    Visitor = { NOP = setmetatable({}, { __tostring = function() return "NOP" end }),
                REMOVE = setmetatable({}, { __tostring = function() return "REMOVE" end }) },
    dbs = {},
    logs = {},
    now = opts.now or 1000,
  }
  function kt.log(kind, msg) kt.logs[#kt.logs + 1] = kind .. ": " .. msg end
  function kt.time() return kt.now end

  local function newdb(name)
    local db = { name = name, recs = {}, in_tran = false, begins = 0, commits = 0, aborts = 0,
                 visits = {}, fail_accept = false, no_tran = false }
    db.__index = db

    local function live(key)
      local r = db.recs[key]
      if r and r.xt < kt.now then return nil end
      return r
    end

    function db:get(key)
      local r = live(key)
      if r then return r.value, r.xt end
      return nil
    end
    function db:set(key, value, xt)
      db.recs[key] = { value = value, xt = xt and modify_exptime(xt, kt.now) or XTMAX }
      return true
    end
    function db:remove(key)
      local had = live(key) ~= nil
      db.recs[key] = nil
      return had
    end
    function db:begin_transaction(hard)
      if db.no_tran then return false end
      if db.in_tran then error("mock: begin_transaction while in a transaction (KT would spin forever)") end
      db.in_tran = true
      db.begins = db.begins + 1
      return true
    end
    function db:end_transaction(commit)
      if not db.in_tran then return false end
      db.in_tran = false
      if commit == nil or commit then db.commits = db.commits + 1 else db.aborts = db.aborts + 1 end
      return true
    end
    function db:error() return "mock error" end
    function db:accept_bulk(keys, visitor, writable)
      if type(keys) ~= "table" then error("accept_bulk: invalid arguments") end
      if db.fail_accept then return false end
      for i = 1, #keys do
        if db.fail_after and i > db.fail_after then return false end -- an I/O error mid-call
        local key = keys[i]
        db.visits[#db.visits + 1] = key
        local r = live(key)
        local ok, res, xt
        if r then
          if type(visitor) == "table" then
            ok, res, xt = pcall(visitor.visit_full, visitor, key, r.value, r.xt)
          else
            ok, res, xt = pcall(visitor, key, r.value, r.xt)
          end
        else
          if type(visitor) == "table" then
            ok, res, xt = pcall(visitor.visit_empty, visitor, key)
          else
            ok, res, xt = pcall(visitor, key, nil)
          end
        end
        if ok and writable then
          if r and res == kt.Visitor.REMOVE then
            db.recs[key] = nil
          elseif type(res) == "string" or type(res) == "number" then
            local newxt
            if type(xt) == "number" then
              newxt = modify_exptime(xt, kt.now)
            elseif r then
              newxt = r.xt
            else
              newxt = XTMAX
            end
            db.recs[key] = { value = tostring(res), xt = newxt }
          end
        end
        if db.on_visit then db.on_visit(i, key) end
      end
      return true
    end
    return db
  end

  local names = opts.dbs or { "stash", "tree", "hash" }
  for i, name in ipairs(names) do
    local db = newdb(name)
    kt.dbs[i] = db
    kt.dbs[name] = db
  end
  kt.db = kt.dbs[1]
  return kt
end

-- contents returns a DB's live records as key -> value.
function M.contents(kt, db)
  local out = {}
  for k, r in pairs(db.recs) do
    if r.xt >= kt.now then out[k] = r.value end
  end
  return out
end

M.XTMAX = XTMAX
return M
