-- wrk: the same Africa's Talking delivery report every time, to Paygham's status callback
-- and to the nginx reference alike; prints the RESULT line.
package.path = os.getenv("BENCH_DIR") .. "/../http/?.lua;" .. package.path
local result = require("result")
wrk.method = "POST"
wrk.body = "id=ATXid_dda018a640edfcc5d2ce455de3e4a6e7&status=Success&phoneNumber=%2B93700000001&networkCode=41201"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
done = result.done
