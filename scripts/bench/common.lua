-- Shared by the wrk scripts of scripts/bench-web (loaded with dofile from get.lua / save.lua).
--
-- Every thread counts what it saw in response(); done() (run once, in wrk's main Lua state,
-- after the run) adds the threads' counters up and prints ONE machine-readable line that
-- scripts/bench-web parses:
--   KOJO_BENCH requests=N rps=R p50_us=A p99_us=B non200=C nonsaved=D exhausted=E next_slot=F errors=G
-- Session cookie (or API token) and settings come from the environment (set by the scripts).

local threads = {}
local thread_no = 0

-- The session cookie goes on every request (wrk.format copies wrk.headers); for the API
-- (scripts/bench-exchange), an API token instead.
local token = os.getenv("KOJO_BENCH_TOKEN")
if token then
  wrk.headers["Authorization"] = "Bearer " .. token
else
  wrk.headers["Cookie"] = "kojo_session=" .. assert(os.getenv("KOJO_BENCH_SESSION"), "KOJO_BENCH_SESSION unset")
end

-- KOJO_BENCH_ENCODING asks for a compressed response, as a browser does (br, gzip).
local encoding = os.getenv("KOJO_BENCH_ENCODING")
if encoding and encoding ~= "" then
  wrk.headers["Accept-Encoding"] = encoding
end

-- Per-thread counters (globals of each thread's own Lua state).
responses, non200, nonsaved, exhausted, next_slot = 0, 0, 0, 0, 0

-- Runs in the main state once per thread before it starts: number the threads; a script may
-- add its own per-thread settings with on_setup(thread, number).
function setup(thread)
  thread_no = thread_no + 1
  thread:set("thread_no", thread_no)
  if on_setup then on_setup(thread, thread_no) end
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local t = { non200 = 0, nonsaved = 0, exhausted = 0, next_slot = 0 }
  for _, th in ipairs(threads) do
    t.non200 = t.non200 + th:get("non200")
    t.nonsaved = t.nonsaved + th:get("nonsaved")
    t.exhausted = t.exhausted + th:get("exhausted")
    t.next_slot = math.max(t.next_slot, th:get("next_slot"))
  end
  local e = summary.errors
  io.write(string.format(
    "KOJO_BENCH requests=%d rps=%.1f p50_us=%d p99_us=%d non200=%d nonsaved=%d exhausted=%d next_slot=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    t.non200, t.nonsaved, t.exhausted, t.next_slot,
    e.connect + e.read + e.write + e.timeout))
end
