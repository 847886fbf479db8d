#!/usr/bin/env python3
"""Restart after kill -9 at N memories (default 50,000): how soon the port is open, a GET by key
answers, a search answers (and whether only by words), and the search indexes are ready.

Scenarios, each `--trials` times: `crash` (kill -9 during a write burst; saved indexes plus the
feed since), and `no-index` (kill -9 and the index directory deleted: a full rebuild in the
background). Only 127.0.0.1 is used; every wait is bounded. See docs/BENCHMARKS.md.
"""

import argparse
import concurrent.futures
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
import threading
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[2]
WORDS = ("harbour lantern orchard violin glacier meadow falcon copper canyon ember willow "
         "compass velvet summit quartz tidal prairie cobalt thistle beacon").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir):
        self.binary, self.data_dir = binary, data_dir
        self.key = "mk_bench_" + secrets.token_hex(12)
        self.proc = None

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        t0 = time.monotonic()
        self.proc = subprocess.Popen([self.binary, "serve", "--quiet", "--data-dir", self.data_dir,
                                      "--listen", f"127.0.0.1:{self.port}", "--api-key", self.key],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL)
        return t0

    def headers(self):
        return {"Authorization": f"Bearer {self.key}"}

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def first(predicate, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if predicate():
                return time.monotonic()
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.005)
    raise RuntimeError("bounded wait ran out")


def text_for(i):
    return " ".join(WORDS[(i * k + k) % len(WORDS)] for k in range(1, 9)) + f" note {i}"


def preload(srv, n):
    def batch(start):
        items = [{"key": f"pre-{i}", "value": text_for(i)} for i in range(start, min(n, start + 20))]
        r = requests.post(srv.url + "/api/rest/memories/bulk/set", json={"items": items},
                          headers=srv.headers(), timeout=60)
        r.raise_for_status()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(batch, range(0, n, 20)))


def burst(srv, stop):
    s = requests.Session()
    s.headers.update(srv.headers())
    i = 0
    while not stop.is_set():
        try:
            s.put(srv.url + "/api/rest/memory", json={"key": f"burst-{secrets.token_hex(6)}-{i}",
                                                      "value": text_for(i)}, timeout=5)
        except requests.RequestException:
            return
        i += 1


def restart(srv, limit):
    t0 = srv.start()
    port = first(lambda: socket.create_connection(("127.0.0.1", srv.port), timeout=0.2).close() or True, limit)
    get = first(lambda: requests.get(srv.url + "/api/rest/memory", params={"key": "pre-7"},
                                     headers=srv.headers(), timeout=2).status_code == 200, limit)
    r = requests.post(srv.url + "/mcp/search", json={"q": "violin glacier", "top_k": 5},
                      headers=srv.headers(), timeout=30)
    search = time.monotonic()
    degraded = bool(r.json().get("degraded"))
    ready = first(lambda: requests.get(srv.url + "/healthz", timeout=2).json().get("indexes") == "ready", limit)
    return {"port": port - t0, "get": get - t0, "search": search - t0, "degraded": degraded,
            "ready": ready - t0}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--memoryd-bin", default=os.environ.get("MEMORYD_BIN", str(REPO / "build" / "memoryd")))
    p.add_argument("--memories", type=int, default=50_000)
    p.add_argument("--trials", type=int, default=5)
    args = p.parse_args()
    data_dir = tempfile.mkdtemp(prefix="memoryd-crashbench-")
    srv = Server(args.memoryd_bin, data_dir)
    try:
        srv.start()
        first(lambda: requests.get(srv.url + "/healthz", timeout=1).status_code == 200, 60)
        t0 = time.monotonic()
        preload(srv, args.memories)
        print(f"preloaded {args.memories} memories in {time.monotonic() - t0:.1f} s", flush=True)
        first(lambda: requests.get(srv.url + "/healthz", timeout=2).json().get("indexes") == "ready", 600)
        srv.stop()  # a clean stop saves the indexes: the crash trials start from saved ones
        srv.start()
        first(lambda: requests.get(srv.url + "/healthz", timeout=2).json().get("indexes") == "ready", 600)
        results = {"crash": [], "no-index": []}
        for trial in range(args.trials):
            for scenario in results:
                stop = threading.Event()
                writers = [threading.Thread(target=burst, args=(srv, stop)) for _ in range(4)]
                for w in writers:
                    w.start()
                time.sleep(0.5)
                srv.kill9()
                stop.set()
                for w in writers:
                    w.join(timeout=10)
                if scenario == "no-index":
                    shutil.rmtree(os.path.join(data_dir, "index"), ignore_errors=True)
                r = restart(srv, 600)
                results[scenario].append(r)
                print(f"trial {trial + 1} {scenario:8s} port {r['port']:.3f} s  GET {r['get']:.3f} s  "
                      f"search {r['search']:.3f} s ({'words only' if r['degraded'] else 'full'})  "
                      f"indexes ready {r['ready']:.3f} s", flush=True)
        print("\n| scenario | port open | GET by key | first search | indexes ready |")
        print("|---|---:|---:|---:|---:|")
        for scenario, rs in results.items():
            med = {k: statistics.median(r[k] for r in rs) for k in ("port", "get", "search", "ready")}
            print(f"| {scenario} | {med['port']:.3f} s | {med['get']:.3f} s | {med['search']:.3f} s | "
                  f"{med['ready']:.3f} s |")
        srv.stop()
    finally:
        if srv.proc and srv.proc.poll() is None:
            srv.proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
