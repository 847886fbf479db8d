"""Reads by key are cached until the next write by any process on the data directory.

Two `serve` processes share one data directory, as `serve` and `mcp` may: whatever one of them
writes, the other's very next GET answers it (no delay, no stale value).
"""

import pytest

from conftest import free_port, run_cli

SPACE_HEADERS = {"X-Memory-Space": "cache"}


def _get(server, key):
    return server.request("GET", "/api/rest/memory", params={"key": key}, headers=SPACE_HEADERS)


def _put(server, key, value, **extra):
    body = {"key": key, "value": value, **extra}
    r = server.request("PUT", "/api/rest/memory", json=body, headers=SPACE_HEADERS)
    assert r.status_code in (200, 201), r.text
    return r


@pytest.fixture
def pair(server_factory, tmp_path):
    data = tmp_path / "shared-data"
    first = server_factory(data_dir=data)
    second = server_factory(data_dir=data)
    return first, second


def test_a_read_follows_every_write_of_the_other_process_at_once(pair):
    reader, writer = pair
    _put(writer, "k", "v-start")
    assert _get(reader, "k").json()["value"] == "v-start"
    for i in range(60):
        _put(writer, "k", f"v{i}")
        for _ in range(2):  # the second read would come from the cache
            r = _get(reader, "k")
            assert r.status_code == 200
            assert r.json()["value"] == f"v{i}"


def test_deletes_clears_and_tag_removals_of_the_other_process_show_at_once(pair):
    reader, writer = pair
    _put(writer, "tagged", "v", tags=["red", "blue"])
    _put(writer, "gone", "v")
    _put(writer, "bulk-gone", "v")
    for key in ("tagged", "gone", "bulk-gone"):
        assert _get(reader, key).status_code == 200

    r = writer.request("DELETE", "/api/rest/tags", params={"name": "red"}, headers=SPACE_HEADERS)
    assert r.status_code == 200, r.text
    assert sorted(_get(reader, "tagged").json()["tags"]) == ["blue"]

    r = writer.request("DELETE", "/api/rest/memory", params={"key": "gone"},
                       headers=SPACE_HEADERS)
    assert r.status_code == 200, r.text
    assert _get(reader, "gone").status_code == 404

    r = writer.request("POST", "/api/rest/memories/bulk/delete", json={"keys": ["bulk-gone"]},
                       headers=SPACE_HEADERS)
    assert r.status_code == 200, r.text
    assert _get(reader, "bulk-gone").status_code == 404

    r = writer.request("DELETE", "/api/rest/memories", headers=SPACE_HEADERS)
    assert r.status_code == 200, r.text
    assert _get(reader, "tagged").status_code == 404


def test_a_process_reads_its_own_writes_through_the_cache(server):
    _put(server, "own", "first")
    assert _get(server, "own").json()["value"] == "first"
    _put(server, "own", "second")
    assert _get(server, "own").json()["value"] == "second"


def test_the_cache_can_be_turned_off(server_factory):
    server = server_factory("--read-cache-mb", "0")
    _put(server, "k", "one")
    assert _get(server, "k").json()["value"] == "one"
    _put(server, "k", "two")
    assert _get(server, "k").json()["value"] == "two"


@pytest.mark.parametrize("value", ["-1", "lots", "2000000"])
def test_serve_rejects_a_bad_read_cache_size(tmp_path, value):
    res = run_cli(["serve", "--data-dir", str(tmp_path), "--listen", f"127.0.0.1:{free_port()}",
                   "--api-key", "k", "--read-cache-mb", value])
    assert res.returncode != 0
    assert "read-cache-mb" in res.stderr
