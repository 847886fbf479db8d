-- wrk script: search requests rotating through a fixed list of queries, either over REST
-- (POST /mcp/search, seed 000) or over MCP (POST /mcp, tools/call search_memories).
-- Environment: MODE (rest | mcp), KEY (bearer key), SESSION (Mcp-Session-Id, mcp only).
local mode = os.getenv("MODE") or "rest"
local key = os.getenv("KEY") or ""
local session = os.getenv("SESSION")
local queries = {
  "deployment pipeline for the backend", "what does the user prefer in editors",
  "database migration plan", "who owns the billing service", "travel plans next month",
  "favourite programming language", "how are backups verified", "coffee order",
  "incident with the load balancer", "notes about the quarterly review",
}
local counter = 0

local function body(query)
  if mode == "rest" then
    return string.format('{"q":"%s","top_k":10}', query)
  end
  return string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"search_memories",' ..
    '"arguments":{"query":"%s","top_k":10}}}', counter, query)
end

request = function()
  counter = counter + 1
  local query = queries[(counter % #queries) + 1]
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }
  local path = "/mcp/search"
  if mode == "mcp" then
    path = "/mcp"
    headers["Accept"] = "application/json, text/event-stream"
    headers["MCP-Protocol-Version"] = "2025-11-25"
    if session then headers["Mcp-Session-Id"] = session end
  end
  return wrk.format("POST", path, headers, body(query))
end

local failures = 0
response = function(status, headers, text)
  -- A tool error is HTTP 200 with isError; count it as a failure too.
  if status ~= 200 or (mode == "mcp" and string.find(text, '"isError":true', 1, true)) then
    failures = failures + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT mode=%s requests=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%.0f\n",
    mode, summary.requests, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean))
end
