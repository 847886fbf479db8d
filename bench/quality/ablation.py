#!/usr/bin/env python3
"""Ablation of the WordNet semantic layer: each kind of link on its own, none, and all.

For every setting of MEMORYD_SEMANTIC_LINKS (none; synonym; broader; part-of; derived; similar;
definition; all; or, with --leave-one-out, all kinds but one) this runs bench/quality/run.py and bench/locomo/run.py against a fresh
`memoryd serve` (each script starts its own) and prints one Markdown table: paraphrase and
shared-word rank-1 / top-5 on the labelled set, precision of results scoring >= 0.8, the share of
unanswerable questions at >= 0.8, AUROC, and LoCoMo R@10 overall, multi-hop and open-domain.

The environment variable is read by the server at start (src/app/stack.cc); it changes both the
keyword index's concepts and the builtin embedder's concept features.

Usage, from the repository root after `make build` (about 10 minutes):
    /usr/bin/python3 bench/quality/ablation.py [--settings "none;synonym,broader"] [--binary build/memoryd]
    /usr/bin/python3 bench/quality/ablation.py --leave-one-out   # all kinds but one, for each kind
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDS = ["synonym", "broader", "part-of", "derived", "similar", "definition"]
SETTINGS = ["none"] + KINDS + ["all"]


def run_json(command, env, out_path):
    proc = subprocess.run(command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=1800)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{proc.stdout[-3000:]}")
    return json.loads(pathlib.Path(out_path).read_text(encoding="utf-8"))


def quality(binary, env, tmp):
    out = os.path.join(tmp, "quality.json")
    return run_json([sys.executable, "bench/quality/run.py", "--binary", binary, "--json", out], env, out)


def locomo(binary, env, tmp):
    out = os.path.join(tmp, "locomo.json")
    return run_json([sys.executable, "bench/locomo/run.py", "--memoryd-bin", binary, "--json-out", out], env, out)


def row(setting, q, lo):
    kinds, overall, categories = q["per_kind"], q["overall"], lo["per_category"]
    cells = [setting,
             kinds["paraphrase"]["top1"], kinds["paraphrase"]["top5"], kinds["shared"]["top1"],
             overall["precision_at_0.8"], overall["unanswerable_at_0.8"], overall["auroc"],
             lo["overall"]["recall@10"], categories["1 multi-hop"]["recall@10"],
             categories["3 open-domain"]["recall@10"]]
    return "| " + " | ".join(c if isinstance(c, str) else f"{c:.3f}" for c in cells) + " |"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--settings", default=";".join(SETTINGS),
                    help="';'-separated MEMORYD_SEMANTIC_LINKS values (default: none, each kind, all)")
    ap.add_argument("--leave-one-out", action="store_true",
                    help="instead, every kind but one, for each kind")
    ap.add_argument("--binary", default=os.environ.get("MEMORYD_BIN", str(REPO_ROOT / "build" / "memoryd")))
    args = ap.parse_args()
    print("| links | paraphrase rank-1 | paraphrase top-5 | shared rank-1 | precision ≥ 0.8 "
          "| unanswerable ≥ 0.8 | AUROC | LoCoMo R@10 | multi-hop | open-domain |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    settings = args.settings.split(";")
    if args.leave_one_out:
        settings = [",".join(k for k in KINDS if k != left) for left in KINDS]
    for setting in settings:
        env = dict(os.environ, MEMORYD_SEMANTIC_LINKS=setting)
        with tempfile.TemporaryDirectory() as tmp:
            q = quality(args.binary, env, tmp)
            lo = locomo(args.binary, env, tmp)
        print(row(setting, q, lo), flush=True)


if __name__ == "__main__":
    main()
