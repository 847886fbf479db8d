#!/usr/bin/env python3
"""Retrieval-quality benchmark for memoryd on a hand-written, labelled set of personal memories and questions.

Stores bench/quality/memories.json in ONE space, `quality`, through POST /mcp/addMemory (file order,
metadata {"id": "m001"}), asks every question of bench/quality/questions.json through POST /mcp/search
(top_k 10, min_score 0) and prints rank-1 / top-5 hit rates per question kind, top-score statistics,
precision and coverage at score thresholds, the share of unanswerable questions scoring high, the AUROC
of the top score as a "the top result is right" signal, and PASS/FAIL against targets. Exit status 0
whatever the figures; 1 for --check violations or a failing server.

Without --url it starts `memoryd serve` itself (temporary data dir, free 127.0.0.1 port, random API
key; arguments after `--` are passed on) and stops it with SIGTERM. --check validates the set only.
--offset-embedder OFFSET also starts bench/quality/offset_embedder.py (a hashing embedder whose unrelated
texts have cosine about OFFSET), serves with `--embedder openai` on it and waits for every vector.
Needs python3 and python3-requests only.
"""

import argparse
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
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]

SPACE = "quality"
TOP_K = 10
DOMAINS = ("home", "family", "health", "travel", "work", "tech", "money", "hobbies")
KINDS = ("shared", "paraphrase", "unanswerable")
MIN_MEMORIES, MIN_PER_DOMAIN = 130, 14
MIN_KIND = {"shared": 55, "paraphrase": 60, "unanswerable": 45}
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
HIGH = 0.8
STOPWORDS = set("""
a about above after again against all also am an and any are aren as at be because been before being below
between both but by can cannot could couldn d did didn do does doesn doing done don down during each either ever
every few for from further get gets getting got had hadn has hasn have haven having he her here hers herself him
himself his how i if in into is isn it its itself just know let ll m me might mine more most much must my myself
no nor not now of off often on once only or other our ours ourselves out over own please re remind remember s
same shall she should so some such t tell than that the their theirs them themselves then there these they this
those through to too under until up upon us ve very was wasn we were weren what whats when where which while who
whom whose why will with won would yes you your yours yourself go goes going gone went many may
""".split())


# ---------------------------------------------------------------------------- set and its checks
IRREGULAR = {"using": "use", "used": "use", "uses": "use", "paid": "pay", "bought": "buy", "gave": "give",
             "made": "make", "took": "take", "lent": "lend", "spent": "spend", "flew": "fly", "ran": "run",
             "wore": "wear", "saw": "see", "seen": "see", "children": "child", "women": "woman", "men": "man"}


def stem(word):
    """A crude suffix stripper: plural, then one of -ing/-ed/-ly/-er, undoubling, final -e."""
    word = IRREGULAR.get(word, word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    for suffix in ("ing", "ed", "ly", "er"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def content_words(text):
    """{word: stem} for the words of text that are not stopwords (lowercase, 2+ characters)."""
    words = re.findall(r"[^\W_]+", text.lower())
    return {w: stem(w) for w in words if len(w) > 1 and w not in STOPWORDS}


def shared_words(a, b):
    """Pairs of content words of a and b with the same stem or a common prefix of 5+ characters."""
    wa, wb = content_words(a), content_words(b)
    return sorted({(x, y) for x, sx in wa.items() for y, sy in wb.items()
                   if sx == sy or (len(x) >= 5 and len(y) >= 5 and x[:5] == y[:5])})


def check_set(memories, questions):
    """Returns (problems, summary lines) for the labelled set."""
    texts = {m["id"]: m["text"] for m in memories}
    problems = [f"{m['id']}: unknown domain {m.get('domain')!r}" for m in memories if m.get("domain") not in DOMAINS]
    for name, items in (("memory", memories), ("question", questions)):
        problems += [f"duplicate {name} id {i}" for i in {x["id"] for x in items}
                     if sum(x["id"] == i for x in items) > 1]
    for q in questions:
        qid, kind = q["id"], q.get("kind")
        if kind not in KINDS:
            problems.append(f"{qid}: unknown kind {kind!r}")
            continue
        ref = q.get("near") if kind == "unanswerable" else q.get("answer")
        if ref not in texts:
            problems.append(f"{qid}: {'near' if kind == 'unanswerable' else 'answer'} {ref!r} is no memory id")
            continue
        pairs = shared_words(q["question"], texts[ref])
        if kind == "paraphrase" and pairs:
            problems.append(f"{qid}: paraphrase shares {pairs} with {ref}: {q['question']!r}")
        elif kind != "paraphrase" and not pairs:
            problems.append(f"{qid}: {kind} question shares no content word with {ref}: {q['question']!r}")
    by_domain = {d: sum(m.get("domain") == d for m in memories) for d in DOMAINS}
    by_kind = {k: sum(q.get("kind") == k for q in questions) for k in KINDS}
    if len(memories) < MIN_MEMORIES:
        problems.append(f"{len(memories)} memories, fewer than {MIN_MEMORIES}")
    problems += [f"domain {d}: {n} memories, fewer than {MIN_PER_DOMAIN}" for d, n in by_domain.items()
                 if n < MIN_PER_DOMAIN]
    problems += [f"kind {k}: {by_kind[k]} questions, fewer than {n}" for k, n in MIN_KIND.items() if by_kind[k] < n]
    domain_of = {m["id"]: m.get("domain") for m in memories}
    q_domain = {d: sum(domain_of.get(q.get("answer") or q.get("near")) == d for q in questions) for d in DOMAINS}
    summary = [f"memories: {len(memories)} ({', '.join(f'{d} {n}' for d, n in by_domain.items())})",
               f"questions: {len(questions)} ({', '.join(f'{k} {n}' for k, n in by_kind.items())})",
               f"questions by domain of answer/near: {', '.join(f'{d} {n}' for d, n in q_domain.items())}"]
    return problems, summary


# ---------------------------------------------------------------------------- server (as bench/locomo/run.py)
class LocalServer:
    """`memoryd serve` on a temporary data dir, a free 127.0.0.1 port and a random API key."""

    def __init__(self, binary, extra_args):
        self.tmp = tempfile.TemporaryDirectory(prefix="quality-bench-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url, self.api_key = f"http://127.0.0.1:{port}", "mk_bench_" + secrets.token_hex(16)
        self.log_path = os.path.join(self.tmp.name, "memoryd.stderr")
        self.log = open(self.log_path, "wb")
        cmd = [binary, "serve", "--data-dir", os.path.join(self.tmp.name, "data"), "--listen", f"127.0.0.1:{port}",
               "--api-key", self.api_key, "--quiet", *extra_args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while self.proc.poll() is None and time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        failed = f"exited with {self.proc.returncode}" if self.proc.poll() is not None else "was not ready in 30 s"
        log = self.tail()
        self.stop()
        raise RuntimeError(f"memoryd {failed} during startup\n{log}")

    def tail(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")[-3000:]

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


class OffsetEmbedder:
    """bench/quality/offset_embedder.py on a free 127.0.0.1 port; `url` is its base URL (.../v1)."""

    def __init__(self, offset):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "offset_embedder.py"), "--offset", str(offset)],
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.url = self.proc.stdout.readline().strip()  # its first line; "" if it exited
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError(f"offset_embedder.py --offset {offset} did not start ({self.proc.returncode})")

    def server_args(self):
        return ["--embedder", "openai", "--embed-url", self.url, "--embed-model", "offset-hash"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


class Client(requests.Session):
    """A keep-alive session on one server; retries 429 and 503 after Retry-After."""

    def __init__(self, url, api_key, timeout):
        super().__init__()
        self.base, self.timeout = url.rstrip("/"), timeout
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"

    def call(self, method, path, **kw):
        for attempt in range(8):
            r = self.request(method, self.base + path, timeout=self.timeout, **kw)
            if r.status_code not in (429, 503) or attempt == 7:
                return r
            time.sleep(float(r.headers.get("Retry-After") or 1))


# ---------------------------------------------------------------------------- server calls
def load_memories(client, memories):
    """Stores every memory in the space `quality`; returns {server id: set id}."""
    r = client.call("DELETE", f"/spaces/{SPACE}")
    if r.status_code not in (200, 204, 404):
        raise RuntimeError(f"DELETE /spaces/{SPACE}: {r.status_code} {r.text[:300]}")
    ids = {}
    for m in memories:
        r = client.call("POST", "/mcp/addMemory",
                        json={"space": SPACE, "text": m["text"], "metadata": {"id": m["id"]}})
        if r.status_code != 201:
            raise RuntimeError(f"addMemory {m['id']}: {r.status_code} {r.text[:300]}")
        ids[r.json()["id"]] = m["id"]
    return ids


def search(client, ids, text):
    """[(set id, score)] best first, and whether the server said the answer was degraded."""
    r = client.call("POST", "/mcp/search", json={"space": SPACE, "q": text, "top_k": TOP_K, "min_score": 0})
    if r.status_code != 200:
        raise RuntimeError(f"search {text!r}: {r.status_code} {r.text[:300]}")
    body = r.json()
    ranked = [(ids.get(m.get("id")) or (m.get("metadata") or {}).get("id"), float(m["score"]))
              for m in body["memories"]]
    return ranked, bool(body.get("degraded"))


def wait_indexed(client, ids, memories, timeout=60.0):
    """Waits until the last memory stored is found by its own text."""
    last, deadline = memories[-1], time.monotonic() + timeout
    while (search(client, ids, last["text"])[0] or [(None,)])[0][0] != last["id"]:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{last['id']} not found by its own text after {timeout:.0f} s")
        time.sleep(0.2)


def wait_embedded(client, timeout=120.0):
    """Waits until /healthz reports status ok and no memory waiting for its vector."""
    deadline, health = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        health = client.call("GET", "/healthz").json()
        if health.get("status") == "ok" and (health.get("embedder") or {}).get("pendingEmbeddings", 0) == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"memories still waiting for vectors after {timeout:.0f} s: /healthz {health}")


def run_questions(client, ids, questions):
    results = []
    for q in questions:
        ranked, degraded = search(client, ids, q["question"])
        got = [mid for mid, _ in ranked]
        answer = q.get("answer") if q["kind"] != "unanswerable" else None
        results.append({"id": q["id"], "kind": q["kind"], "question": q["question"], "answer": answer,
                        "near": q.get("near"), "ranked": ranked, "degraded": degraded,
                        "rank": got.index(answer) + 1 if answer in got else None,
                        "top_score": ranked[0][1] if ranked else 0.0,
                        "top_correct": bool(ranked) and answer is not None and got[0] == answer})
    return results


# ---------------------------------------------------------------------------- metrics
def share(items, predicate):
    items = list(items)
    return sum(1 for x in items if predicate(x)) / len(items) if items else None


def auroc(positives, negatives):
    """Mann-Whitney: the probability that a positive outscores a negative (ties count half)."""
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def at_threshold(results, t):
    above = [r for r in results if r["top_score"] >= t]
    answerable = [r for r in results if r["kind"] != "unanswerable"]
    return {"threshold": t, "n": len(above), "coverage": len(above) / len(results),
            "precision": share(above, lambda r: r["top_correct"]),
            "answered_right": share(answerable, lambda r: r["top_correct"] and r["top_score"] >= t),
            "unanswerable_above": share((r for r in results if r["kind"] == "unanswerable"),
                                        lambda r: r["top_score"] >= t)}


def summarize(results):
    per_kind = {}
    for kind in KINDS:
        rs = [r for r in results if r["kind"] == kind]
        tops = [r["top_score"] for r in rs]
        row = {"n": len(rs), "mean_top": statistics.mean(tops) if tops else None,
               "median_top": statistics.median(tops) if tops else None}
        if kind != "unanswerable":
            for k in (1, 5, 10):
                row[f"top{k}"] = share(rs, lambda r, k=k: r["rank"] is not None and r["rank"] <= k)
            row["mrr"] = statistics.mean(1 / r["rank"] if r["rank"] else 0 for r in rs) if rs else None
        per_kind[kind] = row
    high = at_threshold(results, HIGH)
    roc = auroc([r["top_score"] for r in results if r["top_correct"]],
                [r["top_score"] for r in results if not r["top_correct"]])
    targets = [("shared rank-1", per_kind["shared"]["top1"], ">=", 0.95),
               ("paraphrase rank-1", per_kind["paraphrase"]["top1"], ">=", 0.60),
               ("paraphrase top-5", per_kind["paraphrase"]["top5"], ">=", 0.85),
               (f"precision at >= {HIGH}", high["precision"], ">=", 0.90),
               (f"unanswerable at >= {HIGH}", high["unanswerable_above"], "<=", 0.10),
               ("AUROC of top score", roc, ">=", 0.90)]
    return {
        "per_kind": per_kind,
        "overall": {"questions": len(results), f"precision_at_{HIGH}": high["precision"],
                    f"n_at_{HIGH}": high["n"], f"unanswerable_at_{HIGH}": high["unanswerable_above"],
                    "auroc": roc, "degraded_answers": sum(r["degraded"] for r in results)},
        "calibration": [at_threshold(results, t) for t in THRESHOLDS],
        "targets": [{"name": n, "value": v, "op": op, "target": t,
                     "pass": v is not None and (v >= t if op == ">=" else v <= t)} for n, v, op, t in targets],
    }


def fmt(x, width=8):
    return f"{'n/a':>{width}}" if x is None else f"{x:>{width}.3f}"


def print_report(summary):
    print(f"{'kind':<14}{'n':>5}{'rank-1':>8}{'top-5':>8}{'top-10':>8}{'MRR':>8}{'mean top':>10}{'med top':>9}")
    for kind, row in summary["per_kind"].items():
        print(f"{kind:<14}{row['n']:>5}{fmt(row.get('top1'))}{fmt(row.get('top5'))}{fmt(row.get('top10'))}"
              f"{fmt(row.get('mrr'))}{fmt(row['mean_top'], 10)}{fmt(row['median_top'], 9)}")
    o = summary["overall"]
    print(f"\nall {o['questions']} questions: precision at >= {HIGH} {fmt(o[f'precision_at_{HIGH}'], 0)} "
          f"over {o[f'n_at_{HIGH}']} questions; unanswerable at >= {HIGH} {fmt(o[f'unanswerable_at_{HIGH}'], 0)}; "
          f"AUROC {fmt(o['auroc'], 0)}" + (f"; {o['degraded_answers']} degraded" if o["degraded_answers"] else ""))
    print(f"\n{'threshold':>9}{'n':>6}{'coverage':>10}{'precision':>11}{'answerable right':>18}{'unanswerable':>14}")
    for c in summary["calibration"]:
        print(f"{c['threshold']:>9.1f}{c['n']:>6}{fmt(c['coverage'], 10)}{fmt(c['precision'], 11)}"
              f"{fmt(c['answered_right'], 18)}{fmt(c['unanswerable_above'], 14)}")
    print()
    for t in summary["targets"]:
        verdict = "PASS" if t["pass"] else "FAIL"
        print(f"{verdict}  {t['name']:<26}{fmt(t['value'], 0)}  (target {t['op']} {t['target']})")


def print_misses(results, texts):
    def top3(r):
        for mid, score in r["ranked"][:3]:
            print(f"      {score:.3f} {mid}: {texts.get(mid, '?')}")
    for kind in ("shared", "paraphrase"):
        print(f"\nmissed {kind} questions (rank-1 wrong):")
        for r in results:
            if r["kind"] == kind and r["rank"] != 1:
                print(f"  {r['id']} {r['question']!r} -> {r['answer']} (rank {r['rank'] or '>10'}): {texts[r['answer']]}")
                top3(r)
    print(f"\nunanswerable questions with a top score >= {HIGH}:")
    for r in results:
        if r["kind"] == "unanswerable" and r["top_score"] >= HIGH:
            print(f"  {r['id']} {r['question']!r} (near {r['near']})")
            top3(r)


# ---------------------------------------------------------------------------- main
def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    server_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Arguments after `--` go to `memoryd serve`.")
    ap.add_argument("--set-dir", default=str(HERE), help="directory holding memories.json and questions.json")
    ap.add_argument("--binary", default=os.environ.get("MEMORYD_BIN", str(REPO_ROOT / "build" / "memoryd")),
                    help="memoryd binary to start (default $MEMORYD_BIN or build/memoryd)")
    ap.add_argument("--url", help="use this running server instead of starting one")
    ap.add_argument("--api-key", default=os.environ.get("MEMORYD_API_KEY"), help="key for --url ($MEMORYD_API_KEY)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    ap.add_argument("--json", metavar="OUT", help="write the figures and every question's ranking here")
    ap.add_argument("--show-misses", action="store_true", help="print missed paraphrases, high-scoring unanswerables")
    ap.add_argument("--check", action="store_true", help="validate the set only, then exit")
    ap.add_argument("--offset-embedder", type=float, metavar="OFFSET",
                    help="serve with --embedder openai on offset_embedder.py --offset OFFSET (0 = plain hashing)")
    args = ap.parse_args(argv)
    if args.url and args.offset_embedder is not None:
        ap.error("--offset-embedder starts its own server: not with --url")

    memories, questions = (json.loads((pathlib.Path(args.set_dir) / name).read_text(encoding="utf-8"))
                           for name in ("memories.json", "questions.json"))
    problems, summary_lines = check_set(memories, questions)
    if args.check:
        print("\n".join(summary_lines + [f"violation: {p}" for p in problems] + [f"{len(problems)} violation(s)"]))
        return 1 if problems else 0
    for p in problems:
        print(f"warning: {p}", file=sys.stderr)

    server = embedder = None
    try:
        if args.offset_embedder is not None:
            embedder = OffsetEmbedder(args.offset_embedder)
            server_args = embedder.server_args() + server_args
        if args.url:
            url, key = args.url, args.api_key
        else:
            server = LocalServer(args.binary, server_args)
            url, key = server.url, server.api_key
        client = Client(url, key, args.timeout)
        t0 = time.perf_counter()
        ids = load_memories(client, memories)
        wait_embedded(client)
        wait_indexed(client, ids, memories)
        t1 = time.perf_counter()
        results = run_questions(client, ids, questions)
        t2 = time.perf_counter()
    except Exception as e:  # noqa: BLE001  (any failure of the server or of a request)
        print(f"error: {e}", file=sys.stderr)
        if server:
            sys.stderr.write(server.tail())
        return 1
    finally:
        if server:
            server.stop()
        if embedder:
            embedder.stop()

    served = url if args.url else " ".join(["memoryd serve", *server_args])
    print("\n".join(summary_lines))
    print(f"server: {served}; load {t1 - t0:.1f} s, {len(questions)} searches {t2 - t1:.1f} s\n")
    summary = summarize(results)
    print_report(summary)
    if args.show_misses:
        print_misses(results, {m["id"]: m["text"] for m in memories})
    if args.json:
        report = dict(summary, server=served, top_k=TOP_K, questions=results)
        pathlib.Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
