-- Shared by every wrk script of bench/http (loaded with dofile; wrk gives each thread its own
-- Lua state, so this runs once per thread and once in the main state).
-- Environment (set by run.sh):
--   BENCH_API_KEY   bearer token for memoryd (may be empty for the nginx scenario)
--   BENCH_KEYS      number of preloaded keys k0..k<N-1>
--   BENCH_THREADS   wrk thread count
--   BENCH_RUN_ID    unique per wrk run; makes PUT keys unique across rounds and runs

bench = {}

bench.api_key = os.getenv("BENCH_API_KEY") or ""
bench.keys    = tonumber(os.getenv("BENCH_KEYS") or "10000")
bench.threads = tonumber(os.getenv("BENCH_THREADS") or "2")
bench.run_id  = os.getenv("BENCH_RUN_ID") or tostring(os.time())

-- ~100 characters of plain text (no characters that need JSON escaping).
bench.value = "Benchmark memory text: the quick brown fox jumps over the lazy dog near the river bank at dawn."

function bench.headers(with_body)
  local h = {}
  if bench.api_key ~= "" then h["Authorization"] = "Bearer " .. bench.api_key end
  if with_body then h["Content-Type"] = "application/json" end
  return h
end

function bench.put_request(key, headers)
  local body = '{"key":"' .. key .. '","value":"' .. bench.value .. '","tags":["bench"]}'
  return wrk.format("PUT", "/api/rest/memory", headers or bench.headers(true), body)
end

-- Thread numbering: setup() runs in the main state once per thread, before the threads start.
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

-- One machine-readable line with exact figures from wrk's own histogram (microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  local function pct(p) return math.floor(latency:percentile(p)) end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"rps":%.2f,"bytes":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"non2xx":%d,"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.requests / secs, summary.bytes,
    pct(50), pct(90), pct(99), pct(99.9), math.floor(latency.max), latency.mean,
    e.status, e.connect, e.read, e.write, e.timeout))
end
