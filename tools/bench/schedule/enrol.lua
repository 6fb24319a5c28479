-- wrk: people enrolling in the daily reminder over USSD (flows/reminders.yaml, *384*13#): each
-- request is a new number dialling with its answer, 08:00, already given, so every request
-- stores a run, a series and its first job (END "Done: a reminder every day at 08:00.").
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local result = require("result")

local counter = 0
local tag = result.tag
setup = result.setup

function init(args)
   counter = 0
end

function request()
   counter = counter + 1
   local phone = 93780000000 + (tag * 4 + tid) * 1000000 + counter % 1000000
   local body = string.format(
      "sessionId=E%d-%d-%d-%d&serviceCode=*384*13%%23&phoneNumber=%%2B%d&text=1&networkCode=41201",
      tag, tid, os.time(), counter, phone)
   return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = result.done
