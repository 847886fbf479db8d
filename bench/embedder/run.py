#!/usr/bin/env python3
"""Write throughput and search latency with the built-in embedder, a healthy local endpoint and
a hung one, measured side by side in one run (bench/embedder/README.md).

Every round starts memoryd three times on a fresh data directory (--embedder builtin; openai
against tests/http/fake_embedder.py answering at once; openai against the same fake that accepts
requests and never answers), preloads memories, then measures:
  - POST /mcp/search latency over the preloaded memories once indexing has settled, one
    client, sequential requests (p50, p99);
  - durable new-key PUT /api/rest/memory per second (wrk, bench/http/put.lua, 64 connections);
  - how long SIGTERM takes to stop the server.
Only 127.0.0.1 is used; every run is bounded. Prints medians per scenario and the ratios.
"""

import argparse
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[2]
FAKE = REPO / "tests" / "http" / "fake_embedder.py"
LUA_DIR = REPO / "bench" / "http"
WORDS = ("harbour lantern orchard violin glacier meadow falcon copper canyon ember willow "
         "compass velvet summit quartz tidal prairie cobalt thistle beacon").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text_for(i):
    return " ".join(WORDS[(i * k + k) % len(WORDS)] for k in range(1, 9)) + f" note {i}"


class Memoryd:
    def __init__(self, binary, embed_args):
        self.dir = tempfile.mkdtemp(prefix="memoryd-embedbench-")
        self.key = "mk_bench_" + secrets.token_hex(12)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [binary, "serve", "--quiet", "--data-dir", self.dir, "--listen",
               f"127.0.0.1:{self.port}", "--api-key", self.key, *embed_args]
        self.log = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.key}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("memoryd did not start")

    def health(self):
        return requests.get(self.url + "/healthz", timeout=5).json()

    def stop(self):
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        took = time.monotonic() - t0
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return took


def start_fake(mode):
    proc = subprocess.Popen([sys.executable, str(FAKE), "--mode", mode, "--max-seconds", "600"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError("the fake endpoint did not start")
    return proc, url


def preload(m, n):
    for start in range(0, n, 20):
        items = [{"key": f"pre-{i}", "value": text_for(i)} for i in range(start, min(n, start + 20))]
        r = m.session.post(m.url + "/api/rest/memories/bulk/set", json={"items": items}, timeout=30)
        r.raise_for_status()


def wait_embedded(m, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if m.health()["embedder"]["pendingEmbeddings"] == 0:
            return True
        time.sleep(0.2)
    return False


def settle(pid, limit):
    """Waits until the process uses under 5% of one CPU for a second (indexing done)."""
    hz = os.sysconf("SC_CLK_TCK")

    def ticks():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        t0 = ticks()
        time.sleep(1)
        if (ticks() - t0) * 100 < hz * 5:
            return


def run_wrk(m, seconds, connections):
    env = dict(os.environ, BENCH_LUA_DIR=str(LUA_DIR), BENCH_API_KEY=m.key, BENCH_THREADS="2",
               BENCH_RUN_ID=secrets.token_hex(6))
    out = subprocess.run(["timeout", str(seconds + 30), "wrk", "--latency", "-t", "2", "-c",
                          str(connections), "-d", f"{seconds}s", "--timeout", "5s", "-s",
                          str(LUA_DIR / "put.lua"), m.url], capture_output=True, text=True,
                         env=env, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH_JSON "))
    result = json.loads(line[len("BENCH_JSON "):])
    if result["non2xx"] or result["err_connect"] or result["err_timeout"]:
        raise RuntimeError(f"PUT errors: {result}")
    return result


def run_searches(m, count):
    latencies, degraded = [], 0
    for i in range(count):
        q = f"{WORDS[i % len(WORDS)]} {WORDS[(i * 7) % len(WORDS)]}"
        t0 = time.perf_counter()
        r = m.session.post(m.url + "/mcp/search", json={"q": q, "top_k": 10}, timeout=10)
        latencies.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        degraded += 1 if r.json().get("degraded") else 0
    latencies.sort()
    return {"p50_ms": statistics.median(latencies),
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "degraded": degraded}


def scenario(name, binary, args):
    fake = None
    embed = ["--embedder", "builtin"]
    if name == "baseline":
        binary = args.baseline_bin
    elif name != "builtin":
        fake, url = start_fake("healthy" if name == "healthy" else "hang")
        embed = ["--embedder", "openai", "--embed-url", url, "--embed-model", "fake"]
    try:
        m = Memoryd(binary, embed)
        try:
            preload(m, args.preload)
            if name != "hung" and not wait_embedded(m, 120):
                raise RuntimeError(f"{name}: the preload was not embedded in 120 s")
            settle(m.proc.pid, 120)  # searches on a caught-up index, in every scenario
            searches = run_searches(m, args.searches)
            health = m.health()
            put = run_wrk(m, args.duration, args.connections)
        finally:
            stop_s = m.stop()
    finally:
        if fake is not None:
            fake.kill()
            fake.wait()
    return {"put_rps": put["rps"], "put_p99_ms": put["p99_us"] / 1000, **searches,
            "stop_s": stop_s, "status": health["status"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--memoryd-bin", default=os.environ.get("MEMORYD_BIN", str(REPO / "build" / "memoryd")))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=8)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--searches", type=int, default=300)
    p.add_argument("--preload", type=int, default=2000)
    p.add_argument("--baseline-bin", help="another memoryd binary, run with the built-in "
                   "embedder as the scenario 'baseline' (e.g. the previous release)")
    args = p.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/embedder/run.py needs wrk (apt-get install wrk)")
    names = (["baseline"] if args.baseline_bin else []) + ["builtin", "healthy", "hung"]
    runs = {n: [] for n in names}
    for r in range(args.rounds):
        for n in names:
            result = scenario(n, args.memoryd_bin, args)
            runs[n].append(result)
            print(f"round {r + 1} {n:8s} PUT {result['put_rps']:8.0f}/s (p99 {result['put_p99_ms']:.1f} ms)"
                  f"  search p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms"
                  f"  degraded {result['degraded']}/{args.searches}  stop {result['stop_s']:.2f} s"
                  f"  health {result['status']}", flush=True)
    med = {n: {k: statistics.median(x[k] for x in runs[n])
               for k in ("put_rps", "put_p99_ms", "p50_ms", "p99_ms", "stop_s")} for n in names}
    print("\n| scenario | PUT/s | PUT p99 ms | search p50 ms | search p99 ms | SIGTERM s |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in names:
        v = med[n]
        print(f"| {n} | {v['put_rps']:,.0f} | {v['put_p99_ms']:.1f} | {v['p50_ms']:.2f} | "
              f"{v['p99_ms']:.2f} | {v['stop_s']:.2f} |")
    ratio = med["hung"]["put_rps"] / med["healthy"]["put_rps"]
    print(f"\nPUT/s hung / healthy = {ratio:.2f} (target >= 0.9); "
          f"healthy / builtin = {med['healthy']['put_rps'] / med['builtin']['put_rps']:.2f}")
    if args.baseline_bin:
        print(f"builtin / baseline: PUT/s {med['builtin']['put_rps'] / med['baseline']['put_rps']:.2f}, "
              f"search p50 {med['builtin']['p50_ms'] / med['baseline']['p50_ms']:.2f}")
    return 0 if ratio >= 0.9 else 2


if __name__ == "__main__":
    sys.exit(main())
