-- wrk: the same Africa's Talking USSD body every time (for a server that answers with a
-- fixed text, like the nginx reference); prints the RESULT line.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local result = require("result")
wrk.method = "POST"
wrk.body = "sessionId=ATUid_1&serviceCode=*384*12%23&phoneNumber=%2B93700000001&text=&networkCode=41201"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
done = result.done
