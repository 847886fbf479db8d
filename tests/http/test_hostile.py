"""Hostile traffic that does not fit scenario files: raw bytes on the socket, malformed HTTP,
huge and deeply nested bodies, the default size limits. The server must answer with a clear
4xx (or close the connection for garbage), never crash, and never change stored data.
"""

import json
import socket

import pytest
import requests

R = "/api/rest"


def _raw(server, payload, timeout=5.0):
    """Sends raw bytes; returns (status or None, full response bytes)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close early on garbage; reading tells us what it said
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except (ConnectionResetError, socket.timeout):
            pass
    data = b"".join(chunks)
    status = None
    if data.startswith(b"HTTP/1."):
        status = int(data.split(b" ", 2)[1])
    return status, data


def _alive(server):
    assert server.alive(), f"memoryd died\n{server.log_tail()}"
    r = server.request("GET", "/healthz", key=None)
    assert r.status_code == 200


@pytest.fixture
def space(request):
    return "hostile-" + request.node.name[:60].replace("[", "-").replace("]", "")


def _put(server, space, key, value):
    r = server.request("PUT", R + "/memory", params={"space": space}, json={"key": key, "value": value})
    assert r.status_code in (200, 201), r.text


def _value(server, space, key):
    r = server.request("GET", R + "/memory", params={"space": space, "key": key})
    return r.json().get("value") if r.status_code == 200 else None


def _auth(server):
    return f"Authorization: Bearer {server.api_key}\r\n".encode()


@pytest.mark.parametrize("payload", [
    b"\x00\xff\xfe garbage\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"NOTAMETHOD /api/rest/memory HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBroken header line without colon\r\n\r\n",
    b"\r\n\r\n\r\n",
], ids=["binary", "no-target", "bad-version", "bad-method", "bad-header", "blank-lines"])
def test_malformed_http_does_not_crash(module_server, payload):
    status, _ = _raw(module_server, payload)
    # Closing, any 4xx, 501 (unknown method) or 505 (version) are all fine; a 5xx crash is not.
    assert status is None or status < 500 or status in (501, 505), f"got {status}"
    _alive(module_server)


def test_path_traversal_in_the_request_line(module_server):
    for target in (b"/api/rest/../../../../etc/passwd", b"/api/rest/%2e%2e/%2e%2e/etc/passwd",
                   b"/../../../../etc/passwd", b"/api/rest/memory/../../../etc/passwd"):
        status, data = _raw(module_server, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + _auth(module_server)
                            + b"Connection: close\r\n\r\n")
        assert status in (400, 404), f"{target!r} -> {status}"
        assert b"root:" not in data
    _alive(module_server)


def test_raw_invalid_utf8_in_the_query(module_server, space):
    _put(module_server, space, "k", "v")
    req = (f"GET {R}/memory?space={space}&key=\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode("latin-1")
           + _auth(module_server) + b"Connection: close\r\n\r\n")
    status, _ = _raw(module_server, req)
    assert status == 400
    _alive(module_server)


def test_content_length_lies(module_server, space):
    body = json.dumps({"key": "short-body", "value": "v"}).encode()
    head = (f"PUT {R}/memory?space={space} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body) + 100}\r\n").encode() + _auth(module_server) + b"\r\n"
    status, _ = _raw(module_server, head + body, timeout=15)  # body ends early, then EOF
    assert status is None or 400 <= status < 500
    for bad_len in (b"-1", b"abc", b"99999999999999999999999"):
        head = (f"PUT {R}/memory?space={space} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
                + b"Content-Length: " + bad_len + b"\r\n" + _auth(module_server) + b"Connection: close\r\n\r\n")
        status, _ = _raw(module_server, head + body)
        assert status is None or 400 <= status < 500, f"Content-Length {bad_len!r} -> {status}"
    assert _value(module_server, space, "short-body") is None
    _alive(module_server)


def test_huge_header_is_rejected(module_server):
    try:
        r = module_server.request("GET", R + "/memories/count", headers={"X-Big": "a" * 200_000})
        assert 400 <= r.status_code < 500, r.status_code
    except requests.ConnectionError:
        pass  # closing the connection is an acceptable answer to a 200 KB header
    _alive(module_server)


def test_deeply_nested_metadata_does_not_crash(module_server, space):
    depth = 100_000
    body = ('{"key":"deep","value":"v","metadata":{"a":' + "[" * depth + "]" * depth + "}}").encode()
    r = module_server.request("PUT", R + "/memory", params={"space": space}, data=body,
                              headers={"Content-Type": "application/json"}, timeout=15)
    assert r.status_code in (201, 400, 413), r.status_code
    _alive(module_server)
    g = module_server.request("GET", R + "/memory", params={"space": space, "key": "deep"}, timeout=15)
    assert g.status_code == (200 if r.status_code == 201 else 404)
    _alive(module_server)


@pytest.mark.parametrize("number", ["1e400", "-1e999"])
def test_a_number_beyond_double_range_in_metadata_is_a_400(module_server, space, number):
    """JSON text cannot carry infinity: such metadata is refused, not stored as something else."""
    body = ('{"key":"inf","value":"v","metadata":{"x":[1,' + number + ']}}').encode()
    r = module_server.request("PUT", R + "/memory", params={"space": space}, data=body,
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert "metadata" in r.json()["error"]
    assert module_server.request("GET", R + "/memory",
                                 params={"space": space, "key": "inf"}).status_code == 404
    body = ('{"space":"' + space + '","text":"t","metadata":{"x":' + number + '}}').encode()
    r = module_server.request("POST", "/mcp/addMemory", data=body,
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    body = ('{"space":"' + space + '","q":"t","metadata":{"x":' + number + '}}').encode()
    r = module_server.request("POST", "/mcp/search", data=body,
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    _alive(module_server)


def test_deeply_nested_body_is_a_400(module_server):
    depth = 100_000
    r = module_server.request("PUT", R + "/memory", data=("[" * depth + "]" * depth).encode(),
                              headers={"Content-Type": "application/json"}, timeout=15)
    assert r.status_code in (400, 413)
    _alive(module_server)


@pytest.mark.parametrize("ttl", ["1e308", "1e400", "1e-300", "123456789012345678901234567890"])
def test_extreme_ttl_values(module_server, space, ttl):
    body = ('{"key":"extreme","value":"v","ttlMinutes":' + ttl + "}").encode()
    r = module_server.request("PUT", R + "/memory", params={"space": space}, data=body,
                              headers={"Content-Type": "application/json"})
    assert r.status_code in (200, 201, 400), r.status_code
    _alive(module_server)
    if r.status_code in (200, 201):
        exp = r.json()["expiresAt"]
        assert exp is None or isinstance(exp, str)
        g = module_server.request("GET", R + "/memory", params={"space": space, "key": "extreme"})
        assert g.status_code in (200, 404)
        assert module_server.request("GET", R + "/memories", params={"space": space}).status_code == 200


@pytest.mark.parametrize("params", [{"page": "99999999999999999999"}, {"pageSize": "99999999999999999999"},
                                    {"page": "9223372036854775807", "pageSize": "200"},
                                    {"page": "92233720368547759", "pageSize": "200"},
                                    {"page": "46116860184273880", "pageSize": "200"},
                                    {"q": "k", "limit": "99999999999999999999"}])
def test_huge_numbers_in_the_query(module_server, space, params):
    _put(module_server, space, "k", "v")
    r = module_server.request("GET", R + "/memories", params={"space": space, **params})
    assert r.status_code in (200, 400), r.status_code
    if r.status_code == 200 and "page" in params:
        assert r.json()["keys"] == [], f"page {params['page']} is far past the end: {r.json()['keys']}"
    _alive(module_server)


def test_huge_page_past_the_end_is_empty(module_server, space):
    _put(module_server, space, "k", "v")
    r = module_server.request("GET", R + "/memories", params={"space": space, "page": "1000000", "pageSize": "200"})
    assert r.status_code == 200
    assert r.json()["keys"] == [] and r.json()["totalCount"] == 1


def test_default_value_limit_is_1_mib(module_server, space):
    mib = 1024 * 1024
    r = module_server.request("PUT", R + "/memory", params={"space": space},
                              json={"key": "big", "value": "a" * mib}, timeout=30)
    assert r.status_code == 201, r.status_code
    r = module_server.request("PUT", R + "/memory", params={"space": space},
                              json={"key": "big", "value": "b" * (mib + 1)}, timeout=30)
    assert r.status_code == 413, r.status_code
    assert r.json()["error"]
    assert _value(module_server, space, "big") == "a" * mib


def test_default_body_limit_is_4_mib(module_server, space):
    body = json.dumps({"key": "padded", "value": "v"}).encode()
    padded = body + b" " * (4 * 1024 * 1024 + 1 - len(body))
    try:
        r = module_server.request("PUT", R + "/memory", params={"space": space}, data=padded,
                                  headers={"Content-Type": "application/json"}, timeout=30)
        assert r.status_code == 413, r.status_code
        assert r.headers.get("Content-Type", "").startswith("application/json")
    except requests.ConnectionError as e:
        pytest.fail(f"connection dropped instead of a 413 answer: {e}")
    exact = body + b" " * (4 * 1024 * 1024 - len(body))
    r = module_server.request("PUT", R + "/memory", params={"space": space}, data=exact,
                              headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 201, f"a body of exactly 4 MiB must be accepted, got {r.status_code}"
    _alive(module_server)


def test_chunked_body_over_the_limit(module_server, space):
    def gen():
        yield b'{"key":"chunked","value":"'
        for _ in range(80):
            yield b"c" * 65536  # 5 MiB in total
        yield b'"}'

    try:
        r = module_server.request("PUT", R + "/memory", params={"space": space}, data=gen(),
                                  headers={"Content-Type": "application/json"}, timeout=30)
        assert 400 <= r.status_code < 500, r.status_code
    except requests.ConnectionError:
        pass  # dropping an oversized stream is acceptable
    assert _value(module_server, space, "chunked") is None
    _alive(module_server)


def test_chunked_body_within_the_limit_works(module_server, space):
    def gen():
        yield b'{"key":"chunked-small",'
        yield b'"value":"in pieces"}'

    r = module_server.request("PUT", R + "/memory", params={"space": space}, data=gen(),
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.status_code
    assert _value(module_server, space, "chunked-small") == "in pieces"


def test_many_fields_and_long_strings(module_server, space):
    meta = {f"f{i}": "x" * 10 for i in range(20_000)}
    r = module_server.request("PUT", R + "/memory", params={"space": space},
                              json={"key": "wide", "value": "v", "metadata": meta}, timeout=15)
    assert r.status_code in (201, 400, 413)
    if r.status_code == 201:
        assert module_server.request("GET", R + "/memory", params={"space": space, "key": "wide"},
                                     timeout=15).json()["metadata"] == meta
    _alive(module_server)


def test_bad_requests_change_nothing(module_server, space):
    _put(module_server, space, "target", "original")
    for body in (b'{"key":"target","value":5}', b'{"key":"target"}', b'{"key":"target","value":"x","bogus":1}',
                 b'{"key":"target","value":"\xff"}', b'[', b'{"key":"target","value":"x","tags":"t"}',
                 b'{"key":"target","value":"x","ttlMinutes":0}'):
        r = module_server.request("PUT", R + "/memory", params={"space": space}, data=body,
                                  headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.status_code)
    for body in (b'{"items":[{"key":"target","value":"x"}],"bogus":1}', b'{"items":"x"}'):
        r = module_server.request("POST", R + "/memories/bulk/set", params={"space": space}, data=body,
                                  headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.status_code)
    r = module_server.request("POST", R + "/memories/bulk/delete", params={"space": space}, data=b'{"keys":"target"}',
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    got = module_server.request("GET", R + "/memory", params={"space": space, "key": "target"}).json()
    assert got["value"] == "original" and got["tags"] == [] and got["expiresAt"] is None


def test_many_connections_at_once(module_server):
    """32 concurrently open idle connections must not block a normal request."""
    socks = []
    try:
        for _ in range(32):
            s = socket.create_connection(("127.0.0.1", module_server.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            socks.append(s)
        r = module_server.request("GET", R + "/memories/count", timeout=10)
        assert r.status_code == 200
    finally:
        for s in socks:
            s.close()
    _alive(module_server)


def test_keep_alive_connection_serves_many_requests(module_server, space):
    with requests.Session() as sess:
        sess.headers["Authorization"] = f"Bearer {module_server.api_key}"
        base = module_server.base_url + R
        for i in range(60):
            r = sess.put(base + "/memory", params={"space": space}, json={"key": f"k{i}", "value": "v"}, timeout=5)
            assert r.status_code == 201, (i, r.status_code)
            # An error in the middle must not poison the connection for the next request.
            r = sess.put(base + "/memory", params={"space": space}, data=b"{broken", timeout=5,
                         headers={"Content-Type": "application/json"})
            assert r.status_code == 400
        r = sess.get(base + "/memories/count", params={"space": space}, timeout=5)
        assert r.json()["count"] == 60


def test_connection_survives_a_413(module_server, space):
    with requests.Session() as sess:
        sess.headers["Authorization"] = f"Bearer {module_server.api_key}"
        base = module_server.base_url + R
        r = sess.put(base + "/memory", params={"space": space}, json={"key": "big", "value": "x" * (1024 * 1024 + 1)},
                     timeout=15)
        assert r.status_code == 413
        r = sess.put(base + "/memory", params={"space": space}, json={"key": "small", "value": "ok"}, timeout=5)
        assert r.status_code == 201


def test_http_1_0_and_pipelining(module_server, space):
    status, data = _raw(module_server, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert status == 200 and b'"ok"' in data
    one = (f"GET {R}/memories/count?space={space} HTTP/1.1\r\nHost: 127.0.0.1\r\n").encode() + _auth(module_server) + b"\r\n"
    last = (f"GET {R}/memories/keys?space={space} HTTP/1.1\r\nHost: 127.0.0.1\r\n").encode() + _auth(module_server) \
        + b"Connection: close\r\n\r\n"
    status, data = _raw(module_server, one + one + last)
    assert status == 200
    assert data.count(b"HTTP/1.1 200") == 3, data[:500]


def test_very_long_url(module_server):
    try:
        r = module_server.request("GET", R + "/memory", params={"key": "k" * 100_000})
        assert 400 <= r.status_code < 500, r.status_code
    except requests.ConnectionError:
        pass  # closing on a 100 KB request line is acceptable
    _alive(module_server)


def test_expect_100_continue(module_server, space):
    body = json.dumps({"key": "expect", "value": "x" * 5000}).encode()
    head = (f"PUT {R}/memory?space={space} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n").encode() \
        + _auth(module_server) + b"\r\n"
    with socket.create_connection(("127.0.0.1", module_server.port), timeout=5) as s:
        s.sendall(head)
        s.settimeout(1.5)
        try:
            interim = s.recv(4096)  # curl waits for this (or 1 s) before sending the body
        except socket.timeout:
            interim = b""
        s.settimeout(5)
        s.sendall(body)
        chunks = [interim]
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    data = b"".join(chunks)
    assert b" 201 " in data, data[:300]
    assert _value(module_server, space, "expect") == "x" * 5000
