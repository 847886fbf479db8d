#!/usr/bin/env bash
# Semantic-search benchmarks: search latency in process and over HTTP at N memories, vector
# recall, HTTP ingest against raw hnswlib, restart to first search, and RSS. See
# docs/BENCHMARKS.md ("Semantic search") for what each figure means.
#
#   bench/semantic/run.sh                      # ROUNDS=3 N=100000 INGEST_N=20000
#   ROUNDS=3 N=20000 INGEST_N=5000 bench/semantic/run.sh   # quick check
#
# Environment: ROUNDS (3), N (100000), INGEST_N (20000), CONNECTIONS (16), QUERIES (1000),
# BUILD (build-bench: where memoryd and bench_* are), OUT_DIR (bench/out),
# PHASES ("recall search startup ingest"), LOADED_DIR (a data directory that already holds the
# N memories, e.g. from an earlier run's search phase: kept, and used by the startup phase;
# default: a temporary one), BASE_MEMORYD (another memoryd binary, e.g. before a change: the
# startup phase then times it too, interleaved with $BUILD/memoryd, on the same data).
# Only 127.0.0.1 is used; every server is a child of bench_semantic_http and stopped by it.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
N=${N:-100000}
INGEST_N=${INGEST_N:-20000}
CONNECTIONS=${CONNECTIONS:-16}
QUERIES=${QUERIES:-1000}
BUILD=${BUILD:-build-bench}
OUT_DIR=${OUT_DIR:-bench/out}
PHASES=${PHASES:-recall search startup ingest}
BASE_MEMORYD=${BASE_MEMORYD:-}

for bin in memoryd bench_semantic_search bench_semantic_http bench_hnsw_ingest \
           bench_vector_search; do
  [[ -x $BUILD/$bin ]] || { echo "missing $BUILD/$bin (build it first)" >&2; exit 1; }
done

stamp=$(date -u +%Y%m%d-%H%M%S)
out=$OUT_DIR/$stamp-semantic
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/memoryd-semantic.XXXXXX")
trap 'rm -rf "$work"' EXIT
loaded=${LOADED_DIR:-$work/loaded}
has() { [[ " $PHASES " == *" $1 "* ]]; }

log() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$out/log.txt" >&2; }
# What else is using the CPU at this moment (for the record).
snapshot() {
  { echo "--- $(date -u +%H:%M:%S) $1: load $(cut -d' ' -f1-3 /proc/loadavg)";
    ps -eo pcpu,comm --sort=-pcpu | head -6 | tail -5; } >> "$out/background.txt"
}

{ echo "date: $(date -u)"; echo "cpus: $(nproc)"; uname -a;
  grep -m1 'model name' /proc/cpuinfo; echo "N=$N INGEST_N=$INGEST_N ROUNDS=$ROUNDS";
  echo "CONNECTIONS=$CONNECTIONS QUERIES=$QUERIES"; } > "$out/env.txt"

if has recall; then
  log "recall: bench_vector_search n=$N builtin 384-d"
  snapshot recall
  "$BUILD/bench_vector_search" --n="$N" --queries="$QUERIES" --dims=384 --data=builtin \
    --ef=64,100,128 | tee "$out/recall.txt"
fi

if has search; then
  log "in-process search at $N memories"
  snapshot search
  "$BUILD/bench_semantic_search" --n="$N" --queries="$QUERIES" --rounds="$ROUNDS" \
    --data-dir="$loaded" | tee "$out/search.txt"
fi

if has startup; then
  log "startup, RSS and HTTP search"
  for ((r = 0; r < ROUNDS; r++)); do
    snapshot "startup $r"
    "$BUILD/bench_semantic_http" startup --memoryd="$BUILD/memoryd" --data-dir="$work/empty-$r" \
      --log="$work/empty.log" | sed "s/^/empty $r /" | tee -a "$out/startup.txt"
    if [[ -n $BASE_MEMORYD ]]; then
      "$BUILD/bench_semantic_http" startup --memoryd="$BASE_MEMORYD" --data-dir="$loaded" \
        --log="$work/base.log" | sed "s/^/base $r /" | tee -a "$out/startup.txt"
    fi
    rounds_now=0
    ((r == ROUNDS - 1)) && rounds_now=$ROUNDS
    "$BUILD/bench_semantic_http" startup --memoryd="$BUILD/memoryd" --data-dir="$loaded" \
      --log="$work/loaded.log" --n="$N" --queries="$QUERIES" --rounds="$rounds_now" \
      | sed "s/^/loaded $r /" | tee -a "$out/startup.txt"
  done
fi

has ingest && log "ingest: HTTP addMemory against raw hnswlib, $INGEST_N vectors"
for ((r = 0; r < ROUNDS; r++)); do
  has ingest || break
  snapshot "ingest $r"
  raw() {
    "$BUILD/bench_hnsw_ingest" --n="$INGEST_N" --dim=384 --reps=1 --raw_only=1 --data=semantic \
      | sed "s/^/round $r /" | tee -a "$out/ingest.txt"
  }
  http() {
    rm -rf "$work/ingest"
    "$BUILD/bench_semantic_http" ingest --memoryd="$BUILD/memoryd" --data-dir="$work/ingest" \
      --log="$work/ingest.log" --n="$INGEST_N" --connections="$CONNECTIONS" \
      | sed "s/^/round $r /" | tee -a "$out/ingest.txt"
  }
  # Alternate the order so drifting background load hits both sides alike.
  if ((r % 2 == 0)); then raw; http; else http; raw; fi
done

python3 - "$out" <<'PY' | tee "$out/summary.md"
import os, re, statistics, sys
out = sys.argv[1]
def values(path, key, prefix=""):
    path = f"{out}/{path}"
    if not os.path.exists(path): return []
    vals = []
    for line in open(path):
        m = re.match(rf"{prefix}.*?\b{key}=([0-9.]+)", line)
        if m: vals.append(float(m.group(1)))
    return vals
med = statistics.median
def row(name, v, fmt):
    if v: print(f"| {name} | {fmt.format(med(v))} | " + ", ".join(fmt.format(x) for x in v) + " |")
print("| figure | median | rounds |\n|---|---:|---|")
row("in-process search p50 (µs)", values("search.txt", "SEARCH_P50_US"), "{:.0f}")
row("in-process search p99 (µs)", values("search.txt", "SEARCH_P99_US"), "{:.0f}")
row("HTTP search p50 (ms)", values("startup.txt", "HTTP_SEARCH_P50_MS"), "{:.3f}")
row("HTTP search p99 (ms)", values("startup.txt", "HTTP_SEARCH_P99_MS"), "{:.3f}")
first = values("startup.txt", "FIRST_SEARCH_MS", "loaded")
base = values("startup.txt", "FIRST_SEARCH_MS", "base")
row("restart to first search, loaded (ms)", first, "{:.0f}")
row("restart to first search, loaded, BASE_MEMORYD (ms)", base, "{:.0f}")
row("restart to first search, empty (ms)", values("startup.txt", "FIRST_SEARCH_MS", "empty"),
    "{:.0f}")
row("in-process reopen to first search (ms)", values("search.txt", "REOPEN_TO_FIRST_SEARCH_MS"),
    "{:.0f}")
rss = values("startup.txt", "RSS_KB", "loaded")
rss_empty = values("startup.txt", "RSS_KB", "empty")
row("server RSS loaded (MiB)", [x / 1024 for x in rss], "{:.0f}")
row("server RSS loaded, BASE_MEMORYD (MiB)",
    [x / 1024 for x in values("startup.txt", "RSS_KB", "base")], "{:.0f}")
row("server RSS empty (MiB)", [x / 1024 for x in rss_empty], "{:.0f}")
raw = values("ingest.txt", "RAW_HNSWLIB_VECTORS_PER_SEC")
http = values("ingest.txt", "HTTP_INGEST_PER_SEC")
row("raw hnswlib inserts/s", raw, "{:.0f}")
row("HTTP addMemory/s", http, "{:.0f}")
row("HTTP / raw (per round)", [h / r for h, r in zip(http, raw)], "{:.2f}")
if raw and http: print(f"\nratio of medians HTTP/raw: {med(http) / med(raw):.2f}")
if rss and rss_empty:
    n = int(re.search(r"\bN=(\d+)", open(f"{out}/env.txt").read()).group(1))
    delta = (med(rss) - med(rss_empty)) * 1024
    print(f"RSS loaded - empty: {delta / 2**20:.0f} MiB = {delta / n:.0f} bytes per memory "
          f"= {delta / n * 100000 / 2**20:.0f} MiB per 100,000 memories")
if first and base: print(f"restart, this build / BASE_MEMORYD: {med(first) / med(base):.2f}")
PY
log "done: $out"
