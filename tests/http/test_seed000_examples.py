"""The seed-000 examples (tests/seed000/, curl + Python + TypeScript) run unchanged against memoryd.

Only the base URL is replaced (https://backend.persistmemory.com -> http://127.0.0.1:PORT); the
two defects of the seed's own text are repaired as tests/seed000/README.md explains, and each
repair is guarded by a test proving that the verbatim text really fails.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT, Server

EXAMPLES = REPO_ROOT / "tests" / "seed000"
SEED = pathlib.Path(os.environ.get(
    "MEMORYD_SEED000", str(REPO_ROOT.parent / "shared" / "seeds" / "000_ec807cebeee2cb61.txt")))
SEED_BASE = "https://backend.persistmemory.com"
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
RUN_TIMEOUT = 120

CURL_TEXT = "User prefers dark mode and Vim keybindings in all editors."
SDK_TEXT = "User prefers dark mode and Vim keybindings."


def example(rel):
    return (EXAMPLES / rel).read_text(encoding="utf-8")


def all_examples():
    return sorted(p.relative_to(EXAMPLES).as_posix()
                  for d in ("curl", "python", "typescript") for p in (EXAMPLES / d).iterdir())


# ------------------------------------------------------------------ the two documented repairs


def repair_shell(text):
    """'...user\\'s...' inside single quotes is not valid POSIX shell; '\\'' is what it means."""
    return text.replace("\\'", "'\\''")


def repair_python(text):
    """The seed lost leading whitespace: indent the line after a `for ...:` header."""
    lines = text.split("\n")
    for i in range(len(lines) - 1):
        if re.match(r"^for .*:$", lines[i]) and lines[i + 1] and not lines[i + 1][0].isspace():
            lines[i + 1] = "    " + lines[i + 1]
    return "\n".join(lines)


# ------------------------------------------------------------------ runners


def _env(server):
    env = dict(os.environ)
    env["PERSISTMEMORY_API_KEY"] = server.api_key
    env.pop("http_proxy", None)
    env.pop("HTTP_PROXY", None)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def _run(cmd, server, cwd):
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=_env(server),
                         cwd=cwd, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"{cmd} exited {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}"
    return res.stdout


def with_base(text, server):
    assert SEED_BASE in text, "every example names the seed's base URL"
    return text.replace(SEED_BASE, server.base_url)


def run_curl(server, rel, tmp_path):
    text = example(rel)
    if rel == "curl/02_search.sh":
        text = repair_shell(text)
    assert shutil.which("curl"), "curl is required (apt-get install curl)"
    return _run(["bash", "-c", with_base(text, server)], server, tmp_path)


def python_prelude():
    """The seed's own first four Python lines (imports, API_KEY, BASE_URL)."""
    lines = example("python/01_store.py").split("\n")
    end = next(i for i, line in enumerate(lines) if line.startswith("BASE_URL"))
    return "\n".join(lines[:end + 1]) + "\n"


def run_python(server, rel, tmp_path, epilogue=""):
    text = example(rel)
    if rel == "python/02_search.py":
        text = repair_python(text)
    if not rel.endswith("01_store.py"):
        text = python_prelude() + text
    prog = tmp_path / (pathlib.Path(rel).stem + ".py")
    prog.write_text(with_base(text, server) + epilogue, encoding="utf-8")
    return _run(["/usr/bin/python3", str(prog)], server, tmp_path)


def tsx_bin():
    tsx = EXAMPLES / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        npm = shutil.which("npm")
        assert npm, "node/npm are required for the TypeScript examples"
        res = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EXAMPLES, capture_output=True,
                             text=True, timeout=600)
        assert res.returncode == 0 and tsx.exists(), f"npm ci in {EXAMPLES} failed:\n{res.stdout}\n{res.stderr}"
    return str(tsx)


def ts_prelude():
    lines = example("typescript/01_store.ts").split("\n")
    end = next(i for i, line in enumerate(lines) if line.startswith("const BASE_URL"))
    return "\n".join(lines[:end + 1]) + "\n"


def run_ts(server, rel, tmp_path, epilogue=""):
    text = example(rel)
    if not rel.endswith("01_store.ts"):
        text = ts_prelude() + text
    prog = tmp_path / (pathlib.Path(rel).stem + ".mts")  # an ES module: top-level await
    prog.write_text(with_base(text, server) + epilogue, encoding="utf-8")
    return _run([tsx_bin(), str(prog)], server, tmp_path)


def json_docs(text):
    """curl prints bodies back to back without separators: decode them one after another."""
    dec, docs, pos = json.JSONDecoder(), [], 0
    text = text.strip()
    while pos < len(text):
        doc, pos = dec.raw_decode(text, pos)
        docs.append(doc)
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return docs


def score_lines(out):
    lines = [line for line in out.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        m = re.fullmatch(r"\[(\d\.\d{3})\] (.*)", line)
        assert m, f"unexpected output line {line!r} in:\n{out}"
        parsed.append((float(m.group(1)), m.group(2)))
    return parsed


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("seed000"))
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def stored(seed_server, tmp_path_factory):
    """Runs the three 'Store a Memory' examples in the seed's order: curl, Python, TypeScript."""
    tmp = tmp_path_factory.mktemp("seed000-store")
    curl_out = run_curl(seed_server, "curl/01_store.sh", tmp)
    py_out = run_python(seed_server, "python/01_store.py", tmp)
    ts_out = run_ts(seed_server, "typescript/01_store.ts", tmp)
    return {"curl": curl_out, "python": py_out, "typescript": ts_out}


def stored_ids(stored):
    (curl_doc,) = json_docs(stored["curl"])
    py = re.fullmatch(rf"Stored memory ID: ({UUID_RE})\n", stored["python"])
    ts = re.fullmatch(rf"Stored memory ID: ({UUID_RE})\n", stored["typescript"])
    assert py and ts, f"outputs: {stored!r}"
    return curl_doc["id"], py.group(1), ts.group(1)


# ------------------------------------------------------------------ the examples are the seed's


def test_examples_are_verbatim_from_the_seed():
    if not SEED.exists():
        pytest.skip(f"seed text not readable at {SEED}")
    seed = SEED.read_text(encoding="utf-8")
    names = all_examples()
    assert len(names) == 14, names
    for rel in names:
        text = example(rel).rstrip("\n")
        assert text in seed, f"{rel} is no longer the seed's text"


def test_shell_repair_is_needed_and_minimal():
    text = example("curl/02_search.sh")
    verbatim = subprocess.run(["bash", "-n", "-c", text], capture_output=True, text=True)
    assert verbatim.returncode != 0, "the verbatim seed curl is valid bash now: drop repair_shell"
    repaired = repair_shell(text)
    assert subprocess.run(["bash", "-n", "-c", repaired]).returncode == 0
    # The repaired command sends exactly the JSON the example means.
    out = subprocess.run(["bash", "-c", "printf '%s' " + repaired.split("-d ", 1)[1]],
                         capture_output=True, text=True)
    assert json.loads(out.stdout) == {"space": "preferences", "q": "What are the user's editor preferences?",
                                      "top_k": 5}


def test_python_repair_is_needed_and_minimal():
    text = python_prelude() + example("python/02_search.py")
    with pytest.raises(IndentationError):
        compile(text, "02_search.py", "exec")
    repaired = repair_python(text)
    compile(repaired, "02_search.py", "exec")
    diff = [(a, b) for a, b in zip(text.split("\n"), repaired.split("\n")) if a != b]
    assert diff == [("print(f\"[{mem['score']:.3f}] {mem['text']}\")",
                     "    print(f\"[{mem['score']:.3f}] {mem['text']}\")")]


# ------------------------------------------------------------------ Store a Memory


def test_store_examples(seed_server, stored):
    (curl_doc,) = json_docs(stored["curl"])
    assert curl_doc.get("space") == "preferences", curl_doc
    assert curl_doc.get("title") == "Editor preferences"
    assert curl_doc.get("text") == CURL_TEXT
    assert re.fullmatch(UUID_RE, str(curl_doc.get("id"))), curl_doc
    ids = stored_ids(stored)
    assert len(set(ids)) == 3, f"three stores must give three memories: {ids}"
    for mid, text in zip(ids, (CURL_TEXT, SDK_TEXT, SDK_TEXT)):
        r = seed_server.request("GET", f"/memories/{mid}")
        assert r.status_code == 200, r.text
        got = r.json()
        assert (got["id"], got["space"], got["title"], got["text"]) == (mid, "preferences", "Editor preferences", text)


# ------------------------------------------------------------------ Search Memories


def test_search_examples(seed_server, stored, tmp_path):
    ids = stored_ids(stored)
    expected_texts = sorted([CURL_TEXT, SDK_TEXT, SDK_TEXT])

    (curl_doc,) = json_docs(run_curl(seed_server, "curl/02_search.sh", tmp_path))
    mems = curl_doc["memories"]
    assert sorted(m["id"] for m in mems) == sorted(ids), mems
    scores = [m["score"] for m in mems]
    assert all(0.0 <= s <= 1.0 for s in scores), scores
    assert scores == sorted(scores, reverse=True), scores

    for runner, rel in ((run_python, "python/02_search.py"), (run_ts, "typescript/02_search.ts")):
        lines = score_lines(runner(seed_server, rel, tmp_path))
        assert sorted(t for _, t in lines) == expected_texts, lines
        assert [s for s, _ in lines] == sorted((s for s, _ in lines), reverse=True), lines
        assert all(0.0 <= s <= 1.0 for s, _ in lines), lines
        # Same query, same data: the same scores as the curl run, to the printed precision.
        assert [s for s, _ in lines] == [float(f"{s:.3f}") for s in scores], (lines, scores)


# ------------------------------------------------------------------ List All Memories


def test_list_examples(seed_server, stored, tmp_path):
    newest_first = list(reversed(stored_ids(stored)))
    (curl_doc,) = json_docs(run_curl(seed_server, "curl/03_list.sh", tmp_path))
    assert [m["id"] for m in curl_doc["memories"]] == newest_first, curl_doc
    py = run_python(seed_server, "python/03_list.py", tmp_path,
                    epilogue="\nimport json as _observe\nprint(_observe.dumps(memories))\n")
    assert [m["id"] for m in json.loads(py)] == newest_first
    ts = run_ts(seed_server, "typescript/03_list.ts", tmp_path, epilogue="\nconsole.log(JSON.stringify(memories));\n")
    assert [m["id"] for m in json.loads(ts)] == newest_first


# ------------------------------------------------------------------ Delete (a space)


@pytest.mark.parametrize("rel", ["curl/04_delete_space.sh", "python/04_delete_space.py",
                                 "typescript/04_delete_space.ts"])
def test_delete_space_examples(seed_server, tmp_path, rel):
    for i in range(2):
        r = seed_server.request("POST", "/mcp/addMemory", json={"space": "my-space-id", "text": f"doomed memory {i}"})
        assert r.status_code == 201, r.text
    runner = {"curl": run_curl, "python": run_python, "typescript": run_ts}[rel.split("/")[0]]
    out = runner(seed_server, rel, tmp_path)
    if rel.startswith("curl/"):
        assert json_docs(out) == [{"space": "my-space-id", "deleted": True, "memoriesDeleted": 2}]
    r = seed_server.request("GET", "/mcp/fetchMessages", params={"space": "my-space-id"})
    assert r.status_code == 200 and r.json()["memories"] == [], r.text
    r = seed_server.request("POST", "/mcp/search", json={"space": "my-space-id", "q": "doomed memory"})
    assert r.status_code == 200 and r.json()["memories"] == [], r.text
    names = [s["name"] for s in seed_server.request("GET", "/spaces").json()["spaces"]]
    assert "my-space-id" not in names
    assert seed_server.request("DELETE", "/spaces/my-space-id").status_code == 404


# ------------------------------------------------------------------ Using Memory Spaces


def test_spaces_example(seed_server, tmp_path):
    alpha, beta, search = json_docs(run_curl(seed_server, "curl/05_spaces.sh", tmp_path))
    assert (alpha["space"], alpha["title"], alpha["text"]) == ("project-alpha", "CI/CD", "Deploy pipeline uses GitHub Actions")
    assert (beta["space"], beta["title"], beta["text"]) == ("project-beta", "CI/CD", "Deploy pipeline uses GitLab CI")
    # "Searching project-alpha only returns GitHub Actions memory"
    assert [(m["id"], m["space"], m["text"]) for m in search["memories"]] == [
        (alpha["id"], "project-alpha", "Deploy pipeline uses GitHub Actions")], search


# ------------------------------------------------------------------ Using Metadata


def test_metadata_example(seed_server, tmp_path):
    out = run_python(seed_server, "python/06_metadata.py", tmp_path)
    assert out == ""
    r = seed_server.request("GET", "/mcp/fetchMessages", params={"space": "support-tickets"})
    assert r.status_code == 200, r.text
    mems = r.json()["memories"]
    assert [(m["title"], m["text"]) for m in mems] == [(
        "Safari 17 login failure — SameSite cookie fix",
        "Customer reported login failures on Safari 17. Root cause was SameSite cookie policy change. "
        "Ticket SUP-4521, severity high, resolved. Tags: auth, cookies, safari.")]
    r = seed_server.request("POST", "/mcp/search", json={"space": "support-tickets", "q": "safari login cookie problem",
                                                        "top_k": 5})
    assert r.status_code == 200 and [m["id"] for m in r.json()["memories"]] == [mems[0]["id"]], r.text
