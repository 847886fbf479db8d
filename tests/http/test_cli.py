"""Command line: --version, --help, refusing --no-auth off loopback, env vars, signals, key create."""

import os
import re
import signal
import subprocess
import time

import pytest
import requests

from conftest import database_url, free_port, require_binary, run_cli, store_flags


def test_version_prints_a_version_and_exits_0():
    res = run_cli(["--version"])
    assert res.returncode == 0, res.stderr
    assert re.search(r"\d+\.\d+", res.stdout), f"no version number in {res.stdout!r}"


def test_help_lists_the_commands_and_exits_0():
    res = run_cli(["--help"])
    assert res.returncode == 0, res.stderr
    for word in ("serve", "key", "mcp"):
        assert word in res.stdout, f"--help does not mention {word!r}:\n{res.stdout}"


def test_unknown_command_fails_with_a_message():
    res = run_cli(["frobnicate"])
    assert res.returncode != 0
    assert res.stderr.strip(), "an unknown command must explain itself on stderr"


def test_serve_with_an_unknown_flag_fails_without_serving(tmp_path):
    res = run_cli(["serve", "--data-dir", str(tmp_path), "--listen", f"127.0.0.1:{free_port()}",
                   "--no-such-flag"])
    assert res.returncode != 0
    assert res.stderr.strip()


def test_serve_rejects_a_non_numeric_limit(tmp_path):
    res = run_cli(["serve", "--data-dir", str(tmp_path), "--listen", f"127.0.0.1:{free_port()}",
                   "--api-key", "k", "--max-memories-per-space", "lots"])
    assert res.returncode != 0
    assert res.stderr.strip()


def _wait_exit_without_serving(proc, port, seconds=10.0):
    """Waits for proc to exit; fails if it ever answers HTTP on port meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return proc.returncode
        try:
            r = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
            proc.kill()
            proc.wait()
            pytest.fail(f"server answered {r.status_code} although it must refuse to start")
        except requests.RequestException:
            pass
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    pytest.fail(f"server still running after {seconds}s; it must refuse to start")


@pytest.mark.parametrize("host", ["0.0.0.0"])
def test_no_auth_is_refused_on_a_non_loopback_address(tmp_path, host):
    port = free_port()
    err = tmp_path / "stderr"
    with open(err, "wb") as errf:
        proc = subprocess.Popen([require_binary(), "serve", "--data-dir", str(tmp_path / "data"),
                                 "--listen", f"{host}:{port}", "--no-auth"],
                                stdout=subprocess.DEVNULL, stderr=errf, stdin=subprocess.DEVNULL)
        rc = _wait_exit_without_serving(proc, port)
    assert rc != 0, "--no-auth on a non-loopback address must exit non-zero"
    assert err.read_text(errors="replace").strip(), "the refusal must be explained on stderr"


def test_no_auth_on_loopback_serves_without_a_key(server_factory):
    s = server_factory("--no-auth", api_key=None)
    r = s.request("PUT", "/api/rest/memory", json={"key": "open", "value": "no key needed"})
    assert r.status_code == 201, r.text
    r = s.request("GET", "/api/rest/memory", params={"key": "open"})
    assert r.status_code == 200 and r.json()["value"] == "no key needed"


def test_environment_variables_configure_serve(tmp_path):
    port = free_port()
    data = tmp_path / "env-data"
    env = dict(os.environ, MEMORYD_DATA_DIR=str(data), MEMORYD_LISTEN=f"127.0.0.1:{port}",
               MEMORYD_API_KEY="env-key-0123456789")
    if database_url(data):
        env["MEMORYD_DATABASE_URL"] = database_url(data)
    err = tmp_path / "stderr"
    with open(err, "wb") as errf:
        proc = subprocess.Popen([require_binary(), "serve"], stdout=subprocess.DEVNULL, stderr=errf,
                                stdin=subprocess.DEVNULL, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, f"exited: {err.read_text(errors='replace')}"
            assert time.monotonic() < deadline, "never became healthy"
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        auth = {"Authorization": "Bearer env-key-0123456789"}
        r = requests.put(base + "/api/rest/memory", json={"key": "e", "value": "v"}, headers=auth, timeout=5)
        assert r.status_code == 201, r.text
        r = requests.get(base + "/api/rest/memories/count", headers={"Authorization": "Bearer wrong"}, timeout=5)
        assert r.status_code == 401
        assert data.is_dir() and any(data.iterdir()), "MEMORYD_DATA_DIR was not used"
        assert not (tmp_path / "memoryd-data").exists(), "the default data dir was used instead"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_sigint_stops_gracefully(server_factory):
    s = server_factory()
    assert s.request("PUT", "/api/rest/memory", json={"key": "k", "value": "v"}).status_code == 201
    proc, s.proc = s.proc, None
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0, "SIGINT must stop the server with exit code 0"
    s.start()
    assert s.request("GET", "/api/rest/memory", params={"key": "k"}).json()["value"] == "v"


def test_serve_creates_a_missing_data_dir(server_factory, tmp_path):
    data = tmp_path / "does" / "not" / "exist"
    s = server_factory(data_dir=data, mkdir=False)
    assert s.request("PUT", "/api/rest/memory", json={"key": "k", "value": "v"}).status_code == 201
    assert data.is_dir()


def test_key_create_prints_one_new_key_and_stores_only_a_hash(tmp_path, server_factory):
    data = tmp_path / "data"
    first = run_cli(["key", "create", *store_flags(data)])
    second = run_cli(["key", "create", *store_flags(data), "--space", "s1", "--read-only"])
    for res in (first, second):
        assert res.returncode == 0, res.stderr
        lines = res.stdout.splitlines()
        assert len(lines) == 1, f"stdout must be the key alone, got {res.stdout!r}"
        assert re.fullmatch(r"\S{16,}", lines[0]), f"implausible key {lines[0]!r}"
    k1, k2 = first.stdout.strip(), second.stdout.strip()
    assert k1 != k2
    for path in data.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert k1.encode() not in blob and k2.encode() not in blob, f"plaintext key stored in {path}"
    if database_url(data):
        dump = subprocess.run(["pg_dump", database_url(data)], capture_output=True, text=True, timeout=60)
        assert dump.returncode == 0, dump.stderr
        assert "CREATE TABLE" in dump.stdout and k1 not in dump.stdout and k2 not in dump.stdout, \
            "plaintext key stored in the database"
    # Created before the server started, and no --api-key: the created key is the way in.
    s = server_factory(api_key=None, data_dir=data)
    assert s.request("GET", "/api/rest/memories/count", key=k1).status_code == 200
    assert s.request("GET", "/api/rest/memories/count", key=None).status_code == 401
    assert s.request("GET", "/api/rest/memories/count", key=k2).status_code == 200
    assert s.request("PUT", "/api/rest/memory", key=k2, json={"key": "a", "value": "b"}).status_code == 403
    r = s.request("PUT", "/api/rest/memory", key=k1, json={"key": "a", "value": "b"}, params={"space": "s1"})
    assert r.status_code == 201
    assert s.request("GET", "/api/rest/memory", key=k2, params={"key": "a"}).json()["value"] == "b"


def test_key_create_with_an_invalid_space_fails(tmp_path):
    res = run_cli(["key", "create", "--data-dir", str(tmp_path), "--space", "a/b"])
    assert res.returncode != 0
    assert res.stdout.strip() == "", "no key may be printed for an invalid space"
