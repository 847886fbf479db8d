-- Scenario 3: memoryd PUT /api/rest/memory, each request with a NEW key:
--   w<run id>-t<thread>-<counter>; run.sh makes the run id unique per wrk run, so keys never
--   repeat across threads, rounds or invocations. Every request is an insert, never an update.
-- Each run writes into its own space (X-Memory-Space: bench-put-<run id>): every run starts from
-- an empty space, and rounds x runs never reach memoryd's default limit of 1,000,000 memories
-- per space (which would turn inserts into 4xx answers).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local counter = 0
local prefix

local headers

function init(args)
  prefix = "w" .. bench.run_id .. "-t" .. tostring(tid) .. "-"
  headers = bench.headers(true)
  headers["X-Memory-Space"] = "bench-put-" .. bench.run_id
end

function request()
  counter = counter + 1
  return bench.put_request(prefix .. counter, headers)
end
