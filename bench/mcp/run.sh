#!/usr/bin/env bash
# MCP against REST: the latency of a search as an MCP tool call (POST /mcp, tools/call
# search_memories, in a session) next to the same search over REST (POST /mcp/search), on one
# memoryd with a preloaded space. Rounds alternate REST and MCP so both see the same machine.
#
# Usage: bench/mcp/run.sh  (settings from the environment)
#   ROUNDS (10), DURATION seconds per run (3), CONNECTIONS (4), THREADS (1), MEMORIES (2000),
#   MEMORYD_BIN (build/memoryd), TARGET (1.2: the largest allowed MCP/REST ratio of median p50).
# Exit status: 0 target met; 1 setup failure or failed requests; 2 target missed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROUNDS=${ROUNDS:-10}
DURATION=${DURATION:-3}
CONNECTIONS=${CONNECTIONS:-4}
THREADS=${THREADS:-1}
MEMORIES=${MEMORIES:-2000}
TARGET=${TARGET:-1.2}
MEMORYD_BIN=${MEMORYD_BIN:-$REPO/build/memoryd}

command -v wrk > /dev/null || { echo "bench/mcp: needs wrk (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d)
PID=""
cleanup() {
  [[ -n $PID ]] && kill "$PID" 2> /dev/null && wait "$PID" 2> /dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KEY="bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BASE="http://127.0.0.1:$PORT"
"$MEMORYD_BIN" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" --api-key "$KEY" \
  --quiet --sync normal 2> "$WORK/server.log" &
PID=$!
for _ in $(seq 100); do curl -sf "$BASE/healthz" > /dev/null && break; sleep 0.1; done
curl -sf "$BASE/healthz" > /dev/null || { cat "$WORK/server.log" >&2; exit 1; }

echo "preloading $MEMORIES memories..." >&2
/usr/bin/python3 "$HERE/preload.py" "$BASE" "$KEY" "$MEMORIES"
SESSION=$(curl -sf -D - -o /dev/null "$BASE/mcp" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
[[ -n $SESSION ]] || { echo "bench/mcp: no session id from initialize" >&2; exit 1; }

run() {  # run MODE -> one RESULT line
  MODE=$1 KEY=$KEY SESSION=$SESSION timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" \
    -d"${DURATION}s" -s "$HERE/search.lua" "$BASE" > "$WORK/wrk.out" 2>&1
  if grep -q "Non-2xx\|Socket errors" "$WORK/wrk.out"; then cat "$WORK/wrk.out" >&2; exit 1; fi
  grep '^RESULT' "$WORK/wrk.out"
}

run rest > /dev/null  # warm up caches and indexes
run mcp > /dev/null
: > "$WORK/results"
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  run rest >> "$WORK/results"
  run mcp >> "$WORK/results"
done

/usr/bin/python3 - "$WORK/results" "$TARGET" "$CONNECTIONS" "$MEMORIES" "$DURATION" <<'PY'
import statistics, sys
rows = [dict(kv.split("=") for kv in line.split()[1:]) for line in open(sys.argv[1])]
target, connections, memories = float(sys.argv[2]), sys.argv[3], sys.argv[4]
duration = float(sys.argv[5])
def med(mode, field):
    return statistics.median(float(r[field]) for r in rows if r["mode"] == mode)
print(f"search over {memories} memories, {connections} connections, median of {len(rows)//2} rounds")
print(f"| surface | requests/s | p50 ms | p90 ms | p99 ms |")
print(f"|---|---|---|---|---|")
for mode, name in (("rest", "REST POST /mcp/search"), ("mcp", "MCP tools/call search_memories")):
    rps = statistics.median(float(r["requests"]) for r in rows if r["mode"] == mode) / duration
    print(f"| {name} | {rps:.0f} | {med(mode,'p50_us')/1000:.2f} | "
          f"{med(mode,'p90_us')/1000:.2f} | {med(mode,'p99_us')/1000:.2f} |")
ratio = med("mcp", "p50_us") / med("rest", "p50_us")
mean_ratio = med("mcp", "mean_us") / med("rest", "mean_us")
print(f"MCP/REST latency ratio: p50 {ratio:.2f}, mean {mean_ratio:.2f} (target: p50 <= {target})")
sys.exit(0 if ratio <= target else 2)
PY
