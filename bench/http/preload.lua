-- Preload: PUT k0..k<BENCH_KEYS-1> once each, spread over the wrk threads (thread t writes
-- k<t>, k<t+T>, ...), then stop.
-- wrk is time-bound, so: when a thread's keys run out, delay() parks its connections (no new
-- requests); the response that leaves nothing in flight stops the thread's loop and drops a
-- marker file in BENCH_DONE_DIR. run.sh waits for one marker per thread, then sends SIGINT to
-- wrk, which ends its sleep and prints the summary.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local next_key, issued, answered, bad, verify_call

function init(args)
  next_key = tid
  issued, answered, bad = 0, 0, 0
  -- wrk calls request() once on thread 0's state to validate the script's request; that
  -- request is never sent, so it must not consume a key.
  verify_call = (tid == 0)
end

function delay()
  if next_key >= bench.keys then return 3600000 end  -- park: this thread's keys are all sent
  return 0
end

function request()
  if verify_call then
    verify_call = false
    return wrk.format("GET", "/healthz")
  end
  issued = issued + 1
  if next_key < bench.keys then
    local k = next_key
    next_key = next_key + bench.threads
    return bench.put_request("k" .. k)
  end
  -- A connection asked for a request after another one took the last key: harmless filler.
  return wrk.format("GET", "/healthz")
end

function response(status, headers, body)
  answered = answered + 1
  if status < 200 or status > 299 then
    bad = bad + 1
    if bad <= 3 then io.stderr:write("preload: HTTP " .. status .. ": " .. tostring(body) .. "\n") end
  end
  if next_key >= bench.keys and answered >= issued then
    local f = io.open(os.getenv("BENCH_DONE_DIR") .. "/thread-" .. tid .. ".done", "w")
    if f then f:write(answered, " ", bad, "\n"); f:close() end
    wrk.thread:stop()
  end
end
