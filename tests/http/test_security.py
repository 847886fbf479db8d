"""Hostile clients: cross-site requests, DNS rebinding, unauthenticated bodies, key guessing,
MCP session exhaustion, rate-limit holes, secrets in `ps`, invalid UTF-8 echoed, ambiguous
input, unbounded state from strangers, file modes, the descriptor limit and the connection
limit. Every test drives the real binary over 127.0.0.1."""

import json
import os
import random
import socket
import stat
import subprocess
import time

import pytest
import requests

from conftest import require_binary

R = "/api/rest"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def raw(srv, data, timeout=5.0):
    """Sends raw bytes on a new connection; returns (status, body bytes)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def auth(srv):
    return f"Authorization: Bearer {srv.api_key}\r\n".encode()


def put(srv, space, key, value="v"):
    r = srv.request("PUT", f"{R}/memory", params={"space": space}, json={"key": key, "value": value})
    assert r.status_code in (200, 201), r.text
    return r


# --- 1. cross-site requests and DNS rebinding ------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "text/plain;charset=UTF-8"])
def test_bodies_a_web_page_can_send_without_asking_are_refused(module_server, content_type):
    put(module_server, "csrf", "k0")
    r = module_server.request("POST", f"{R}/memories/bulk/delete", params={"space": "csrf"},
                              data=b'{"keys":["k0"]}',
                              headers={"Content-Type": content_type, "Origin": "http://127.0.0.1"})
    assert r.status_code == 415, r.text
    assert "Content-Type: application/json" in r.json()["error"]
    assert module_server.request("GET", f"{R}/memories/exists",
                                 params={"space": "csrf", "key": "k0"}).json()["exists"] is True


def test_json_types_and_no_content_type_are_read_as_json(module_server):
    for headers in ({"Content-Type": "application/json; charset=utf-8"},
                    {"Content-Type": "application/merge-patch+json"}, {}):
        r = module_server.request("PUT", f"{R}/memory", params={"space": "types"},
                                  data=b'{"key":"k","value":"v"}', headers=headers)
        assert r.status_code in (200, 201), (headers, r.text)


def test_a_foreign_origin_or_host_is_refused_on_rest_too(module_server):
    put(module_server, "rebind", "secret")
    r = module_server.request("POST", f"{R}/memories/bulk/delete", params={"space": "rebind"},
                              json={"keys": ["secret"]}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "Origin" in r.json()["error"], r.text
    r = module_server.request("GET", f"{R}/memories/keys", params={"space": "rebind"},
                              headers={"Host": "evil.example"})
    assert r.status_code == 403 and "Host" in r.json()["error"], r.text
    assert module_server.request("GET", f"{R}/memories/keys",
                                 params={"space": "rebind"}).json()["keys"] == ["secret"]


def test_allowed_hosts_and_origins_extend_the_loopback_defaults(server_factory):
    srv = server_factory("--allowed-hosts", "memoryd.lan", "--mcp-allowed-origins",
                         "https://app.example.com")
    ok = srv.request("GET", f"{R}/memories/count", headers={"Host": "memoryd.lan:8420",
                                                            "Origin": "https://app.example.com"})
    assert ok.status_code == 200, ok.text
    assert srv.request("GET", f"{R}/memories/count",
                       headers={"Host": "other.lan"}).status_code == 403


def test_unsupported_encodings_are_refused_not_stored(module_server):
    head = (f"PUT {R}/memory?space=enc HTTP/1.1\r\nHost: 127.0.0.1\r\n").encode() + auth(module_server)
    body = b'{"key":"gz","value":"v"}'
    status, data = raw(module_server, head + b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                       + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    assert status == 415 and b"Content-Encoding" in data, data
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    status, data = raw(module_server, head + b"Content-Type: application/json\r\n"
                       b"Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n" + chunked)
    assert status == 501 and b"Transfer-Encoding" in data, data
    assert module_server.request("GET", f"{R}/memories/exists",
                                 params={"space": "enc", "key": "gz"}).json()["exists"] is False


def test_repeated_member_names_are_refused(module_server):
    r = module_server.request("PUT", f"{R}/memory", params={"space": "dup"},
                              data=b'{"key":"a","value":"x","key":"b"}',
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "same member twice" in r.json()["error"], r.text
    assert module_server.request("GET", f"{R}/memories/count", params={"space": "dup"}).json()["count"] == 0
    r = module_server.request("POST", "/mcp", data=b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}',
                              headers={"Content-Type": "application/json",
                                       "Accept": "application/json, text/event-stream"})
    assert r.status_code == 400 and "same member twice" in r.text, r.text


def test_an_empty_patch_changes_nothing(module_server):
    r = module_server.request("POST", "/mcp/addMemory", json={"space": "patch", "text": "t"})
    memory = r.json()
    r = module_server.request("PATCH", f"/memories/{memory['id']}", json={})
    assert r.status_code == 400 and "nothing to change" in r.json()["error"], r.text
    again = module_server.request("GET", f"/memories/{memory['id']}").json()
    assert again["updatedAt"] == memory["updatedAt"]


# --- 2. no body is buffered for a request without a valid key --------------------------------

def test_unauthenticated_bodies_are_never_buffered(server):
    before = rss_kib(server.proc.pid)
    socks = []
    try:
        for _ in range(100):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s.sendall(f"PUT {R}/memory HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {4 << 20}\r\n\r\n".encode())
            socks.append(s)
        chunk = b"x" * (256 << 10)
        for s in socks:
            try:
                for _ in range(16):  # 4 MiB each, as far as the server reads it
                    s.sendall(chunk)
            except OSError:
                pass  # answered 401 and closed: the body is not wanted
        statuses = []
        for s in socks:
            try:
                statuses.append(s.recv(64).split(b" ")[1])
            except (OSError, IndexError):
                statuses.append(b"closed")
        # 401, then 429 once the address has failed 20 times within the minute
        refused = statuses.count(b"401") + statuses.count(b"429")
        assert refused >= 90 and statuses.count(b"401") == 20, statuses
        grown_mib = (rss_kib(server.proc.pid) - before) / 1024
        assert grown_mib < 64, f"RSS grew by {grown_mib:.0f} MiB for 100 unauthenticated 4 MiB bodies"
    finally:
        for s in socks:
            s.close()


def test_guessing_keys_from_one_address_is_slowed_down(server):
    for i in range(20):
        r = server.request("GET", f"{R}/memories/count", key=f"mcp_wrong{i}")
        assert r.status_code == 401, (i, r.status_code)
    r = server.request("GET", f"{R}/memories/count", key="mcp_wrong_again")
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    r = server.request("POST", "/mcp", key="mcp_wrong_mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                       headers={"Accept": "application/json, text/event-stream"})
    assert r.status_code == 429, r.text
    assert server.request("GET", "/healthz", key=None).status_code == 200
    # Agents on one machine share 127.0.0.1: a valid key is never refused.
    assert server.request("GET", f"{R}/memories/count").status_code == 200


def test_routes_open_to_anyone_take_no_body(module_server):
    status, data = raw(module_server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Length: 1048576\r\nConnection: close\r\n\r\n" + b"x" * 1000)
    assert status == 400 and b"no request body" in data, data
    status, data = raw(module_server, b"OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Origin: http://localhost:3000\r\nContent-Length: 10\r\n"
                       b"Connection: close\r\n\r\n0123456789")
    assert status == 400, data
    status, _ = raw(module_server, b"OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Origin: http://evil.example\r\nConnection: close\r\n\r\n")
    assert status == 403


# --- 3. MCP sessions ---------------------------------------------------------------------------

def initialize(srv, key):
    return srv.request("POST", "/mcp", key=key, headers={"Accept": "application/json, text/event-stream"},
                       json={"jsonrpc": "2.0", "id": 1, "method": "initialize",
                             "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                        "clientInfo": {"name": "t", "version": "1"}}})


def test_one_key_cannot_lock_another_out_of_mcp_sessions(server):
    scoped = server.create_key(space="s", read_only=True)
    first = initialize(server, scoped).headers["Mcp-Session-Id"]
    for _ in range(150):
        assert initialize(server, scoped).status_code == 200
    r = initialize(server, server.api_key)
    assert r.status_code == 200 and r.headers.get("Mcp-Session-Id"), r.text
    # The scoped key's oldest session made room for its newer ones.
    r = server.request("POST", "/mcp", key=scoped, json={"jsonrpc": "2.0", "id": 2, "method": "ping"},
                       headers={"Accept": "application/json, text/event-stream", "Mcp-Session-Id": first})
    assert r.status_code == 404


def test_every_mcp_method_spends_the_rate_limit(server_factory):
    srv = server_factory("--rate-limit-per-minute", "5")
    headers = {"Accept": "application/json, text/event-stream"}
    answers = []
    for i, method in enumerate(["ping", "tools/list", "resources/list", "prompts/list", "ping", "ping"]):
        r = srv.request("POST", "/mcp", headers=headers,
                        json={"jsonrpc": "2.0", "id": i, "method": method, "params": {}})
        answers.append(r.json())
    assert all("result" in a for a in answers[:5]), answers
    assert "error" in answers[5] and "rate" in answers[5]["error"]["message"].lower(), answers[5]


# --- 4. secrets and files ----------------------------------------------------------------------

def test_the_key_never_shows_in_ps(server):
    with open(f"/proc/{server.proc.pid}/cmdline", "rb") as f:
        cmdline = f.read()
    assert server.api_key.encode() not in cmdline
    assert b"--api-key" in cmdline


def test_api_key_file(server_factory, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("mcp_from_a_file_0123456789abcdef\n")
    key_file.chmod(0o600)
    srv = server_factory("--api-key-file", str(key_file), api_key=None)
    assert srv.request("GET", f"{R}/memories/count", key="mcp_from_a_file_0123456789abcdef").status_code == 200
    assert srv.request("GET", f"{R}/memories/count", key="other").status_code == 401
    res = subprocess.run([require_binary(), "serve", "--data-dir", str(tmp_path / "d2"), "--api-key-file",
                          str(tmp_path / "missing")], capture_output=True, text=True, timeout=20,
                         stdin=subprocess.DEVNULL)
    assert res.returncode != 0 and "--api-key-file" in res.stderr


def test_data_files_are_the_owners_alone_whatever_the_umask(tmp_path):
    from conftest import Server
    old = os.umask(0)
    try:
        srv = Server(tmp_path / "w", data_dir=tmp_path / "fresh", mkdir=False)
        srv.start()
        try:
            put(srv, "modes", "k")
        finally:
            srv.stop()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "fresh").st_mode) == 0o700
    for name in os.listdir(tmp_path / "fresh"):
        path = tmp_path / "fresh" / name
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o077 == 0, f"{name} has mode {oct(mode)}"


# --- 5. invalid UTF-8 is never echoed raw -----------------------------------------------------

def test_error_bodies_stay_valid_json_for_invalid_utf8(module_server):
    cases = [
        b"GET /x%ff HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth(module_server),
        b"GET /memories/%ff HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth(module_server),
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nMCP-Protocol-Version: \xff\xfe\r\n" + auth(module_server)
        + b"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 2\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://\xff.example\r\n",
        b"GET /api/rest/memories/count HTTP/1.1\r\nHost: \xffevil\r\n" + auth(module_server),
    ]
    for request in cases:
        body = b"{}" if b"Content-Length: 2" in request else b""
        status, data = raw(module_server, request + b"Connection: close\r\n\r\n" + body)
        assert status >= 400, (request, status)
        parsed = json.loads(data.decode("utf-8"))  # strict: raises on invalid UTF-8
        assert "error" in parsed, data


# --- 6. state from strangers stays bounded --------------------------------------------------

def test_naming_ever_new_spaces_does_not_grow_the_last_use_table(module_server):
    put(module_server, "real-space", "k")
    module_server.request("GET", f"{R}/memories/count", params={"space": "probe-first"})
    for i in range(1100):
        module_server.request("GET", f"{R}/memories/exists", params={"space": f"probe-{i}", "key": "k"})
    # the table of never-written names forgot its oldest entry; real spaces keep theirs
    first = module_server.request("GET", f"{R}/capsule", params={"space": "probe-first"}).json()
    assert first["lastUsed"] is None, first
    real = module_server.request("GET", f"{R}/capsule", params={"space": "real-space"}).json()
    assert real["lastUsed"] is not None


# --- 7. descriptor and connection limits -------------------------------------------------------

def test_at_the_descriptor_limit_the_server_backs_off_and_recovers(tmp_path):
    from conftest import Server
    srv = Server(tmp_path / "fd")
    srv.command_prefix = ["prlimit", "--nofile=64:64", "--"]
    srv.start()
    try:
        check_descriptor_limit(srv)
    finally:
        srv.stop()


def check_descriptor_limit(srv):
    keep = requests.Session()
    assert keep.get(srv.base_url + "/healthz", timeout=5).status_code == 200  # opened before
    socks = []
    try:
        for _ in range(100):
            try:
                socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=2))
            except OSError:
                break
        time.sleep(0.5)
        t0 = cpu_ticks(srv.proc.pid)
        time.sleep(2)
        busy = (cpu_ticks(srv.proc.pid) - t0) / os.sysconf("SC_CLK_TCK") / 2
        assert busy < 0.3, f"the server used {busy:.0%} of a core at the descriptor limit"
        assert keep.get(srv.base_url + "/healthz", timeout=5).status_code == 200
    finally:
        for s in socks:
            s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if requests.get(srv.base_url + "/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        raise AssertionError("no new connection accepted after descriptors were freed")


def test_the_connection_limit_queues_new_connections(server_factory):
    srv = server_factory("--max-connections", "4")
    held = [requests.Session() for _ in range(4)]
    for s in held:
        assert s.get(srv.base_url + "/healthz", timeout=5).status_code == 200
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(srv.base_url + "/healthz", timeout=1)
    held[0].close()
    assert requests.get(srv.base_url + "/healthz", timeout=5).status_code == 200
    for s in held:
        s.close()
