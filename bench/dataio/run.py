#!/usr/bin/env python3
"""Export, import and backup at scale: times `memoryd import` of N new memories, the same file
again (nothing changes), `export --out`, and `backup`, each through the real binary.

Usage: bench/dataio/run.py [--memories 100000] [--spaces 10] [--rounds 3]
Prints the median of each operation over the rounds, each round on a fresh data directory.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]


def timed(args):
    start = time.monotonic()
    res = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if res.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({res.returncode}): {res.stderr}")
    return elapsed, res.stderr.strip() or res.stdout.strip()


def write_input(path, memories, spaces):
    with open(path, "w") as out:
        out.write(json.dumps({"format": "memoryd-export", "version": 1,
                              "exportedAt": "2026-01-01T00:00:00.000Z", "memoryd": "bench"}) + "\n")
        for i in range(memories):
            out.write(json.dumps({
                "space": f"space-{i % spaces}", "key": f"k{i}", "title": f"note {i}",
                "text": f"Memory {i}: the user mentioned project {i % 97} and a deadline on day "
                        f"{i % 28 + 1}; prefers {['tea', 'coffee', 'water'][i % 3]}.",
                "tags": [f"t{i % 7}"], "metadata": {"n": i}}) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--spaces", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bin", default=str(REPO / "build" / "memoryd"))
    opts = parser.parse_args()
    results = {"import (new)": [], "import (same file)": [], "export --out": [], "backup": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        src = tmp / "input.jsonl"
        write_input(src, opts.memories, opts.spaces)
        for r in range(opts.rounds):
            data = tmp / f"data-{r}"
            t, _ = timed([opts.bin, "import", "--data-dir", str(data), str(src)])
            results["import (new)"].append(t)
            t, summary = timed([opts.bin, "import", "--data-dir", str(data), str(src)])
            assert f"0 created, 0 replaced, {opts.memories} unchanged" in summary, summary
            results["import (same file)"].append(t)
            t, _ = timed([opts.bin, "export", "--data-dir", str(data), "--out",
                          str(tmp / f"export-{r}.jsonl")])
            results["export --out"].append(t)
            t, _ = timed([opts.bin, "backup", "--data-dir", str(data), "--out",
                          str(tmp / f"backup-{r}.db")])
            results["backup"].append(t)
    print(f"{opts.memories} memories in {opts.spaces} spaces, {opts.rounds} rounds (median s, "
          f"memories/s)")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:20s} {median:7.2f} s  {opts.memories / median:10,.0f}/s   "
              f"all: {', '.join(f'{t:.2f}' for t in times)}")


if __name__ == "__main__":
    main()
