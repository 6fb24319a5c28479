-- wrk: a static GET (path from the URL); prints the RESULT line.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local result = require("result")
done = result.done
