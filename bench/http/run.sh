#!/usr/bin/env bash
# HTTP benchmark: memoryd against nginx (the machine's ceiling for a tiny keep-alive response).
#
# Scenarios, run interleaved in every round (nginx, memoryd GET, memoryd PUT):
#   nginx-get    nginx (1 worker) returning a fixed JSON body shaped like a memoryd GET answer
#   memoryd-get  GET /api/rest/memory?key=k<random preloaded key>, bearer auth
#   memoryd-put  PUT /api/rest/memory with a new unique key per request (durable insert)
#
# Usage: bench/http/run.sh [--rounds N] [--duration SECS] [--connections N] [--threads N]
#                          [--keys N] [--memoryd-bin PATH] [--out-dir DIR] [--wait-quiet SECS]
#                          [--nginx-only] [--self-test]
# Environment equivalents: ROUNDS, DURATION, CONNECTIONS, THREADS, KEYS, MEMORYD_BIN, OUT_DIR,
#   NGINX_PORT, MEMORYD_PORT, PAUSE (seconds between runs), MEMORYD_ARGS (extra serve flags),
#   WAIT_QUIET (wait up to SECS for >= 85% idle CPUs before starting), SETTLE_LIMIT (wait up to
#   SECS before each run for memoryd to finish background indexing; default 180).
# Exit status: 0 all targets met; 1 setup failure or any non-2xx / socket error; 2 a target missed.
# See bench/README.md.
# shellcheck disable=SC2317  # functions reached only through trap
set -euo pipefail
# The whole script is one brace group, so bash parses it fully before running it: editing the
# file while a benchmark runs cannot change what that run executes.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
KEYS=${KEYS:-10000}
MEMORYD_BIN=${MEMORYD_BIN:-$REPO/build/memoryd}
OUT_DIR=${OUT_DIR:-$REPO/bench/out}
PAUSE=${PAUSE:-2}
WAIT_QUIET=${WAIT_QUIET:-0}
MODE=full   # full | nginx-only | self-test

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --memoryd-bin) MEMORYD_BIN=$2; shift 2 ;;
    --out-dir) OUT_DIR=$2; shift 2 ;;
    --wait-quiet) WAIT_QUIET=$2; shift 2 ;;
    --nginx-only) MODE=nginx-only; shift ;;
    # Runs every scenario (preload included) against nginx instead of memoryd: checks the
    # scripts, the Lua and the parsing without a memoryd binary. Targets are not evaluated.
    --self-test) MODE=self-test; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 1 ;;
  esac
done

DURATION=${DURATION%s}
for v in ROUNDS DURATION CONNECTIONS THREADS KEYS PAUSE WAIT_QUIET; do
  [[ ${!v} =~ ^[0-9]+$ && ( ${!v} -gt 0 || $v == PAUSE || $v == WAIT_QUIET ) ]] \
    || { echo "run.sh: $v must be a positive integer (got '${!v}')" >&2; exit 1; }
done
(( CONNECTIONS >= THREADS )) || { echo "run.sh: CONNECTIONS must be >= THREADS" >&2; exit 1; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- tools
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_pkgs+=(nginx-light)
command -v curl >/dev/null || need_pkgs+=(curl)
if ((${#need_pkgs[@]})); then
  log "installing: ${need_pkgs[*]}"
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq "${need_pkgs[@]}"; } >&2; then
    die "apt-get install ${need_pkgs[*]} failed"
  fi
  # The Debian package starts a system nginx on :80; this benchmark never uses it.
  if [[ " ${need_pkgs[*]} " == *" nginx-light "* ]] && command -v systemctl >/dev/null; then
    systemctl stop nginx >/dev/null 2>&1 || true
  fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [[ $MODE == full ]]; then
  [[ -x $MEMORYD_BIN ]] || die "memoryd binary not found or not executable: $MEMORYD_BIN (set MEMORYD_BIN)"
fi

# ---------------------------------------------------------------- quiet machine
idle_pct() {  # idle share of all CPUs over a 5 s sample
  local a b
  a=$(awk '/^cpu /{print $5 + $6, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat)
  sleep 5
  b=$(awk '/^cpu /{print $5 + $6, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    t = y[2] - x[2]; printf "%.0f", (t > 0 ? 100 * (y[1] - x[1]) / t : 100) }'
}
if ((WAIT_QUIET > 0)); then
  quiet_deadline=$((SECONDS + WAIT_QUIET))
  while :; do
    idle=$(idle_pct)
    ((idle >= 85)) && { log "CPUs ${idle}% idle: starting"; break; }
    if ((SECONDS >= quiet_deadline)); then
      log "warning: CPUs still only ${idle}% idle after ${WAIT_QUIET} s; running anyway (noisy)"
      break
    fi
    log "CPUs ${idle}% idle; waiting for a quiet machine (up to $((quiet_deadline - SECONDS)) s more)"
    sleep 10
  done
fi

# ---------------------------------------------------------------- temp dir, processes, cleanup
TMP=$(mktemp -d /tmp/memoryd-bench.XXXXXX)
NGINX_PID=""
MEMORYD_PID=""
WRK_PID=""

stop_pid() {  # stop_pid PID NAME: TERM, wait up to 5 s, then KILL
  local pid=$1 name=$2 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name ($pid) did not stop on TERM; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$WRK_PID" wrk
  if [[ -n $NGINX_PID ]]; then
    local workers
    workers=$(pgrep -P "$NGINX_PID" 2>/dev/null || true)
    stop_pid "$NGINX_PID" nginx
    for w in $workers; do  # orphaned workers only (normally gone with the master)
      if [[ $(cat "/proc/$w/comm" 2>/dev/null) == nginx ]]; then kill -KILL "$w" 2>/dev/null || true; fi
    done
  fi
  stop_pid "$MEMORYD_PID" memoryd
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { [[ -z $(ss -Htln "sport = :$1" 2>/dev/null) ]]; }
pick_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    port_free "$p" && { echo "$p"; return 0; }
  done
  return 1
}
NGINX_PORT=${NGINX_PORT:-$(pick_port)} || die "no free port"
MEMORYD_PORT=${MEMORYD_PORT:-$(pick_port)} || die "no free port"
[[ $NGINX_PORT != "$MEMORYD_PORT" ]] || die "NGINX_PORT and MEMORYD_PORT are equal"

wait_http_200() {  # wait_http_200 URL PID NAME SECONDS
  local url=$1 pid=$2 name=$3 secs=$4 i
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true) == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- output
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$OUT_DIR/$STAMP-$MODE
mkdir -p "$RUN_DIR/raw"
ln -sfn "$(basename "$RUN_DIR")" "$OUT_DIR/latest"
RESULTS=$RUN_DIR/rounds.tsv
printf 'round\tscenario\trps\tp50_us\tp90_us\tp99_us\tp999_us\tmax_us\trequests\tnon2xx\tsocket_errors\tother_cpu_pct\n' >"$RESULTS"

# ---------------------------------------------------------------- nginx
# The body is shaped like memoryd's answer to GET /api/rest/memory?key=k4242 for a preloaded
# key (same fields, same ~100 character value, ~300 bytes).
VALUE_TEXT="Benchmark memory text: the quick brown fox jumps over the lazy dog near the river bank at dawn."
NGINX_BODY='{"key":"k4242","value":"'"$VALUE_TEXT"'","tags":["bench"],"expiresAt":null,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","id":"01a1fbcc-b419-73e6-9c01-c11ff5ed01b8","title":"","metadata":{}}'
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
# Generated by bench/http/run.sh; self-contained (no /etc/nginx state).
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path $TMP/nginx/client_body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  keepalive_timeout 75s;
  keepalive_requests 100000000;
  server_tokens off;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      default_type application/json;
      return 200 '$NGINX_BODY';
    }
  }
}
EOF
cp "$TMP/nginx/nginx.conf" "$RUN_DIR/nginx.conf"
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" \
  || die "nginx config test failed"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" \
  >"$TMP/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
wait_http_200 "http://127.0.0.1:$NGINX_PORT/" "$NGINX_PID" nginx 10 \
  || { cat "$TMP/nginx/error.log" >&2 || true; die "nginx did not come up on 127.0.0.1:$NGINX_PORT"; }
NGINX_BODY_BYTES=$(curl -s "http://127.0.0.1:$NGINX_PORT/" | wc -c)
log "nginx up on 127.0.0.1:$NGINX_PORT (1 worker, body $NGINX_BODY_BYTES bytes)"

# ---------------------------------------------------------------- memoryd
API_KEY="bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
MEMORYD_LOG=$TMP/memoryd.stderr
if [[ $MODE == full ]]; then
  mkdir -p "$TMP/data"
  # stderr gets one access-log line per request: append mode, truncated after every run.
  # MEMORYD_ARGS: extra flags for `memoryd serve` (word-split), e.g. limits.
  # shellcheck disable=SC2086
  "$MEMORYD_BIN" serve --data-dir "$TMP/data" --listen "127.0.0.1:$MEMORYD_PORT" --api-key "$API_KEY" \
    ${MEMORYD_ARGS:-} >"$TMP/memoryd.stdout" 2>>"$MEMORYD_LOG" &
  MEMORYD_PID=$!
  if ! wait_http_200 "http://127.0.0.1:$MEMORYD_PORT/healthz" "$MEMORYD_PID" memoryd 30; then
    tail -n 40 "$MEMORYD_LOG" >&2 || true
    die "memoryd did not answer GET /healthz 200 on 127.0.0.1:$MEMORYD_PORT within 30 s"
  fi
  SUT_URL=http://127.0.0.1:$MEMORYD_PORT
  log "memoryd up on 127.0.0.1:$MEMORYD_PORT ($MEMORYD_BIN)"
elif [[ $MODE == self-test ]]; then
  SUT_URL=http://127.0.0.1:$NGINX_PORT
  log "self-test: the memoryd scenarios run against nginx"
fi

export BENCH_LUA_DIR=$HERE BENCH_API_KEY=$API_KEY BENCH_KEYS=$KEYS BENCH_THREADS=$THREADS

# ---------------------------------------------------------------- CPU accounting
# Share of the machine's CPU used by processes other than the servers and wrk during a run:
# (busy ticks of all CPUs - server ticks - wrk ticks) / all ticks. High values mean noise.
pid_ticks() {  # utime+stime of a process and its threads (+ its live children)
  local total=0 p t
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    t=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}
server_pids() {
  local pids
  pids="$NGINX_PID $(pgrep -P "$NGINX_PID" 2>/dev/null | tr '\n' ' ')"
  [[ -n $MEMORYD_PID ]] && pids+=" $MEMORYD_PID"
  echo "$pids"
}
cpu_snapshot() {  # prints: busy total server_ticks children_ticks(of this shell)
  local busy_total srv kids
  busy_total=$(awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; t=b+$5+$6; print b, t; exit}' /proc/stat)
  # shellcheck disable=SC2046
  srv=$(pid_ticks $(server_pids))
  kids=$(awk '{sub(/^.*\) /, ""); print $14 + $15}' /proc/$$/stat)  # waited children: wrk
  echo "$busy_total $srv $kids"
}

# ---------------------------------------------------------------- wrk runs
json_num() {  # json_num KEY FILE: numeric field from the BENCH_JSON line
  sed -n 's/^BENCH_JSON //p' "$2" | tail -n 1 | grep -o "\"$1\":[0-9.]*" | head -n 1 | cut -d: -f2
}

run_wrk() {  # run_wrk OUTFILE SECONDS SCRIPT URL: bounded wrk run in the background
  local out=$1 secs=$2 script=$3 url=$4
  BENCH_RUN_ID="$STAMP-$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')" \
    timeout --kill-after=5 $((secs + 30)) \
    wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "${secs}s" --timeout 5s \
        -s "$HERE/$script" "$url" >"$out" 2>&1 &
  WRK_PID=$!
  local rc=0
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  return "$rc"
}

# Before each run, waits until memoryd has finished the background work an earlier run left
# (indexing what a PUT run wrote: about 10 s per 60,000 memories), so that no scenario, nginx's
# included, is measured against another scenario's backlog. Settled: below 5% of one CPU for 1 s.
SETTLE_LIMIT=${SETTLE_LIMIT:-180}
settle_memoryd() {
  [[ -n $MEMORYD_PID ]] || return 0
  local start=$SECONDS hz t0 t1
  hz=$(getconf CLK_TCK)
  while ((SECONDS - start < SETTLE_LIMIT)); do
    t0=$(pid_ticks "$MEMORYD_PID")
    sleep 1
    t1=$(pid_ticks "$MEMORYD_PID")
    if (((t1 - t0) * 100 < hz * 5)); then
      ((SECONDS - start > 1)) && log "memoryd idle again after $((SECONDS - start)) s"
      return 0
    fi
  done
  log "warning: memoryd still busy after ${SETTLE_LIMIT} s; measuring anyway"
}

FAILURES=0
run_scenario() {  # run_scenario ROUND NAME SCRIPT URL
  local round=$1 name=$2 script=$3 url=$4
  local out=$RUN_DIR/raw/r${round}-${name}.txt
  local b0 t0 s0 k0 b1 t1 s1 k1 rc=0
  settle_memoryd
  read -r b0 t0 s0 k0 < <(cpu_snapshot)
  run_wrk "$out" "$DURATION" "$script" "$url" || rc=$?
  read -r b1 t1 s1 k1 < <(cpu_snapshot)
  ((rc == 0)) || { cat "$out" >&2; die "wrk failed (exit $rc) in round $round, $name"; }
  grep -q '^BENCH_JSON ' "$out" || { cat "$out" >&2; die "no BENCH_JSON line from wrk ($out)"; }

  local rps p50 p90 p99 p999 max reqs non2xx sock txt_non2xx other
  rps=$(json_num rps "$out"); p50=$(json_num p50_us "$out"); p90=$(json_num p90_us "$out")
  p99=$(json_num p99_us "$out"); p999=$(json_num p999_us "$out"); max=$(json_num max_us "$out")
  reqs=$(json_num requests "$out"); non2xx=$(json_num non2xx "$out")
  sock=$(($(json_num err_connect "$out") + $(json_num err_read "$out") + $(json_num err_write "$out") + $(json_num err_timeout "$out")))
  # Cross-check with wrk's own text report.
  txt_non2xx=$(awk -F: '/Non-2xx or 3xx responses/ {gsub(/ /, "", $2); print $2}' "$out")
  ((${txt_non2xx:-0} > non2xx)) && non2xx=$txt_non2xx
  other=$(awk -v db=$((b1 - b0)) -v dt=$((t1 - t0)) -v ds=$((s1 - s0)) -v dk=$((k1 - k0)) \
    'BEGIN { o = dt > 0 ? 100 * (db - ds - dk) / dt : 0; if (o < 0) o = 0; printf "%.1f", o }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$rps" "$p50" "$p90" \
    "$p99" "$p999" "$max" "$reqs" "$non2xx" "$sock" "$other" >>"$RESULTS"
  log "$(printf 'round %s %-12s %10.0f req/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx %s  socket errors %s  other CPU %s%%' \
    "$round" "$name" "$rps" "$(awk -v v="$p50" 'BEGIN{print v/1000}')" "$(awk -v v="$p99" 'BEGIN{print v/1000}')" \
    "$non2xx" "$sock" "$other")"
  if ((non2xx > 0 || sock > 0)); then
    log "!!!!! FAILURE: round $round $name: $non2xx non-2xx responses, $sock socket errors (see $out)"
    FAILURES=$((FAILURES + 1))
  fi
  if [[ -n $MEMORYD_PID ]]; then
    kill -0 "$MEMORYD_PID" 2>/dev/null || { tail -n 40 "$MEMORYD_LOG" >&2; die "memoryd exited during $name"; }
    # Keep the access log from growing without bound; keep the tail for diagnosis.
    tail -n 200 "$MEMORYD_LOG" >"$RUN_DIR/memoryd-stderr.tail" 2>/dev/null || true
    : >"$MEMORYD_LOG"
  fi
}

# ---------------------------------------------------------------- environment record
{
  echo "date_utc=$STAMP"
  echo "mode=$MODE rounds=$ROUNDS duration_s=$DURATION connections=$CONNECTIONS threads=$THREADS keys=$KEYS"
  echo "memoryd_bin=$MEMORYD_BIN memoryd_args=${MEMORYD_ARGS:-}"
  [[ -x $MEMORYD_BIN ]] && echo "memoryd_bin_mtime=$(date -u -r "$MEMORYD_BIN" +%FT%TZ)"
  echo "nginx=$("$NGINX" -v 2>&1)"
  echo "wrk=$(wrk -v 2>&1 | head -n 1)"
  echo "nproc=$(nproc)"
  echo "cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "kernel=$(uname -r)"
  echo "loadavg_start=$(cat /proc/loadavg)"
  echo "nginx_body_bytes=$NGINX_BODY_BYTES"
  echo "--- top CPU consumers at start"
  ps -eo pcpu,pid,comm --sort=-pcpu | head -n 8
} >"$RUN_DIR/env.txt"

# ---------------------------------------------------------------- preload + sanity checks
GET_BODY_BYTES=""
if [[ $MODE != nginx-only ]]; then
  log "preloading $KEYS keys (k0..k$((KEYS - 1))) with PUT /api/rest/memory"
  pre_start=$(date +%s.%N)
  # wrk's main thread sleeps for -d whatever the Lua does; once every thread has dropped its
  # marker (all keys answered) SIGINT ends that sleep (wrk then prints its summary and exits).
  export BENCH_DONE_DIR=$TMP/preload-done
  mkdir -p "$BENCH_DONE_DIR"
  PRELOAD_LIMIT=${PRELOAD_LIMIT:-300}
  BENCH_RUN_ID=preload timeout --kill-after=5 $((PRELOAD_LIMIT + 30)) \
    wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "${PRELOAD_LIMIT}s" --timeout 5s \
        -s "$HERE/preload.lua" "$SUT_URL" >"$RUN_DIR/raw/preload.txt" 2>&1 &
  WRK_PID=$!
  for ((i = 0; i < PRELOAD_LIMIT * 10; i++)); do
    (($(find "$BENCH_DONE_DIR" -name '*.done' | wc -l) >= THREADS)) && break
    kill -0 "$WRK_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -INT "$WRK_PID" 2>/dev/null || true
  rc=0
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  # timeout reports 124 when it had to end wrk itself; SIGINT forwarded by timeout is a clean end.
  ((rc == 0 || rc == 130)) || { cat "$RUN_DIR/raw/preload.txt" >&2; die "preload wrk failed (exit $rc)"; }
  (($(find "$BENCH_DONE_DIR" -name '*.done' | wc -l) >= THREADS)) \
    || { cat "$RUN_DIR/raw/preload.txt" >&2; die "preload did not finish within ${PRELOAD_LIMIT} s"; }
  pre_secs=$(awk -v s="$pre_start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e - s}')
  pre_reqs=$(json_num requests "$RUN_DIR/raw/preload.txt")
  pre_bad=$(json_num non2xx "$RUN_DIR/raw/preload.txt")
  ((pre_bad == 0)) || { cat "$RUN_DIR/raw/preload.txt" >&2; die "preload: $pre_bad non-2xx responses"; }
  ((pre_reqs >= KEYS)) || { cat "$RUN_DIR/raw/preload.txt" >&2; die "preload: only $pre_reqs requests answered (< $KEYS)"; }
  log "preload done: $pre_reqs requests in ${pre_secs} s"
  echo "preload_requests=$pre_reqs preload_seconds=$pre_secs" >>"$RUN_DIR/env.txt"

  # Spot checks: first/last/random keys readable with the key, refused without it.
  for k in 0 $((KEYS - 1)) $((RANDOM % KEYS)); do
    code=$(curl -s -o "$TMP/get.body" -w '%{http_code}' --max-time 5 \
      -H "Authorization: Bearer $API_KEY" "$SUT_URL/api/rest/memory?key=k$k")
    [[ $code == 200 ]] || { cat "$TMP/get.body" >&2; die "GET key=k$k after preload: HTTP $code"; }
    if [[ $MODE == full ]]; then
      grep -q "quick brown fox" "$TMP/get.body" || { cat "$TMP/get.body" >&2; die "GET key=k$k: value missing from the answer"; }
    fi
  done
  GET_BODY_BYTES=$(wc -c <"$TMP/get.body")
  cp "$TMP/get.body" "$RUN_DIR/memoryd-get-sample.json"
  if [[ $MODE == full ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SUT_URL/api/rest/memory?key=k0")
    [[ $code == 401 || $code == 403 ]] || log "warning: GET without Authorization answered $code (expected 401)"
  fi
  echo "memoryd_get_body_bytes=$GET_BODY_BYTES" >>"$RUN_DIR/env.txt"
  log "GET answer is $GET_BODY_BYTES bytes (nginx body $NGINX_BODY_BYTES bytes)"
fi

# ---------------------------------------------------------------- rounds
log "$ROUNDS rounds x ${DURATION} s, $CONNECTIONS connections, $THREADS wrk threads; raw output in $RUN_DIR"
for ((r = 1; r <= ROUNDS; r++)); do
  run_scenario "$r" nginx-get fixed.lua "http://127.0.0.1:$NGINX_PORT/"
  if [[ $MODE != nginx-only ]]; then
    sleep "$PAUSE"
    run_scenario "$r" memoryd-get get.lua "$SUT_URL/api/rest/memory"
    sleep "$PAUSE"
    run_scenario "$r" memoryd-put put.lua "$SUT_URL/api/rest/memory"
  fi
  ((r < ROUNDS)) && sleep "$PAUSE"
done
echo "loadavg_end=$(cat /proc/loadavg)" >>"$RUN_DIR/env.txt"

# ---------------------------------------------------------------- summary
SUMMARY=$RUN_DIR/summary.md
awk -F'\t' -v mode="$MODE" -v rounds="$ROUNDS" -v dur="$DURATION" -v conns="$CONNECTIONS" \
    -v threads="$THREADS" -v nbytes="$NGINX_BODY_BYTES" -v gbytes="$GET_BODY_BYTES" \
    -v cpus="$(nproc)" -v failures="$FAILURES" '
function median(arr, n,    i, j, t, a) {
  for (i = 1; i <= n; i++) a[i] = arr[i]
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ms(us) { return sprintf("%.2f", us / 1000) }
NR == 1 { next }
{
  s = $2; n = ++cnt[s]
  rps[s, n] = $3; p50[s, n] = $4; p99[s, n] = $6; other[s, n] = $12
  bad[s] += $10; sock[s] += $11
  byround[$1, s] = $3
  if (!(s in seen)) { seen[s] = 1; order[++ns] = s }
}
END {
  label["nginx-get"] = "nginx GET fixed body (" nbytes " B)"
  label["memoryd-get"] = "memoryd GET by key" (gbytes != "" ? " (" gbytes " B)" : "")
  label["memoryd-put"] = "memoryd PUT new key"
  for (k = 1; k <= ns; k++) {
    s = order[k]; n = cnt[s]
    for (i = 1; i <= n; i++) { x[i] = rps[s, i] } ; mr[s] = median(x, n)
    for (i = 1; i <= n; i++) { x[i] = p50[s, i] } ; m50[s] = median(x, n)
    for (i = 1; i <= n; i++) { x[i] = p99[s, i] } ; m99[s] = median(x, n)
    for (i = 1; i <= n; i++) { x[i] = other[s, i] } ; mo[s] = median(x, n)
    if (mo[s] > maxo) maxo = mo[s]
  }
  printf "## memoryd HTTP benchmark (%s)\n\n", mode
  printf "%d rounds x %d s per scenario, interleaved; %d connections, %d wrk threads; %d CPUs shared by servers and wrk.\n", rounds, dur, conns, threads, cpus
  printf "Figures are medians over the rounds. \"other CPU\" = share of all CPUs used by other processes during the run.\n\n"
  printf "| scenario | req/s | p50 ms | p99 ms | vs nginx req/s | non-2xx | socket err | other CPU %% |\n"
  printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
  for (k = 1; k <= ns; k++) {
    s = order[k]
    ratio = ("nginx-get" in mr && mr["nginx-get"] > 0) ? sprintf("%.2f", mr[s] / mr["nginx-get"]) : "-"
    printf "| %s | %.0f | %s | %s | %s | %d | %d | %.1f |\n", label[s], mr[s], ms(m50[s]), ms(m99[s]), ratio, bad[s], sock[s], mo[s]
  }
  if (("memoryd-get" in mr) && ("nginx-get" in mr)) {
    # Per-round ratio (pairs runs close in time) as a second view of the GET ratio.
    n = 0
    for (r = 1; r <= rounds; r++) if (((r, "memoryd-get") in byround) && byround[r, "nginx-get"] > 0) x[++n] = byround[r, "memoryd-get"] / byround[r, "nginx-get"]
    rr = median(x, n)
    g = mr["memoryd-get"] / mr["nginx-get"]
    printf "\nmemoryd GET / nginx: %.2f (ratio of medians), %.2f (median of per-round ratios). memoryd PUT: %.0f writes/s.\n", g, rr, mr["memoryd-put"]
    if (mode == "full") {
      t1 = (g >= 0.5); t2 = (m99["memoryd-get"] <= 5000); t3 = (mr["memoryd-put"] >= 5000)
      printf "\n| target | measured | result |\n|---|---:|---|\n"
      printf "| GET req/s >= 0.5 x nginx | %.2f x | %s |\n", g, t1 ? "PASS" : "MISS"
      printf "| GET p99 <= 5 ms | %s ms | %s |\n", ms(m99["memoryd-get"]), t2 ? "PASS" : "MISS"
      printf "| PUT >= 5,000 writes/s | %.0f | %s |\n", mr["memoryd-put"], t3 ? "PASS" : "MISS"
      if (!(t1 && t2 && t3)) print "TARGETS_MISSED" > "/dev/stderr"
    } else {
      printf "\n(self-test: every scenario ran against nginx; targets not evaluated)\n"
    }
  }
  if (maxo >= 10) printf "\nNOISE WARNING: other processes used %.0f%% of the CPUs during some scenario (median); figures are noisy.\n", maxo
  if (failures > 0) printf "\nFAILED: %d run(s) had non-2xx responses or socket errors; the figures above are not valid.\n", failures
}' "$RESULTS" >"$SUMMARY" 2>"$TMP/summary.err"

echo
cat "$SUMMARY"
echo
log "raw results: $RUN_DIR (rounds.tsv, summary.md, raw/*.txt, env.txt)"

if ((FAILURES > 0)); then
  log "FAILED: $FAILURES run(s) with non-2xx responses or socket errors"
  exit 1
fi
if grep -q TARGETS_MISSED "$TMP/summary.err"; then
  log "one or more targets missed"
  exit 2
fi
exit 0
}
