"""memoryd backup and restore through the real binary: an online backup under write load holds
every write acknowledged before it started, restores into a new data directory a server can
serve, and refusals (existing output, non-empty directory, damaged or foreign files)."""

import os
import stat
import threading
import time

import pytest

from conftest import run_cli

pytestmark = pytest.mark.sqlite_only(
    reason="backup and restore copy the SQLite file memoryd.db; a PostgreSQL store is backed up "
           "with PostgreSQL's own tools")

CLI_TIMEOUT = 120


def backup(data_dir, out, *extra, expect_rc=0):
    res = run_cli(["backup", "--data-dir", str(data_dir), "--out", str(out), *extra],
                  timeout=CLI_TIMEOUT)
    if expect_rc == 0:
        assert res.returncode == 0, f"backup failed ({res.returncode}): {res.stderr}"
    else:
        assert res.returncode != 0, f"backup must fail: {res.stdout}"
    return res


def restore(data_dir, src, expect_rc=0):
    res = run_cli(["restore", "--data-dir", str(data_dir), "--from", str(src)], timeout=CLI_TIMEOUT)
    if expect_rc == 0:
        assert res.returncode == 0, f"restore failed ({res.returncode}): {res.stderr}"
    else:
        assert res.returncode != 0, f"restore must fail: {res.stdout}"
    return res


def put(srv, key, value):
    r = srv.request("PUT", "/api/rest/memory", params={"space": "load"},
                    json={"key": key, "value": value})
    return r.status_code in (200, 201)


def test_backup_under_write_load_restores_every_acknowledged_write(server_factory, tmp_path):
    src = server_factory()
    acked = []
    lock = threading.Lock()
    stop = threading.Event()
    failures = []

    def writer(n):
        i = 0
        while not stop.is_set() and i < 3000:
            key = f"w{n}-{i}"
            if not put(src, key, f"value {n} {i}"):
                failures.append(key)
                return
            with lock:
                acked.append(key)
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    out = tmp_path / "snap.db"
    try:
        while len(acked) < 300:
            time.sleep(0.01)
        with lock:
            before = set(acked)
        res = backup(src.data_dir, out)
        with lock:
            during = len(acked) - len(before)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not failures, failures[:3]
    assert "integrity ok" in res.stdout, res.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    restored = tmp_path / "restored"
    res = restore(restored, out)
    assert stat.S_IMODE(os.stat(restored).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(restored / "memoryd.db").st_mode) == 0o600
    dst = server_factory(data_dir=restored)
    r = dst.request("GET", "/api/rest/memories/keys", params={"space": "load"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    keys = set(body["keys"] if isinstance(body, dict) else body)
    missing = before - keys
    assert not missing, f"{len(missing)} acknowledged writes missing, e.g. {sorted(missing)[:5]}"
    print(f"acknowledged before the backup: {len(before)}, during it: {during}")


def test_backup_refuses_an_existing_output_unless_forced(server, tmp_path):
    assert put(server, "a", "1")
    out = tmp_path / "snap.db"
    out.write_text("precious")
    res = backup(server.data_dir, out, expect_rc=1)
    assert "exists" in res.stderr
    assert out.read_text() == "precious"
    backup(server.data_dir, out, "--force")
    assert out.read_bytes().startswith(b"SQLite format 3")


def test_backup_of_a_directory_without_a_database_fails(tmp_path):
    res = backup(tmp_path / "nothing", tmp_path / "snap.db", expect_rc=1)
    assert res.stderr.strip()
    assert not (tmp_path / "snap.db").exists()


def test_restore_refuses_a_non_empty_directory(server, tmp_path):
    assert put(server, "a", "1")
    out = tmp_path / "snap.db"
    backup(server.data_dir, out)
    target = tmp_path / "busy"
    target.mkdir()
    (target / "something").write_text("keep me")
    res = restore(target, out, expect_rc=1)
    assert "not empty" in res.stderr
    assert sorted(p.name for p in target.iterdir()) == ["something"]


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("this is not SQLite at all\n" * 100)
    res = restore(tmp_path / "new", bogus, expect_rc=1)
    assert "not a sound memoryd database" in res.stderr, res.stderr
    assert not (tmp_path / "new").exists(), "nothing is created from a refused backup"


def test_restore_refuses_a_corrupted_backup(server, tmp_path):
    for i in range(200):
        assert put(server, f"k{i}", "some text to fill pages " * 20)
    out = tmp_path / "snap.db"
    backup(server.data_dir, out)
    data = bytearray(out.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # damage every page after the first two
        data[offset + 8:offset + 64] = b"\xff" * 56
    out.write_bytes(bytes(data))
    res = restore(tmp_path / "new", out, expect_rc=1)
    assert "not a sound memoryd database" in res.stderr, res.stderr
    assert not (tmp_path / "new").exists()


def test_restore_starts_without_stale_indexes_and_search_works(server_factory, tmp_path):
    src = server_factory()
    r = src.request("POST", "/mcp/addMemory", json={"space": "s", "text": "purple elephants dance"})
    assert r.status_code == 201
    out = tmp_path / "snap.db"
    backup(src.data_dir, out)
    restored = tmp_path / "restored"
    restore(restored, out)
    assert sorted(p.name for p in restored.iterdir()) == ["memoryd.db"]
    dst = server_factory(data_dir=restored)
    r = dst.request("POST", "/mcp/search", json={"space": "s", "q": "elephants"})
    assert r.status_code == 200 and r.json()["memories"], r.text
