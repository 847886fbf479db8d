-- Scenario 1: plain GET of the fixed body nginx serves (no Lua work per request beyond wrk's own).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
