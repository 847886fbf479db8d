"""memoryd export and import through the real binary: format, snapshot consistency under
concurrent writes, round trips into a fresh data directory, idempotence, refusals of bad input,
and import into a data directory a running server serves."""

import json
import os
import shlex
import stat
import subprocess
import threading
import time

import pytest

from conftest import require_binary, run_cli, store_flags

MEMORY_FIELDS = ["id", "space", "key", "title", "text", "tags", "metadata", "createdAt",
                 "updatedAt", "expiresAt"]
CLI_TIMEOUT = 120
SETTLE_TIMEOUT = 60


def export(data_dir, *extra, timeout=CLI_TIMEOUT):
    res = run_cli(["export", *store_flags(data_dir), *extra], timeout=timeout)
    assert res.returncode == 0, f"export failed ({res.returncode}): {res.stderr}"
    return res.stdout


def parse_export(text):
    lines = text.splitlines()
    assert lines, "an export has at least its header line"
    header = json.loads(lines[0])
    return header, [json.loads(line) for line in lines[1:]]


def import_file(data_dir, path, expect_rc=0, stdin_text=None):
    cmd = [require_binary(), "import", *store_flags(data_dir), str(path)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT,
                         input=stdin_text, stdin=None if stdin_text is not None else subprocess.DEVNULL)
    if expect_rc == 0:
        assert res.returncode == 0, f"import failed ({res.returncode}): {res.stderr}"
    else:
        assert res.returncode != 0, f"import must fail: {res.stderr}"
    return res


def add(srv, space, text, **fields):
    r = srv.request("POST", "/mcp/addMemory", json={"space": space, "text": text, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def search_ids(srv, space, q):
    r = srv.request("POST", "/mcp/search", json={"space": space, "q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return [(m["id"], m["score"]) for m in r.json()["memories"]]


def index_lag(srv):
    r = srv.request("GET", "/metrics")
    assert r.status_code == 200, r.text
    for line in r.text.splitlines():
        if line.startswith("memoryd_index_lag_versions "):
            return float(line.split()[1])
    return None  # not yet loaded


def wait_settled(srv):
    """Waits until the server has embedded every memory and its indexes hold every vector."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        h = srv.request("GET", "/healthz").json()
        if (h["embedder"]["pendingEmbeddings"] == 0 and h.get("indexes", "ready") == "ready"
                and index_lag(srv) == 0):
            return
        time.sleep(0.1)
    pytest.fail(f"embeddings still pending after {SETTLE_TIMEOUT}s")


def seed(srv):
    add(srv, "notes", "The quarterly report is due on Friday", key="report", title="Report",
        tags=["work", "deadline"], metadata={"priority": 2, "owner": {"name": "ana"}})
    add(srv, "notes", "Buy oat milk and coffee beans", tags=["shopping"])
    add(srv, "notes", "Expiring reminder about the dentist", ttlMinutes=60)
    add(srv, "travel", "Flight to Lisbon leaves at 7:40 from terminal 2", key="flight",
        metadata={"seat": "12A", "ratio": 0.953})
    add(srv, "travel", "Hotel in Alfama, check-in after 3 pm", tags=["hotel"])


def test_export_writes_a_header_and_every_field(server):
    seed(server)
    header, rows = parse_export(export(server.data_dir))
    assert header["format"] == "memoryd-export" and header["version"] == 1
    assert "exportedAt" in header and "memoryd" in header
    assert len(rows) == 5
    for row in rows:
        assert list(row) == MEMORY_FIELDS, row
    report = next(r for r in rows if r["key"] == "report")
    for row in rows:  # every field as the REST API renders it
        r = server.request("GET", f"/memories/{row['id']}")
        assert r.status_code == 200, r.text
        api = r.json().get("memory", r.json())
        assert {f: api[f] for f in MEMORY_FIELDS} == row
    assert report["metadata"] == {"priority": 2, "owner": {"name": "ana"}}
    assert report["tags"] == ["work", "deadline"]
    assert any(r["expiresAt"] for r in rows)


def test_export_to_a_file_is_0600_and_space_filter_applies(server, tmp_path):
    seed(server)
    out = tmp_path / "travel.jsonl"
    export(server.data_dir, "--space", "travel", "--out", str(out))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    _, rows = parse_export(out.read_text())
    assert sorted(r["space"] for r in rows) == ["travel", "travel"]
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name], "temporary file left behind"


def test_export_during_concurrent_writes_is_one_consistent_snapshot(server):
    acked = []
    stop = threading.Event()
    errors = []

    def writer(n):
        i = 0
        while not stop.is_set() and i < 2000:
            r = server.request("PUT", "/api/rest/memory", params={"space": "load"},
                               json={"key": f"w{n}-{i}", "value": f"value {n} {i}"})
            if r.status_code not in (200, 201):
                errors.append(r.text)
                return
            acked.append(f"w{n}-{i}")
            i += 1

    def pair_writer():
        # "a" then "b", over and over: a snapshot shows b == a or b == a - 1, never b > a.
        n = 0
        while not stop.is_set() and n < 2000:
            n += 1
            for key in ("a", "b"):
                r = server.request("PUT", "/api/rest/memory", params={"space": "pairs"},
                                   json={"key": key, "value": str(n)})
                if r.status_code not in (200, 201):
                    errors.append(r.text)
                    return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    threads.append(threading.Thread(target=pair_writer))
    for t in threads:
        t.start()
    try:
        while len(acked) < 200:
            time.sleep(0.01)
        before = set(acked)
        _, rows = parse_export(export(server.data_dir))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors[:3]
    pair = {r["key"]: int(r["text"]) for r in rows if r["space"] == "pairs"}
    assert set(pair) == {"a", "b"}, pair
    assert pair["a"] - 1 <= pair["b"] <= pair["a"], f"not one snapshot: {pair}"
    rows = [r for r in rows if r["space"] == "load"]
    keys = [r["key"] for r in rows]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a memory appears twice"
    assert len(keys) == len(set(keys))
    missing = before - set(keys)
    assert not missing, f"{len(missing)} acknowledged writes missing, e.g. {sorted(missing)[:5]}"


def test_round_trip_into_a_fresh_data_dir_keeps_everything(server_factory, tmp_path):
    src = server_factory()
    seed(src)
    wait_settled(src)
    dump = tmp_path / "dump.jsonl"
    dump.write_text(export(src.data_dir))
    fresh = tmp_path / "fresh"
    res = import_file(fresh, dump)
    assert "imported 5 memories (5 created, 0 replaced, 0 unchanged)" in res.stderr, res.stderr
    dst = server_factory(data_dir=fresh)
    wait_settled(dst)
    _, want = parse_export(dump.read_text())
    _, got = parse_export(export(fresh))
    assert got == want
    for space, q in [("notes", "report deadline"), ("travel", "flight to Lisbon"),
                     ("notes", "coffee")]:
        assert search_ids(dst, space, q) == search_ids(src, space, q), q


def test_importing_twice_changes_nothing(server_factory, tmp_path):
    src = server_factory()
    seed(src)
    dump = tmp_path / "dump.jsonl"
    dump.write_text(export(src.data_dir))
    fresh = tmp_path / "fresh"
    import_file(fresh, dump)
    _, first = parse_export(export(fresh))
    res = import_file(fresh, dump)
    assert "(0 created, 0 replaced, 5 unchanged)" in res.stderr, res.stderr
    _, second = parse_export(export(fresh))
    assert second == first


def test_with_embeddings_round_trip_needs_no_embedding(server_factory, tmp_path):
    src = server_factory()
    seed(src)
    wait_settled(src)
    text = export(src.data_dir, "--with-embeddings")
    _, rows = parse_export(text)
    assert all(r["embedding"] and r["embedder"] for r in rows)
    dump = tmp_path / "dump.jsonl"
    dump.write_text(text)
    fresh = tmp_path / "fresh"
    import_file(fresh, dump)
    _, again = parse_export(export(fresh, "--with-embeddings"))
    assert again == rows, "vectors and every field survive the round trip"
    dst = server_factory(data_dir=fresh)
    h = dst.request("GET", "/healthz").json()
    assert h["embedder"]["pendingEmbeddings"] == 0, "imported vectors need no embedding"
    assert search_ids(dst, "travel", "hotel check-in") == search_ids(src, "travel", "hotel check-in")


def test_import_from_stdin(server, tmp_path):
    seed(server)
    text = export(server.data_dir)
    fresh = tmp_path / "fresh"
    res = import_file(fresh, "-", stdin_text=text)
    assert "5 created" in res.stderr
    assert not [p for p in fresh.iterdir() if p.name.startswith("import-stdin")], "spool left behind"
    _, rows = parse_export(export(fresh))
    assert len(rows) == 5


def header_line(version=1):
    return json.dumps({"format": "memoryd-export", "version": version,
                       "exportedAt": "2026-01-01T00:00:00.000Z", "memoryd": "test"})


def good_line(i):
    return json.dumps({"space": "bulk", "key": f"k{i}", "text": f"memory number {i}"})


BAD_LINES = {
    "bad_json": lambda: "{not json",
    "wrong_type": lambda: json.dumps({"space": "bulk", "text": 42}),
    "missing_text": lambda: json.dumps({"space": "bulk"}),
    "bad_space": lambda: json.dumps({"space": "bad/space", "text": "x"}),
    "bad_id": lambda: json.dumps({"space": "bulk", "text": "x", "id": "not-a-uuid"}),
    "duplicate_key": lambda: json.dumps({"space": "bulk", "key": "k3", "text": "key of line 4"}),
    "oversized_text": lambda: json.dumps({"space": "bulk", "text": "x" * ((1 << 20) + 1)}),
}


@pytest.mark.parametrize("bad", sorted(BAD_LINES))
def test_a_malformed_line_names_its_number_and_imports_nothing(tmp_path, bad):
    # More good lines than one write batch (500) before the bad one: an import that wrote while
    # it checked would have committed some.
    lines = [header_line()] + [good_line(i) for i in range(1, 1201)] + [BAD_LINES[bad]()]
    lines.append(good_line(99))
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    data = tmp_path / "data"
    res = import_file(data, path, expect_rc=1)
    assert "line 1202:" in res.stderr, res.stderr
    _, rows = parse_export(export(data))
    assert rows == [], "nothing may be imported from a file with a bad line"


def test_duplicate_id_in_the_file_is_refused(tmp_path):
    row = {"id": "0190f5e2-7c1a-7d3e-9b1f-3c2a1b0e4d5f", "space": "s", "text": "x"}
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join([header_line(), json.dumps(row), json.dumps({**row, "text": "y"})]))
    res = import_file(tmp_path / "data", path, expect_rc=1)
    assert "line 3:" in res.stderr and "line 2" in res.stderr, res.stderr


@pytest.mark.parametrize("first", [header_line(version=2), json.dumps({"format": "other"}), ""])
def test_unknown_format_or_newer_version_is_refused(tmp_path, first):
    path = tmp_path / "f.jsonl"
    path.write_text(first + "\n" + good_line(1) + "\n")
    res = import_file(tmp_path / "data", path, expect_rc=1)
    assert "line 1:" in res.stderr, res.stderr
    if "version" in first and '"version": 2' in first:
        assert "newer" in res.stderr


def test_import_while_serve_runs_is_seen_by_the_server(server, tmp_path):
    add(server, "notes", "already here", key="existing")
    path = tmp_path / "in.jsonl"
    lines = [header_line(),
             json.dumps({"space": "notes", "key": "imported", "text": "penguins live in Antarctica"}),
             json.dumps({"space": "notes", "key": "existing", "text": "replaced by the import"})]
    path.write_text("\n".join(lines) + "\n")
    # Read first, so the server's read cache holds the old value.
    assert server.request("GET", "/api/rest/memory", params={"key": "existing", "space": "notes"}).ok
    res = import_file(server.data_dir, path)
    assert "1 created, 1 replaced" in res.stderr, res.stderr
    r = server.request("GET", "/api/rest/memory", params={"key": "imported", "space": "notes"})
    assert r.status_code == 200, r.text
    r = server.request("GET", "/api/rest/memory", params={"key": "existing", "space": "notes"})
    assert r.status_code == 200 and "replaced by the import" in r.text, r.text
    deadline = time.monotonic() + SETTLE_TIMEOUT
    found = False
    while not found and time.monotonic() < deadline:
        r = server.request("POST", "/mcp/search", json={"space": "notes", "q": "penguins Antarctica"})
        found = r.ok and any(m["key"] == "imported" for m in r.json()["memories"])
        time.sleep(0.1)
    assert found, "the server's search must find the imported memory"
    wait_settled(server)


def test_each_command_has_its_own_usage():
    for command in ("export", "import", "backup", "restore"):
        res = run_cli([command, "--help"])
        assert res.returncode == 0, res.stderr
        assert f"memoryd {command}" in res.stdout
    res = run_cli(["import", "--data-dir", "x"])
    assert res.returncode == 2 and "FILE" in res.stderr


def test_progress_is_redrawn_on_a_terminal_and_summed_up_otherwise(tmp_path):
    src = tmp_path / "big.jsonl"
    src.write_text("\n".join([header_line()] + [good_line(i) for i in range(1200)]) + "\n")
    # `script` gives the import a pseudo-terminal as stderr, as an operator's shell would.
    command = shlex.join([require_binary(), "import", *store_flags(tmp_path / "tty"), str(src)])
    res = subprocess.run(["script", "-qec", command, "/dev/null"],
                         capture_output=True, timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
    out = res.stdout.decode("utf-8", "replace")  # bytes: text mode would turn \r into \n
    assert res.returncode == 0, out + res.stderr.decode("utf-8", "replace")
    assert "/1200 memories (" in out and "s left)" in out, out
    assert "\r1200/1200 memories (" in out, "the progress line is redrawn in place"
    assert "imported 1200 memories (1200 created" in out

    piped = run_cli(["import", *store_flags(tmp_path / "pipe"), str(src)])
    assert piped.returncode == 0, piped.stderr
    assert "s left" not in piped.stderr and "\r" not in piped.stderr
    assert piped.stderr.count("\n") == 1 and "imported 1200 memories" in piped.stderr


def test_a_pipe_is_read_once_and_imported_whole(tmp_path):
    src = tmp_path / "piped.jsonl"
    src.write_text("\n".join([header_line()] + [good_line(i) for i in range(30)]) + "\n")
    data = tmp_path / "data"
    # /dev/stdin on a pipe cannot be read twice: it is copied before the check.
    importer = shlex.join([require_binary(), "import", *store_flags(data), "/dev/stdin"])
    res = subprocess.run(["bash", "-c", f"cat {shlex.quote(str(src))} | {importer}"],
                         capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert res.returncode == 0, res.stderr
    assert "imported 30 memories (30 created" in res.stderr, res.stderr
    assert len(parse_export(export(data))[1]) == 30
    assert not [p for p in os.listdir(data) if p.startswith("import-")], "no spool file is left"


def test_a_repeated_text_without_id_or_key_is_named_as_such(tmp_path):
    path = tmp_path / "copies.jsonl"
    row = {"space": "s", "text": "the same words twice"}
    path.write_text("\n".join([header_line(), json.dumps(row), json.dumps(row)]) + "\n")
    res = import_file(tmp_path / "data", path, expect_rc=1)
    assert "line 3:" in res.stderr and "line 2" in res.stderr, res.stderr
    assert "no id or key" in res.stderr, res.stderr
