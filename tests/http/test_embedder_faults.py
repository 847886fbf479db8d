"""An embedder that is slow, hangs, refuses, errors or changes dimension never stalls memoryd.

Each test runs the real binary with --embedder openai against tests/http/fake_embedder.py on
127.0.0.1 and switches the endpoint's behaviour while memoryd runs. Latency bounds here are
functional (a write must not wait for a 2 s or a never-ending embedding call), with wide
margins; performance is measured in bench/embedder.
"""

import concurrent.futures
import re
import subprocess
import time

import pytest

from conftest import require_binary
from fake_embedder import FakeEmbedder

FAST = 1.0  # seconds: far below the endpoint's 2 s delay or its hang


@pytest.fixture
def fake():
    f = FakeEmbedder(dimension=32)
    yield f
    f.close()


def start(server_factory, fake, *extra):
    return server_factory("--quiet", "--embedder", "openai", "--embed-url", fake.url,
                          "--embed-model", "fake", *extra)


def wait_until(predicate, timeout, what, show=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.1)
    seen = show() if show else last
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {seen!r}")


def health(srv):
    r = srv.request("GET", "/healthz", key=None)
    assert r.status_code == 200, r.text
    return r.json()


def timed(fn):
    t0 = time.monotonic()
    result = fn()
    return result, time.monotonic() - t0


def put(srv, key, value):
    return srv.request("PUT", "/api/rest/memory", json={"key": key, "value": value})


def search(srv, q, **extra):
    r = srv.request("POST", "/mcp/search", json={"q": q, **extra}, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


def texts(answer):
    return [m["text"] for m in answer["memories"]]


def settled(srv):
    h = health(srv)
    return h if h["status"] == "ok" and h["embedder"]["pendingEmbeddings"] == 0 else None


def embedder_lines(srv):
    return [line for line in srv.log_tail(limit=10**7).splitlines() if "embedder" in line]


def test_builtin_embedder_is_healthy_and_never_degrades(server):
    h = health(server)
    assert h["status"] == "ok"
    assert h["embedder"]["state"] == "ok" and h["embedder"]["name"].startswith("builtin")
    r = server.request("POST", "/mcp/addMemory", json={"text": "The lighthouse keeper logs storms"})
    assert r.status_code == 201
    answer = search(server, "lighthouse storms")
    assert "degraded" not in answer
    assert texts(answer) == ["The lighthouse keeper logs storms"]


def test_writes_never_wait_for_a_slow_endpoint(server_factory, fake):
    srv = start(server_factory, fake)
    fake.set_mode("slow", delay=2.0)
    for i in range(4):
        r, took = timed(lambda: put(srv, f"k{i}", f"pelican sighting number {i}"))
        assert r.status_code == 201, r.text
        assert took < FAST, f"PUT waited {took:.2f}s for the embedder"
    r, took = timed(lambda: srv.request("POST", "/mcp/addMemory",
                                        json={"text": "The pelican colony moved south"}))
    assert r.status_code == 201 and took < FAST, (r.status_code, took)
    # Until their vectors exist the memories are found by words; the query's own embedding
    # takes 2 s, past the 1 s budget, so the search says it matched by words only.
    answer, took = timed(lambda: search(srv, "pelican colony", top_k=10))
    assert "The pelican colony moved south" in texts(answer)
    assert answer["degraded"] is True and "words" in answer["degradedReason"], answer
    assert took < 1.9, f"the search waited {took:.2f}s, past its 1 s embedding budget"
    fake.set_mode("healthy")
    wait_until(lambda: settled(srv), 30, "every memory embedded and the embedder healthy")
    answer = search(srv, "pelican colony")
    assert "degraded" not in answer, answer
    assert texts(answer)[0] == "The pelican colony moved south"


def test_refused_connections_degrade_and_recover_by_themselves(server_factory, fake):
    srv = start(server_factory, fake)
    assert srv.request("POST", "/mcp/addMemory",
                       json={"text": "The heron nests by the river"}).status_code == 201
    wait_until(lambda: settled(srv), 20, "the first memory embedded")
    fake.refuse()
    for i in range(6):
        r, took = timed(lambda: put(srv, f"kingfisher-{i}", f"kingfisher {i} dives at dawn"))
        assert r.status_code == 201 and took < FAST, (r.status_code, took)
    for _ in range(5):
        answer, took = timed(lambda: search(srv, "kingfisher dives", top_k=10))
        assert answer["degraded"] is True, answer
        assert len(answer["memories"]) == 6, answer
        assert took < FAST, f"a search with the endpoint down took {took:.2f}s"
    # Pending counts are at most a second old; the writes' channel fails after its retries.
    h = wait_until(lambda: (lambda h: h if h["embedder"]["embedding"]["state"] != "ok" and
                            h["embedder"]["pendingEmbeddings"] >= 6 else None)(health(srv)), 20,
                   "/healthz to report the writes waiting")
    assert h["status"] == "degraded" and h["embedder"]["state"] == "unreachable", h
    assert "memories wait for their vector" in h["reason"], h
    assert h["embedder"]["embedding"]["lastError"], h
    # dedupe still catches an exact copy, embedded or still pending, without any vector.
    for text in ["The heron nests by the river", "kingfisher 3 dives at dawn"]:
        r = srv.request("POST", "/mcp/addMemory", json={"text": "  " + text.upper() + " ",
                                                        "dedupe": True})
        assert r.status_code == 200 and r.json()["duplicate"] is True, (text, r.text)
        assert r.json()["text"] == text
    lines = embedder_lines(srv)
    assert 1 <= len(lines) <= 4, "\n".join(lines)
    fake.accept()
    wait_until(lambda: settled(srv), 45, "recovery without any request")
    answer = search(srv, "heron river")
    assert "degraded" not in answer and texts(answer)[0] == "The heron nests by the river"
    assert any("healthy again" in line for line in embedder_lines(srv)), embedder_lines(srv)


def test_an_erroring_endpoint_is_reported_and_writes_go_on(server_factory, fake):
    srv = start(server_factory, fake)
    fake.set_mode("error")
    for i in range(3):
        r, took = timed(lambda: put(srv, f"e{i}", f"osprey {i} over the bay"))
        assert r.status_code == 201 and took < FAST, (r.status_code, took)
    h = wait_until(lambda: (lambda h: h if h["status"] == "degraded" else None)(health(srv)), 20,
                   "/healthz to say degraded")
    assert "500" in h["embedder"]["embedding"]["lastError"], h
    assert len(texts(search(srv, "osprey bay", top_k=10))) == 3
    fake.set_mode("healthy")
    wait_until(lambda: settled(srv), 45, "recovery")


def test_a_hung_endpoint_holds_neither_other_requests_nor_shutdown(server_factory, fake):
    srv = start(server_factory, fake)
    assert put(srv, "fixed", "a keyed memory").status_code == 201
    wait_until(lambda: settled(srv), 20, "the first memory embedded")
    fake.set_mode("hang")
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        searches = [pool.submit(search, srv, f"anything {i}") for i in range(32)]
        time.sleep(0.3)  # the searches are now waiting on the endpoint
        for i in range(10):
            r, took = timed(lambda: srv.request("GET", "/healthz", key=None))
            assert r.status_code == 200 and took < 0.5, ("healthz", took)
            r, took = timed(lambda: srv.request("GET", "/api/rest/memory",
                                                params={"key": "fixed"}))
            assert r.status_code == 200 and took < 0.5, ("GET", took)
            r, took = timed(lambda: put(srv, f"during-{i}", "written while the endpoint hangs"))
            assert r.status_code == 201 and took < FAST, ("PUT", took)
        answers = [f.result(timeout=30) for f in searches]
    assert all(a["degraded"] is True for a in answers)
    # A background embedding call is waiting on the endpoint right now; SIGTERM ends it.
    assert health(srv)["embedder"]["pendingEmbeddings"] >= 10
    proc = srv.proc
    _, took = timed(srv.stop)
    assert took < 10, f"SIGTERM took {took:.1f}s with a hung endpoint"
    assert proc.returncode == 0


def test_a_new_dimension_under_the_same_model_is_one_clear_error(server_factory, fake):
    srv = start(server_factory, fake)  # learns 32 from the start-up probe
    assert put(srv, "before", "cormorant drying its wings").status_code == 201
    wait_until(lambda: settled(srv), 20, "the first memory embedded")
    fake.set_mode("healthy", dimension=48)
    for i in range(20):
        assert put(srv, f"after-{i}", f"grebe {i} on the lake").status_code == 201
    for _ in range(3):
        answer = search(srv, "grebe lake", top_k=30)
        assert len(answer["memories"]) == 20 and answer["degraded"] is True, answer
    h = wait_until(lambda: (lambda h: h if h["embedder"]["state"] == "wrong_dimension" and
                            h["embedder"]["pendingEmbeddings"] == 20 else None)(health(srv)), 20,
                   "/healthz to name the wrong dimension and count the waiting memories",
                   lambda: health(srv))
    assert h["status"] == "degraded", h
    time.sleep(3)  # what would have flooded the log before
    lines = embedder_lines(srv)
    assert 1 <= len(lines) <= 4, "\n".join(lines)
    message = next(line for line in lines if "dimension 48" in line)
    assert "expected 32" in message and "--embed-dimension" in message, message
    assert "following the store failed" not in srv.log_tail(limit=10**7)


def test_a_configured_dimension_the_endpoint_contradicts_is_refused_at_start(tmp_path, fake):
    cmd = [require_binary(), "serve", "--data-dir", str(tmp_path / "data"), "--listen",
           "127.0.0.1:0", "--no-auth", "--embedder", "openai", "--embed-url", fake.url,
           "--embed-dimension", "48"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode != 0
    assert re.search(r"dimension 32, expected 48", res.stderr), res.stderr
    assert "--embed-dimension" in res.stderr, res.stderr


def test_a_contradicting_dimension_seen_after_start_is_reported(server_factory, fake):
    fake.refuse()
    srv = start(server_factory, fake, "--embed-dimension", "48")
    assert "no answer at start" in srv.log_tail()
    assert put(srv, "k", "a tern over the harbour").status_code == 201
    fake.accept()
    h = wait_until(lambda: (lambda h: h if h["embedder"]["state"] == "wrong_dimension" else None)(
        health(srv)), 30, "/healthz to name the wrong dimension")
    assert "dimension 32, expected 48" in h["reason"], h
    assert texts(search(srv, "tern harbour")) == ["a tern over the harbour"]
