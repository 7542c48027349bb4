-- wrk script for the GET benchmarks (assessment page, dashboard): the URL given to wrk is
-- requested as is, with the session cookie; every response must be 200 (a 303 to /login
-- would mean the session was lost, and is counted as non200).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then non200 = non200 + 1 end
end
