-- wrk: Africa's Talking USSD hops that each start a new session, so every request makes
-- Paygham find or create the contact, step the flow and durably store a new run:
--   half dial the menu (text empty: a CON screen, the run stays active),
--   half dial with two pre-answered screens (text "1*1": three engine steps, END).
-- Session ids are unique; each phone number makes three requests in a row and is then
-- replaced by a new one, as a person's session repeats their number for a few hops. WRK_TAG
-- (0-9) keeps two wrk processes loading two nodes at once apart.
-- USSD_CODE dials another service code (default *384*12#); USSD_TEXT sends that text on every
-- request instead, each from a new number (USSD_CODE='*384*13#' USSD_TEXT=1: people enrolling in
-- the daily reminder, tools/bench/schedule).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local result = require("result")

local tag = result.tag
local code = string.gsub(os.getenv("USSD_CODE") or "*384*12#", "#", "%%23")
local fixed_text = os.getenv("USSD_TEXT")
setup = result.setup

function request()
   local counter = result.next()
   local text, phone
   if fixed_text then
      text = fixed_text
      phone = 93780000000 + (tag * 4 + tid) * 1000000 + counter % 1000000
   else
      text = (counter % 2 == 0) and "1*1" or ""
      phone = 93700000000 + (tag * 4 + tid) * 10000000 + math.floor(counter / 3) % 10000000
   end
   local body = string.format(
      "sessionId=B%d-%d-%d-%d&serviceCode=%s&phoneNumber=%%2B%d&text=%s&networkCode=41201",
      tag, tid, os.time(), counter, code, phone, text)
   return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = result.done
