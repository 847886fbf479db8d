"""GET /metrics (Prometheus text format 0.0.4) and the access log's MCP words, through the real
binary: who may scrape, that counters move by exactly the requests made, that histograms are
cumulative, that MCP tool calls, rate-limit refusals and the store's contents are reported, and
that hostile paths and tool names neither add series nor inject log lines."""

import re
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
R = "/api/rest"
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
LOG_WAIT = 5.0  # seconds; the access log is flushed every 200 ms


def scrape(srv, key=None):
    """The samples of one scrape: {(name, frozenset(labels)): value}."""
    kwargs = {} if key is None else {"key": key}
    r = srv.request("GET", "/metrics", **kwargs)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == CONTENT_TYPE
    samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            k = (s.name, frozenset(s.labels.items()))
            assert k not in samples, f"duplicate series {k}"
            samples[k] = s.value
    return samples


def value(samples, name, **labels):
    """A series' value, 0 when it is absent (counters are written once they count)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def must(samples, name, **labels):
    """A series that must be exposed (gauges, and counters written from the start)."""
    key = (name, frozenset(labels.items()))
    assert key in samples, f"{name}{labels} is missing from /metrics"
    return samples[key]


def series(samples, name):
    return {labels for (n, labels) in samples if n == name}


def requests_total(samples, method, route, status):
    return value(samples, "memoryd_http_requests_total", method=method, route=route,
                 status=str(status))


def rpc(srv, method, params=None, rid=1, key=None):
    body = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        body["params"] = params
    kwargs = {} if key is None else {"key": key}
    return srv.request("POST", "/mcp", json=body, headers=MCP_HEADERS, **kwargs)


def wait_for_log(srv, pattern):
    """The first access-log line matching `pattern`, waiting for the log's next flush."""
    deadline = time.monotonic() + LOG_WAIT
    while True:
        lines = srv.logs[-1].read_text(errors="replace").splitlines()
        found = [line for line in lines if re.search(pattern, line)]
        if found or time.monotonic() > deadline:
            return found, lines
        time.sleep(0.05)


# --- who may scrape ------------------------------------------------------------------------

def test_metrics_need_an_account_wide_key(server):
    for key in (None, "mk_wrong_" + "0" * 32, server.create_key(space="only-this")):
        r = server.request("GET", "/metrics", key=key)
        assert r.status_code == 401, (key, r.status_code, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        assert isinstance(r.json()["error"], str)
    assert scrape(server)  # the server's own key
    assert scrape(server, key=server.create_key())  # a created account-wide key
    assert scrape(server, key=server.create_key(read_only=True))  # reading is all it does


def test_metrics_take_no_body_and_only_get(server):
    r = server.request("GET", "/metrics", data=b"x")
    assert r.status_code == 400, r.text
    r = server.request("POST", "/metrics", json={})
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_no_auth_opens_metrics(server_factory):
    s = server_factory("--no-auth", api_key=None)
    r = s.request("GET", "/metrics", key=None)
    assert r.status_code == 200 and r.headers["Content-Type"] == CONTENT_TYPE


# --- request counters and durations --------------------------------------------------------

def test_requests_are_counted_by_route_pattern_and_status(server):
    before = scrape(server)
    for i in range(3):
        r = server.request("PUT", f"{R}/memory", json={"key": f"k{i}", "value": "v"})
        assert r.status_code == 201, r.text
    for i in range(2):
        assert server.request("GET", f"{R}/memory", params={"key": f"k{i}"}).status_code == 200
    assert server.request("GET", f"{R}/memory", params={"key": "missing"}).status_code == 404
    for _ in range(2):
        assert server.request("GET", "/memories/no-such-id").status_code == 404
    for _ in range(2):
        assert server.request("GET", "/no/such/route").status_code == 404
    assert server.request("GET", f"{R}/memory", key=None).status_code == 401
    after = scrape(server)

    def delta(method, route, status):
        return requests_total(after, method, route, status) - requests_total(before, method, route, status)

    assert delta("PUT", f"{R}/memory", 201) == 3
    assert delta("GET", f"{R}/memory", 200) == 2
    assert delta("GET", f"{R}/memory", 404) == 1
    assert delta("GET", f"{R}/memory", 401) == 1
    assert delta("GET", "/memories/{id}", 404) == 2
    assert delta("GET", "unmatched", 404) == 2
    assert delta("GET", "/metrics", 200) == 1  # the first scrape; a scrape counts after it answers

    name = "memoryd_http_request_duration_seconds"
    for route, made in ((f"{R}/memory", 7), ("/memories/{id}", 2), ("unmatched", 2)):
        count = value(after, name + "_count", route=route) - value(before, name + "_count", route=route)
        assert count == made, route
        buckets = sorted(((float(dict(labels)["le"]), v) for (n, labels), v in after.items()
                          if n == name + "_bucket" and dict(labels)["route"] == route))
        assert buckets[0][0] == pytest.approx(0.0001) and buckets[-2][0] == pytest.approx(10)
        assert buckets[-1][0] == float("inf")
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), f"buckets of {route} are not cumulative: {counts}"
        assert counts[-1] == value(after, name + "_count", route=route)
        # A 404 refused from its head can take under a microsecond; seven keyed reads and
        # durable writes cannot.
        assert value(after, name + "_sum", route=route) > (0 if route == f"{R}/memory" else -1)


def test_hostile_paths_add_no_series(server):
    server.request("GET", "/no/such/route")  # the unmatched series exists from here on
    server.request("GET", "/memories/x")
    before = scrape(server)
    hostile = ["/" + "a" * 6000, '/x%22y%0A%5C"z', "/%0Amemoryd_spaces%201e9", "/memories/%22%0A" + "b" * 3000,
               "/api/rest/" + "%E2%80%AE" * 100]
    for path in hostile:
        r = server.request("GET", path)
        assert r.status_code in (404, 400), (path[:40], r.status_code)
    after = scrape(server)
    name = "memoryd_http_requests_total"
    new = series(after, name) - series(before, name)
    assert new <= {frozenset({("method", "GET"), ("route", "unmatched"), ("status", "400")}),
                   frozenset({("method", "GET"), ("route", "/metrics"), ("status", "200")})}, new
    routes = {dict(labels)["route"] for labels in series(after, name)}
    assert all(r == "unmatched" or (r.startswith("/") and len(r) < 64 and '"' not in r) for r in routes), routes
    assert value(after, "memoryd_spaces") == value(before, "memoryd_spaces")


# --- MCP -----------------------------------------------------------------------------------

def test_mcp_tool_calls_are_counted_by_tool_and_outcome(server):
    before = scrape(server)
    assert rpc(server, "tools/call", {"name": "search_memories", "arguments": {"query": "x"}}).status_code == 200
    r = rpc(server, "tools/call", {"name": "search_memories", "arguments": {"query": ""}})
    assert r.status_code == 200
    assert r.json()["result"]["isError"] is True  # an empty query is the tool's error
    for name in ("no_such_tool", 'evil"\n{x}\\'):
        r = rpc(server, "tools/call", {"name": name, "arguments": {}})
        assert r.status_code == 200 and "error" in r.json()
    after = scrape(server)
    name = "memoryd_mcp_tool_calls_total"

    def delta(tool, outcome):
        return value(after, name, tool=tool, outcome=outcome) - value(before, name, tool=tool, outcome=outcome)

    assert delta("search_memories", "ok") == 1
    assert delta("search_memories", "error") == 1
    assert delta("unknown", "error") == 2
    tools = {dict(labels)["tool"] for labels in series(after, name)}
    assert "no_such_tool" not in tools and not any('"' in t or "\n" in t for t in tools)
    assert {"search_memories", "add_memory", "unknown"} <= tools
    assert requests_total(after, "POST", "/mcp", 200) - requests_total(before, "POST", "/mcp", 200) == 4


def test_access_log_names_mcp_method_and_tool(server):
    assert rpc(server, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                      "clientInfo": {"name": "t", "version": "1"}}).status_code == 200
    assert rpc(server, "tools/list").status_code == 200
    assert rpc(server, "tools/call", {"name": "search_memories", "arguments": {"query": "q"}}).status_code == 200
    evil = "evil\nINJECTED 127.0.0.1 GET /forged 200 0B 0.000ms"
    assert rpc(server, "tools/call", {"name": evil, "arguments": {}}).status_code == 200
    assert rpc(server, "tools/call", {"name": "x" * 500, "arguments": {}}).status_code == 200
    batch = server.request("POST", "/mcp", data=b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]',
                           headers={**MCP_HEADERS, "Content-Type": "application/json"})
    assert batch.status_code == 400
    garbage = server.request("POST", "/mcp", data=b"{not json",
                             headers={**MCP_HEADERS, "Content-Type": "application/json"})
    assert garbage.status_code == 400

    found, lines = wait_for_log(server, r" POST /mcp - 400 ")
    assert found, "\n".join(lines[-20:])
    for pattern in (r" POST /mcp initialize 200 \d+B ", r" POST /mcp tools/list 200 ",
                    r" POST /mcp tools/call search_memories 200 ", r" POST /mcp batch 400 "):
        assert any(re.search(pattern, line) for line in lines), (pattern, lines[-20:])
    evil_lines = [line for line in lines if "tools/call evil" in line]
    assert len(evil_lines) == 1, lines[-20:]
    assert re.search(r" POST /mcp tools/call evil\?INJECTED\?127\.0\.0\.1\?GET\?/forged\?200\?0B\?0\.000ms 200 ",
                     evil_lines[0]), evil_lines[0]
    long_lines = [line for line in lines if "tools/call " + "x" * 64 in line]
    assert len(long_lines) == 1 and ("tools/call " + "x" * 64 + "... 200 ") in long_lines[0], long_lines
    assert not any(line.startswith("INJECTED") for line in lines)


# --- rate limit, store and process gauges --------------------------------------------------

def test_rate_limited_requests_are_counted(server_factory):
    s = server_factory("--rate-limit-per-minute", "3")
    for _ in range(3):
        assert s.request("GET", f"{R}/memories/count").status_code == 200
    for _ in range(2):
        assert s.request("GET", f"{R}/memories/count").status_code == 429
    r = rpc(s, "tools/call", {"name": "search_memories", "arguments": {"query": "x"}})
    assert r.json()["result"]["isError"] is True  # a tool call spends the budget too
    samples = scrape(s)  # a scrape is outside the budget: it answers while the account is limited
    assert must(samples, "memoryd_rate_limited_total") == 3
    assert requests_total(samples, "GET", f"{R}/memories/count", 429) == 2
    assert must(samples, "memoryd_mcp_tool_calls_total", tool="search_memories", outcome="error") == 1
    assert must(samples, "memoryd_auth_throttled_total") == 0


def test_auth_throttling_is_counted_apart(server):
    for _ in range(22):
        server.request("GET", f"{R}/memories/count", key="mk_wrong_" + "1" * 32)
    samples = scrape(server)
    assert must(samples, "memoryd_auth_throttled_total") == 2
    assert must(samples, "memoryd_rate_limited_total") == 0
    assert requests_total(samples, "GET", f"{R}/memories/count", 401) == 20
    assert requests_total(samples, "GET", f"{R}/memories/count", 429) == 2


def test_memory_and_space_gauges_equal_what_is_stored(server):
    samples = scrape(server)
    assert must(samples, "memoryd_memories") == 0 and must(samples, "memoryd_spaces") == 0
    for space, n in (("alpha", 3), ("beta", 2)):
        for i in range(n):
            r = server.request("PUT", f"{R}/memory", params={"space": space}, json={"key": f"k{i}", "value": "v"})
            assert r.status_code == 201, r.text
    r = server.request("POST", "/mcp/addMemory", json={"space": "gamma", "text": "a fact"})
    assert r.status_code in (200, 201), r.text
    assert server.request("DELETE", f"{R}/memory", params={"space": "alpha", "key": "k0"}).status_code == 200
    samples = scrape(server)
    assert must(samples, "memoryd_memories") == 5
    assert must(samples, "memoryd_spaces") == 3
    assert must(samples, "memoryd_store_write_batch_size_count") >= 1
    assert must(samples, "memoryd_store_commit_duration_seconds_count") == value(
        samples, "memoryd_store_write_batch_size_count")


def test_process_build_and_embedder_series(server):
    started = time.time()
    samples = scrape(server)
    start = must(samples, "process_start_time_seconds")
    assert started - 120 < start <= time.time(), start
    versions = [dict(labels)["version"] for labels in series(samples, "memoryd_build_info")]
    assert len(versions) == 1 and re.fullmatch(r"\d+\.\d+\.\d+.*", versions[0]), versions
    states = {dict(labels)["state"]: v for (n, labels), v in samples.items() if n == "memoryd_embedder_state"}
    assert states == {"ok": 1, "unreachable": 0, "timing_out": 0, "wrong_dimension": 0, "failing": 0}
    assert must(samples, "memoryd_embeddings_pending") == 0
    assert must(samples, "memoryd_indexes_ready") == 1
    assert must(samples, "memoryd_index_lag_versions") >= 0
