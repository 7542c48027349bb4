-- wrk script for the save benchmark: each request saves one answer exactly as the assessment
-- page does with htmx (POST /a/{id}/items/{n}, HX-Request: true, urlencoded form with _csrf
-- and version=0), each on a FRESH (blank assessment, item) slot, so every request is a real
-- durable commit (never a version conflict, never a rewrite of the same row).
--
-- Slots: slot k (0-based) = assessment ids[k // 63 + 1], item k % 63 + 1, where ids comes from
-- the generated Lua file $KOJO_BENCH_SLOTS (`return { "id", ... }`). This run uses the slots
-- [$KOJO_BENCH_FIRST, $KOJO_BENCH_LAST); setup() gives each of the $KOJO_BENCH_THREADS threads
-- its own equal sub-range, so threads never overlap. A thread that runs out of slots counts
-- "exhausted" and repeats its last slot (which then answers with a conflict: counted nonsaved).
--
-- response() checks every answer: status 200 and the item fragment reporting
-- data-state="saved"; anything else is counted in nonsaved (and non200).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local ITEMS = 63
local ids = dofile(assert(os.getenv("KOJO_BENCH_SLOTS"), "KOJO_BENCH_SLOTS unset"))
local csrf = assert(os.getenv("KOJO_BENCH_CSRF"), "KOJO_BENCH_CSRF unset")
local run_first = tonumber(os.getenv("KOJO_BENCH_FIRST") or "0")
local run_last = tonumber(os.getenv("KOJO_BENCH_LAST") or tostring(#ids * ITEMS))
local nthreads = tonumber(os.getenv("KOJO_BENCH_THREADS") or "1")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["HX-Request"] = "true"
wrk.body = "_csrf=" .. csrf .. "&version=0&mark=implemented&note=bench"

-- Main state: thread n of N gets [first + (n-1)*per, first + n*per).
function on_setup(thread, n)
  local per = math.floor((run_last - run_first) / nthreads)
  thread:set("slot", run_first + (n - 1) * per)
  thread:set("slot_end", run_first + n * per)
end

function init(args)
  next_slot = slot
end

function request()
  local k = slot
  if k < slot_end then
    slot = slot + 1
  else
    exhausted = exhausted + 1
    k = slot_end - 1
  end
  next_slot = slot
  local id = ids[math.floor(k / ITEMS) + 1]
  local path = string.format("/a/%s/items/%d", id, k % ITEMS + 1)
  return wrk.format(nil, path)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    non200 = non200 + 1
    nonsaved = nonsaved + 1
  elseif not string.find(body, 'data-state="saved"', 1, true) then
    nonsaved = nonsaved + 1
  end
end
