#!/usr/bin/env python3
"""Cost of being scraped: keyed GET throughput with and without a concurrent /metrics scraper.

One memoryd (Release build, fresh data directory, built-in embedder, --quiet) with KEYS memories
preloaded. Each round runs both scenarios, in alternating order (A B, then B A, ...), so drift of
a noisy machine falls on both alike:
  plain    wrk GET /api/rest/memory?key=k<random> (bench/http/get.lua) for DURATION seconds
  scraped  the same, while one client scrapes GET /metrics every INTERVAL seconds (default
           0.1 s: ten times harsher than a usual 1 s interval)
Reports each run, the medians and the ratio scraped/plain (req/s and p99).

Usage: bench/metrics/run.py [--rounds N] [--duration SECS] [--interval SECS] [--keys N]
                            [--connections N] [--threads N] [--memoryd-bin PATH]
"""

import argparse
import json
import os
import pathlib
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, data_dir, key):
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}",
                             "--api-key", key, "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            r = requests.get(base + "/healthz", timeout=1)
            if r.status_code == 200 and r.json().get("indexes", "ready") == "ready":
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.05)
    proc.kill()
    sys.exit("memoryd did not become ready")


def preload(base, key, keys):
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {key}"
        for i in range(keys):
            r = s.put(base + "/api/rest/memory", json={"key": f"k{i}", "value": "benchmark memory text " * 4})
            r.raise_for_status()


def scraper(base, key, interval, stop, counts):
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {key}"
        next_at = time.monotonic()
        while not stop.is_set():
            r = s.get(base + "/metrics", timeout=5)
            counts["scrapes"] += 1
            counts["bytes"] = len(r.content)
            if r.status_code != 200:
                counts["errors"] += 1
            next_at += interval
            stop.wait(max(0.0, next_at - time.monotonic()))


def run_wrk(base, args, env):
    out = subprocess.run(["wrk", "--latency", "-t", str(args.threads), "-c", str(args.connections),
                          "-d", f"{args.duration}s", "--timeout", "5s", "-s", str(REPO / "bench/http/get.lua"),
                          base], capture_output=True, text=True, env=env, timeout=args.duration + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line[len("BENCH_JSON "):])
            errors = result["non2xx"] + result["err_connect"] + result["err_read"] + result["err_write"]
            if errors:
                sys.exit(f"wrk saw {errors} errors: {line}")
            return result
    sys.exit("no BENCH_JSON line from wrk:\n" + out.stdout + out.stderr)


def scenario(name, base, key, args, env):
    stop = threading.Event()
    counts = {"scrapes": 0, "bytes": 0, "errors": 0}
    thread = None
    if name == "scraped":
        thread = threading.Thread(target=scraper, args=(base, key, args.interval, stop, counts))
        thread.start()
    try:
        result = run_wrk(base, args, env)
    finally:
        stop.set()
        if thread:
            thread.join()
    if counts["errors"]:
        sys.exit(f"{counts['errors']} scrapes failed")
    result.update(counts)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--duration", type=int, default=8)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--keys", type=int, default=2000)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--memoryd-bin", default=str(REPO / "build/memoryd"))
    args = p.parse_args()

    key = "mk_bench_" + secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="memoryd-bench-metrics-") as tmp:
        proc, base = start_server(os.path.abspath(args.memoryd_bin), tmp, key)
        try:
            preload(base, key, args.keys)
            env = dict(os.environ, BENCH_LUA_DIR=str(REPO / "bench/http"), BENCH_API_KEY=key,
                       BENCH_KEYS=str(args.keys), BENCH_THREADS=str(args.threads))
            results = {"plain": [], "scraped": []}
            print("| round | scenario | GET/s | p50 | p99 | scrapes | scrape bytes |")
            print("|---|---|---:|---:|---:|---:|---:|")
            for rnd in range(1, args.rounds + 1):
                order = ["plain", "scraped"] if rnd % 2 else ["scraped", "plain"]
                for name in order:
                    r = scenario(name, base, key, args, env)
                    results[name].append(r)
                    print(f"| {rnd} | {name} | {r['rps']:,.0f} | {r['p50_us'] / 1000:.2f} ms | "
                          f"{r['p99_us'] / 1000:.2f} ms | {r['scrapes']} | {r['bytes']:,} |", flush=True)
                    time.sleep(1)
            med = {n: (statistics.median(x["rps"] for x in v), statistics.median(x["p99_us"] for x in v))
                   for n, v in results.items()}
            for n, (rps, p99) in med.items():
                print(f"| **median** | {n} | {rps:,.0f} | | {p99 / 1000:.2f} ms | | |")
            print(f"\nscraped/plain: GET/s {med['scraped'][0] / med['plain'][0]:.3f}, "
                  f"p99 {med['scraped'][1] / med['plain'][1]:.3f}")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
