-- Scenario 2: memoryd GET /api/rest/memory?key=k<random in 0..BENCH_KEYS-1>, with the bearer key.
-- Requests are pre-formatted per thread so the per-request Lua cost is one table lookup.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local reqs = {}

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919 + math.floor(os.clock() * 1e6))
  local h = bench.headers(false)
  for i = 0, bench.keys - 1 do
    reqs[i] = wrk.format("GET", "/api/rest/memory?key=k" .. i, h)
  end
end

function request()
  return reqs[math.random(0, bench.keys - 1)]
end
