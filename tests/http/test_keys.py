"""API keys from the command line: create with a name, list, revoke (seen by running servers),
the last use recorded in batches, and what `serve` says when there is no key at all."""

import json
import os
import re
import stat
import subprocess
import time

import pytest

from conftest import POSTGRES, require_binary, run_cli, store_flags

LIST_FIELDS = {"id", "name", "space", "readOnly", "createdAt", "lastUsedAt"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def create(data_dir, *args):
    res = run_cli(["key", "create", *store_flags(data_dir), *args])
    assert res.returncode == 0, res.stderr
    (key,) = res.stdout.split()
    return key


def list_json(data_dir):
    res = run_cli(["key", "list", *store_flags(data_dir), "--json"])
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def by_name(keys, name):
    (match,) = [k for k in keys if k["name"] == name]
    return match


def status_of(server, key):
    return server.request("GET", "/spaces", key=key).status_code


def test_key_list_shows_every_key_with_exactly_the_documented_fields(tmp_path):
    data = tmp_path / "data"
    admin = create(data, "--name", "ci runner")
    scoped = create(data, "--space", "notes", "--read-only", "--name", "reader")
    plain = create(data)
    keys = list_json(data)
    assert len(keys) == 3
    for k in keys:
        assert set(k) == LIST_FIELDS, k
        assert isinstance(k["id"], int)
        assert ISO.match(k["createdAt"]), k
        assert k["lastUsedAt"] is None
    assert len({k["id"] for k in keys}) == 3
    runner = by_name(keys, "ci runner")
    assert runner["space"] is None and runner["readOnly"] is False
    reader = by_name(keys, "reader")
    assert reader["space"] == "notes" and reader["readOnly"] is True
    assert by_name(keys, "")["space"] is None

    table = run_cli(["key", "list", *store_flags(data)])
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "SPACE", "ACCESS", "CREATED", "LAST", "USED"]
    assert len(lines) == 4
    # Aligned: every row's CREATED column starts where its header does.
    created_col = lines[0].index("CREATED")
    for line in lines[1:]:
        assert ISO.match(line[created_col:created_col + 24]), (line, created_col)
    assert "ci runner" in table.stdout and "read-only" in table.stdout
    # Never a key, never its hash.
    for out in (table.stdout, json.dumps(keys)):
        for key in (admin, scoped, plain):
            assert key not in out
        assert not re.search(r"[0-9a-f]{40,}", out), out


def test_key_create_refuses_bad_names_and_spaces(tmp_path):
    data = tmp_path / "data"
    for args in (["--name", "bad\nname"], ["--name", "x" * 201], ["--space", "a/b"], ["--space", ""]):
        res = run_cli(["key", "create", *store_flags(data), *args])
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert res.stdout == "", "no key is printed for a refused request"
        assert res.stderr.strip()
    if POSTGRES or (data / "memoryd.db").exists():
        assert list_json(data) == []


def test_revoke_is_refused_by_every_running_server_within_a_second(tmp_path, server_factory):
    data = tmp_path / "shared-data"
    first = server_factory(data_dir=data, api_key=None)
    second = server_factory(data_dir=data, api_key=None)
    doomed = create(data, "--name", "doomed")
    kept = create(data, "--name", "kept")
    for srv in (first, second):
        assert status_of(srv, doomed) == 200
        assert status_of(srv, kept) == 200

    doomed_id = by_name(list_json(data), "doomed")["id"]
    res = run_cli(["key", "revoke", *store_flags(data), str(doomed_id)])
    assert res.returncode == 0, res.stderr
    revoked_at = time.monotonic()
    # The contract is "within 1 s": a request sent a full second later is refused by both.
    time.sleep(max(0.0, 1.0 - (time.monotonic() - revoked_at)))
    for srv in (first, second):
        r = srv.request("GET", "/spaces", key=doomed)
        assert r.status_code == 401, (srv.port, r.status_code, r.text)
        assert r.json().get("error")
        assert status_of(srv, kept) == 200, "other keys are untouched"
    assert [k["name"] for k in list_json(data)] == ["kept"]


def test_revoke_reports_unknown_and_malformed_ids(tmp_path):
    data = tmp_path / "data"
    create(data, "--name", "only")
    res = run_cli(["key", "revoke", *store_flags(data), "999"])
    assert res.returncode == 1 and "999" in res.stderr
    for bad in (["abc"], ["-1"], ["1", "2"], []):
        res = run_cli(["key", "revoke", *store_flags(data), *bad])
        assert res.returncode == 2, (bad, res.stderr)
        assert res.stderr.strip()
    assert len(list_json(data)) == 1


@pytest.mark.sqlite_only(reason="on PostgreSQL the store is the database, which exists whatever "
                                "the data directory")
def test_list_and_revoke_never_create_a_data_directory(tmp_path):
    missing = tmp_path / "nowhere"
    for args in (["key", "list", "--data-dir", str(missing)],
                 ["key", "revoke", "--data-dir", str(missing), "1"]):
        res = run_cli(args)
        assert res.returncode == 1, res.stderr
        assert str(missing) in res.stderr
    assert not missing.exists()


def test_last_use_is_recorded_in_batches_while_serving_and_at_shutdown(tmp_path, server_factory):
    data = tmp_path / "data"
    used = create(data, "--name", "used")
    create(data, "--name", "idle")
    srv = server_factory(data_dir=data, api_key=None)
    for _ in range(20):
        assert status_of(srv, used) == 200
    # Written in the background every few seconds, not by the requests themselves.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and by_name(list_json(data), "used")["lastUsedAt"] is None:
        time.sleep(0.25)
    keys = list_json(data)
    used_row = by_name(keys, "used")
    assert used_row["lastUsedAt"] is not None, "the last use must be written while serving"
    assert used_row["lastUsedAt"] >= used_row["createdAt"]
    assert by_name(keys, "idle")["lastUsedAt"] is None

    # A use right before a shutdown is written by the shutdown at the latest.
    late = create(data, "--name", "late")
    assert status_of(srv, late) == 200
    srv.stop()
    keys = list_json(data)
    assert by_name(keys, "late")["lastUsedAt"] is not None
    assert by_name(keys, "idle")["lastUsedAt"] is None


def test_serve_without_any_key_says_how_to_create_one(tmp_path, server_factory):
    srv = server_factory(api_key=None)
    log = srv.log_tail()
    assert "memoryd key create --data-dir" in log, log
    assert status_of(srv, "mcp_nope") == 401

    data = tmp_path / "with-key"
    create(data)
    quiet = server_factory(data_dir=data, api_key=None)
    assert "memoryd key create" not in quiet.log_tail()
    given = server_factory()  # --api-key given
    assert "memoryd key create" not in given.log_tail()


def _modes(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    out["."] = stat.S_IMODE(os.stat(root).st_mode)
    return out


def test_data_directory_is_private_whatever_the_umask(tmp_path, server_factory):
    data = tmp_path / "fresh"
    res = subprocess.run([require_binary(), "key", "create", *store_flags(data)],
                         capture_output=True, text=True, timeout=20,
                         preexec_fn=lambda: os.umask(0))
    assert res.returncode == 0, res.stderr
    srv = server_factory(data_dir=data, api_key=None)
    key = res.stdout.strip()
    assert srv.request("POST", "/mcp/addMemory", key=key, json={"text": "private"}).status_code == 201
    srv.stop()
    modes = _modes(data)
    assert modes["."] == 0o700, modes
    assert POSTGRES or "memoryd.db" in modes
    for path, mode in modes.items():
        is_dir = os.path.isdir(os.path.join(data, path))
        assert mode == (0o700 if is_dir else 0o600), (path, oct(mode))
    srv.start()


@pytest.mark.sqlite_only(reason="makes the SQLite file memoryd.db readable by others first")
def test_an_existing_readable_data_directory_is_made_private(tmp_path):
    data = tmp_path / "old"
    create(data)
    os.chmod(data, 0o755)
    os.chmod(data / "memoryd.db", 0o644)
    res = run_cli(["key", "list", "--data-dir", str(data)])
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data / "memoryd.db").st_mode) == 0o600
    assert "private" in res.stderr


@pytest.mark.parametrize("command", [["serve"], ["mcp"], ["key", "create"], ["key", "list"],
                                     ["key", "revoke"], ["export"], ["import"], ["backup"],
                                     ["restore"]])
@pytest.mark.parametrize("spelling", ["--help", "-h"])
def test_every_command_prints_its_own_usage(command, spelling):
    res = run_cli([*command, spelling])
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Usage: memoryd " + " ".join(command)), res.stdout
    assert "--data-dir" in res.stdout
    assert res.stderr == ""


def test_key_group_help_lists_its_commands():
    res = run_cli(["key", "--help"])
    assert res.returncode == 0, res.stderr
    for sub in ("create", "list", "revoke"):
        assert f"memoryd key {sub}" in res.stdout


@pytest.mark.parametrize("args, named", [
    (["frobnicate"], "frobnicate"),
    (["key", "frob"], "key frob"),
    (["serve", "--no-such-flag"], "--no-such-flag"),
    (["key", "list", "--data-dir", "x", "--colour"], "--colour"),
    (["key", "list", "stray"], "stray"),
])
def test_unknown_commands_and_flags_name_themselves_and_point_to_help(args, named):
    res = run_cli(args)
    assert res.returncode == 2, res.stderr
    assert named in res.stderr, res.stderr
    assert "--help" in res.stderr, res.stderr
    assert res.stdout == ""
