-- wrk: Africa's Talking delivery reports, each for a different message id (as a real stream
-- is), to Paygham's status callback and to the nginx reference alike; prints the RESULT line.
-- No message has these ids, so Paygham stores each as 'waiting' (a report before its send
-- reply): the full path of a report, lookup included. WRK_TAG keeps two wrk apart.
package.path = os.getenv("BENCH_DIR") .. "/../http/?.lua;" .. package.path
local result = require("result")

local counter = 0
local tag = result.tag
setup = result.setup

function request()
   counter = counter + 1
   local body = string.format("id=ATXid_b%d-%d-%d-%d&status=Success&phoneNumber=%%2B93700000001&networkCode=41201",
                              tag, tid, os.time(), counter)
   return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = result.done
