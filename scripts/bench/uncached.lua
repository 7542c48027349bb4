-- wrk script for the GET benchmarks without kojo's page cache: every request adds a query
-- parameter no other request has (nocache=THREAD-N; kojo ignores it), so the page is rendered
-- for every request, as after any change to the data. Checks as get.lua does.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local n = 0
function request()
  n = n + 1
  local sep = wrk.path:find("?", 1, true) and "&" or "?"
  return wrk.format("GET", wrk.path .. sep .. "nocache=" .. thread_no .. "-" .. n)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then non200 = non200 + 1 end
end
