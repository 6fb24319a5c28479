-- Shared by the wrk scripts here: one machine-readable line at the end of a run, and the
-- numbering that keeps each thread's (and each wrk's) requests apart.
local M = {}

-- WRK_TAG (0-9): which of several wrk processes loading several nodes at once this is.
M.tag = tonumber(os.getenv("WRK_TAG") or "0")

-- This thread's requests so far, counting this one (each wrk thread has its own Lua state).
local count = 0
function M.next()
   count = count + 1
   return count
end

local threads = {}
-- As wrk's setup(): runs in the main Lua state; thread:set makes `tid` (1, 2, …) a global in
-- each thread's own.
function M.setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

function M.done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "errors=%d non2xx=%d\n",
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
      e.connect + e.read + e.write + e.timeout, e.status))
end

return M
