-- wrk: Kannel's sendsms, one distinct message a request, at most QUOTA requests per thread
-- (so the run is bounded in count as well as in time: the caller stops wrk with SIGINT once
-- everything arrived); prints the RESULT line.
package.path = os.getenv("BENCH_DIR") .. "/../http/?.lua;" .. package.path
local result = require("result")
local quota = tonumber(os.getenv("QUOTA") or "1000")
local user = os.getenv("KANNEL_USER") or "bench"
local pass = os.getenv("KANNEL_PASS") or "bench"
local threads = {}
local thread_id = 0

function setup(thread)
   thread_id = thread_id + 1
   thread:set("id", thread_id)
   table.insert(threads, thread)
end

local sent = 0
function request()
   sent = sent + 1
   if sent > quota then
      wrk.thread:stop()
   end
   return wrk.format("GET", "/cgi-bin/sendsms?username=" .. user .. "&password=" .. pass ..
      "&from=3030&to=%2B93700000001&text=Bench+message+" .. id .. "-" .. sent)
end

done = result.done
