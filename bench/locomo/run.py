#!/usr/bin/env python3
"""LoCoMo retrieval benchmark for memoryd, end to end over the seed-000 REST dialect.

Loads a LoCoMo-format file (default ../shared/eval/locomo-dev.json from the repository root, read in place, never
copied) into a running memoryd through POST /mcp/addMemory: one space per conversation
("locomo-<sample_id>"), one memory per turn in turn order, text "<speaker>: <text>" plus
" [image: <blip_caption>]" when a caption is present, metadata {dia_id, session, date}. Then
every question that has evidence is sent to POST /mcp/search (top_k 25) in its conversation's
space, and recall@k / hit@k (k = 5, 10, 25) are scored overall and per category, as
../shared/eval/README.md specifies. Malformed evidence ids are repaired where the meaning is
obvious ("D8:6; D9:17" -> two ids, "D30:05" -> "D30:5", "D:11:26" -> "D11:26") and dropped when
they name no turn.

By default the script starts `memoryd serve` itself (temporary data dir, free port, random API
key) and stops it with SIGTERM at the end; --url uses a server that is already running (its
spaces locomo-* are deleted first, so reruns start clean).

Needs python3 and python3-requests only. The data is CC BY-NC 4.0 (Maharana et al., ACL 2024).
"""

import argparse
import concurrent.futures
import json
import os
import pathlib
import re
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

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_DATA = str(REPO_ROOT.parent / "shared" / "eval" / "locomo-dev.json")
CUTOFFS = (5, 10, 25)
TOP_K = 25
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
# ../shared/eval/README.md, "Reference figures on this split" (DRAGON: the paper, all ten).
REFERENCES = [("plain BM25 (eval README)", 0.547, 0.625, 0.708),
              ("DRAGON (paper, 10 convs)", 0.567, 0.662, 0.767)]


# ---------------------------------------------------------------------------- data


def canonical_dia_id(piece):
    """'D30:05' -> 'D30:5', 'D:11:26' -> 'D11:26'; None when it is not a dialogue id."""
    m = re.fullmatch(r"D:?(\d{1,5}):(\d{1,5})", piece.strip())
    if not m:
        return None
    return f"D{int(m.group(1))}:{int(m.group(2))}"


def repair_evidence(evidence, turn_ids):
    out = []
    for item in evidence or []:
        if not isinstance(item, str):
            continue
        for piece in re.split(r"[;,\s]+", item):
            dia = canonical_dia_id(piece) if piece else None
            if dia in turn_ids and dia not in out:
                out.append(dia)
    return out


def session_numbers(conv):
    nums = []
    for name, value in conv.items():
        m = re.fullmatch(r"session_(\d+)", name)
        if m and isinstance(value, list):
            nums.append(int(m.group(1)))
    return sorted(nums)


def parse_conversation(sample):
    conv = sample["conversation"]
    turns = []
    for n in session_numbers(conv):
        date = conv.get(f"session_{n}_date_time", "")
        for turn in conv[f"session_{n}"]:
            text = f"{turn.get('speaker', '')}: {turn.get('text', '')}"
            if turn.get("blip_caption"):
                text += f" [image: {turn['blip_caption']}]"
            turns.append({"dia_id": turn["dia_id"], "text": text,
                          "metadata": {"dia_id": turn["dia_id"], "session": n, "date": date}})
    ids = {t["dia_id"] for t in turns}
    questions, skipped = [], 0
    for qa in sample.get("qa", []):
        evidence = repair_evidence(qa.get("evidence"), ids)
        if not evidence:
            skipped += 1
            continue
        questions.append({"question": qa["question"], "category": qa.get("category"), "evidence": evidence})
    return {"sample_id": sample["sample_id"], "space": f"locomo-{sample['sample_id']}", "turns": turns,
            "questions": questions, "skipped": skipped}


# ---------------------------------------------------------------------------- server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    def __init__(self, binary, extra_args, keep_data=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="locomo-bench-")
        self.data_dir = keep_data or os.path.join(self.tmp.name, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.port = free_port()
        self.api_key = "mk_bench_" + secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.tmp.name, "memoryd.stderr")
        cmd = [binary, "serve", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}",
               "--api-key", self.api_key, "--quiet", *extra_args]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"memoryd exited with {self.proc.returncode} during startup:\n{self.tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise SystemExit("memoryd did not become ready within 30 s")

    def tail(self):
        try:
            return pathlib.Path(self.log_path).read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.tmp.cleanup()


# ---------------------------------------------------------------------------- client


class Client:
    """One requests.Session (keep-alive) per thread."""

    def __init__(self, url, api_key, timeout):
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout
        self.local = threading.local()

    def session(self):
        s = getattr(self.local, "s", None)
        if s is None:
            s = self.local.s = requests.Session()
            s.headers.update(self.headers)
        return s

    def call(self, method, path, **kw):
        for attempt in range(8):
            r = self.session().request(method, self.url + path, timeout=self.timeout, **kw)
            if r.status_code in (429, 503) and attempt < 7:
                time.sleep(float(r.headers.get("Retry-After", "1") or 1))
                continue
            return r
        return r


def load_conversation(client, conv):
    """Stores every turn in order; returns {memory id: dia_id} and per-request latencies."""
    r = client.call("DELETE", f"/spaces/{conv['space']}")
    if r.status_code not in (200, 404):
        raise RuntimeError(f"DELETE /spaces/{conv['space']}: {r.status_code} {r.text[:300]}")
    ids, lat = {}, []
    for turn in conv["turns"]:
        t0 = time.perf_counter()
        r = client.call("POST", "/mcp/addMemory",
                        json={"space": conv["space"], "text": turn["text"], "metadata": turn["metadata"]})
        lat.append(time.perf_counter() - t0)
        if r.status_code != 201:
            raise RuntimeError(f"addMemory {conv['space']} {turn['dia_id']}: {r.status_code} {r.text[:300]}")
        ids[r.json()["id"]] = turn["dia_id"]
    return ids, lat


def run_question(client, conv, ids, q):
    t0 = time.perf_counter()
    r = client.call("POST", "/mcp/search", json={"space": conv["space"], "q": q["question"], "top_k": TOP_K})
    elapsed = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"search {conv['space']} {q['question']!r}: {r.status_code} {r.text[:300]}")
    ranked = []
    for m in r.json()["memories"]:
        dia = ids.get(m.get("id")) or (m.get("metadata") or {}).get("dia_id")
        ranked.append(dia)
    if len(ranked) > TOP_K:
        raise RuntimeError(f"search returned {len(ranked)} memories for top_k {TOP_K}")
    evidence = set(q["evidence"])
    result = {"category": q["category"], "n_evidence": len(evidence), "latency": elapsed}
    for k in CUTOFFS:
        found = len(evidence & set(ranked[:k]))
        result[f"recall@{k}"] = found / len(evidence)
        result[f"hit@{k}"] = 1.0 if found else 0.0
    return result


# ---------------------------------------------------------------------------- report


def aggregate(results):
    out = {"questions": len(results)}
    for k in CUTOFFS:
        for metric in ("recall", "hit"):
            name = f"{metric}@{k}"
            out[name] = round(sum(r[name] for r in results) / len(results), 4) if results else None
    return out


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def print_table(report):
    head = f"{'':<26}{'n':>6}" + "".join(f"{'R@' + str(k):>8}" for k in CUTOFFS) + \
        "".join(f"{'hit@' + str(k):>9}" for k in CUTOFFS)
    print(head)
    print("-" * len(head))

    def row(label, agg):
        cells = "".join(f"{agg[f'recall@{k}']:>8.3f}" for k in CUTOFFS)
        cells += "".join(f"{agg[f'hit@{k}']:>9.3f}" for k in CUTOFFS)
        print(f"{label:<26}{agg['questions']:>6}{cells}")

    row("overall", report["overall"])
    for cat, agg in report["per_category"].items():
        row(f"  {cat}", agg)
    for conv, agg in report["per_conversation"].items():
        row(f"  {conv}", agg)
    print("-" * len(head))
    for label, r5, r10, r25 in REFERENCES:
        print(f"{label:<26}{'':>6}{r5:>8.3f}{r10:>8.3f}{r25:>8.3f}   (reference)")
    t = report["timings"]
    print(f"\nload: {t['turns']} turns in {t['load_seconds']:.1f} s ({t['turns_per_second']:.0f}/s, "
          f"addMemory p50 {t['add_p50_ms']:.1f} ms, p95 {t['add_p95_ms']:.1f} ms); "
          f"search: {report['overall']['questions']} queries, p50 {t['search_p50_ms']:.1f} ms, "
          f"p95 {t['search_p95_ms']:.1f} ms")


# ---------------------------------------------------------------------------- main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help=f"LoCoMo-format JSON (default {DEFAULT_DATA})")
    ap.add_argument("--url", help="use this running server instead of starting one")
    ap.add_argument("--api-key", default=os.environ.get("MEMORYD_API_KEY"),
                    help="key for --url (default $MEMORYD_API_KEY)")
    ap.add_argument("--memoryd-bin", default=os.environ.get("MEMORYD_BIN", str(REPO_ROOT / "build" / "memoryd")))
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra `memoryd serve` argument (repeatable), e.g. --server-arg=--threads=4")
    ap.add_argument("--workers", type=int, default=4, help="conversations loaded (and queried) in parallel")
    ap.add_argument("--only", action="append", default=[], help="sample_id to run (repeatable)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    ap.add_argument("--json-out", help="write the results here as JSON")
    args = ap.parse_args(argv)

    with open(args.data, encoding="utf-8") as f:
        samples = json.load(f)
    convs = [parse_conversation(s) for s in samples if not args.only or s["sample_id"] in args.only]
    if not convs:
        raise SystemExit("no conversations selected")

    server = None
    if args.url:
        url, key = args.url, args.api_key
    else:
        if not os.access(args.memoryd_bin, os.X_OK):
            raise SystemExit(f"memoryd binary not found: {args.memoryd_bin} (--memoryd-bin or MEMORYD_BIN)")
        server = LocalServer(args.memoryd_bin, args.server_arg)
        url, key = server.url, server.api_key
    client = Client(url, key, args.timeout)
    try:
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
            loaded = list(pool.map(lambda c: load_conversation(client, c), convs))
        load_seconds = time.perf_counter() - t0

        def query_all(pair):
            conv, (ids, _) = pair
            return [dict(run_question(client, conv, ids, q), conversation=conv["sample_id"])
                    for q in conv["questions"]]

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
            results = [r for rs in pool.map(query_all, zip(convs, loaded)) for r in rs]
    except Exception:
        if server:
            sys.stderr.write(server.tail())
        raise
    finally:
        if server:
            server.stop()

    add_lat = [x for _, lat in loaded for x in lat]
    search_lat = [r["latency"] for r in results]
    turns = sum(len(c["turns"]) for c in convs)
    report = {
        "data": os.path.abspath(args.data),
        "server": url if args.url else f"memoryd serve {' '.join(args.server_arg)}".strip(),
        "top_k": TOP_K,
        "conversations": [c["sample_id"] for c in convs],
        "skipped_questions_without_evidence": sum(c["skipped"] for c in convs),
        "overall": aggregate(results),
        "per_category": {f"{cat} {name}": aggregate([r for r in results if r["category"] == cat])
                         for cat, name in CATEGORIES.items() if any(r["category"] == cat for r in results)},
        "per_conversation": {c["sample_id"]: aggregate([r for r in results if r["conversation"] == c["sample_id"]])
                             for c in convs},
        "timings": {
            "turns": turns, "load_seconds": round(load_seconds, 3),
            "turns_per_second": round(turns / load_seconds, 1) if load_seconds else None,
            "add_p50_ms": 1000 * statistics.median(add_lat), "add_p95_ms": 1000 * percentile(add_lat, 95),
            "search_p50_ms": 1000 * statistics.median(search_lat), "search_p95_ms": 1000 * percentile(search_lat, 95),
        },
        "references": [{"retriever": n, "recall@5": a, "recall@10": b, "recall@25": c} for n, a, b, c in REFERENCES],
    }
    print_table(report)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
