-- wrk: inbound SMS as Africa's Talking posts them, each with a new message id from one of many
-- numbers, saying INFO: Paygham checks the sender, stores the event durably before the 200,
-- runs the keyword's flow and queues its reply (sent on to nginx's fixed send answer).
-- WRK_TAG (0-9) keeps two wrk processes apart.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local result = require("result")

local tag = result.tag
setup = result.setup

function request()
   local counter = result.next()
   local phone = 93790000000 + (tag * 4 + tid) * 1000000 + counter % 1000000
   local body = string.format("from=%%2B%d&to=21512&text=INFO&id=S%d-%d-%d-%d&date=2026-11-30",
                              phone, tag, tid, os.time(), counter)
   return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = result.done
