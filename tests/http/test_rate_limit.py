"""--rate-limit-per-minute: a token bucket per account shared by all its keys and spaces."""

import re
import time

COUNT = "/api/rest/memories/count"


def _assert_429(r):
    assert r.status_code == 429, f"expected 429, got {r.status_code}: {r.text}"
    retry = r.headers.get("Retry-After")
    assert retry is not None, "429 without Retry-After"
    assert re.fullmatch(r"\d+", retry), f"Retry-After must be whole seconds, got {retry!r}"
    assert 1 <= int(retry) <= 60, f"implausible Retry-After {retry!r}"
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert isinstance(r.json().get("error"), str) and r.json()["error"]


def test_exhausting_the_bucket_gives_429_with_retry_after(server_factory):
    s = server_factory("--rate-limit-per-minute", "5")
    for i in range(5):
        r = s.request("GET", COUNT)
        assert r.status_code == 200, f"request {i + 1} of 5 should pass: {r.status_code}"
    _assert_429(s.request("GET", COUNT))
    _assert_429(s.request("PUT", "/api/rest/memory", json={"key": "k", "value": "v"}))
    # /healthz is outside the budget, and still answers while the account is limited.
    assert s.request("GET", "/healthz", key=None).status_code == 200


def test_a_rate_limited_write_stores_nothing(server_factory):
    s = server_factory("--rate-limit-per-minute", "2")
    assert s.request("GET", COUNT).status_code == 200
    assert s.request("GET", COUNT).status_code == 200
    _assert_429(s.request("PUT", "/api/rest/memory", json={"key": "limited", "value": "v"}))
    # The bucket lives in the store: a restart does not refill it.
    s.restart()
    _assert_429(s.request("GET", COUNT))
    s.extra_args = ["--rate-limit-per-minute", "0"]
    s.restart()
    r = s.request("GET", "/api/rest/memories/exists", params={"key": "limited"})
    assert r.status_code == 200 and r.json()["exists"] is False


def test_healthz_does_not_count(server_factory):
    s = server_factory("--rate-limit-per-minute", "3")
    for _ in range(20):
        assert s.request("GET", "/healthz", key=None).status_code == 200
    for i in range(3):
        assert s.request("GET", COUNT).status_code == 200, f"request {i + 1} of 3"
    _assert_429(s.request("GET", COUNT))


def test_budget_is_shared_by_all_keys_and_spaces_of_the_account(server_factory):
    s = server_factory("--rate-limit-per-minute", "4")
    other = s.create_key()
    scoped = s.create_key(space="s1")
    assert s.request("GET", COUNT).status_code == 200
    assert s.request("GET", COUNT, params={"space": "x"}).status_code == 200
    assert s.request("GET", COUNT, key=other).status_code == 200
    assert s.request("GET", COUNT, key=scoped).status_code == 200
    _assert_429(s.request("GET", COUNT, key=scoped))
    _assert_429(s.request("GET", COUNT, key=other))
    _assert_429(s.request("GET", COUNT, params={"space": "y"}))


def test_bucket_refills_over_time(server_factory):
    s = server_factory("--rate-limit-per-minute", "60")  # one token per second
    start = time.monotonic()
    ok = 0
    for _ in range(300):
        r = s.request("GET", COUNT)
        if r.status_code == 429:
            break
        assert r.status_code == 200
        ok += 1
    else:
        raise AssertionError("never rate limited after 300 requests with a limit of 60/min")
    elapsed = time.monotonic() - start
    assert 60 <= ok <= 60 + int(elapsed) + 2, f"{ok} requests passed in {elapsed:.1f}s with capacity 60"
    _assert_429(r)
    time.sleep(2.2)
    assert s.request("GET", COUNT).status_code == 200, "no token refilled after 2.2 s at 1 token/s"


def test_off_by_default(server):
    for i in range(150):
        r = server.request("GET", COUNT)
        assert r.status_code == 200, f"request {i + 1} limited without --rate-limit-per-minute"


def test_failed_requests_count_too(server_factory):
    s = server_factory("--rate-limit-per-minute", "3")
    assert s.request("GET", "/api/rest/memory", params={"key": "missing"}).status_code == 404
    assert s.request("PUT", "/api/rest/memory", json={"key": 1, "value": "v"}).status_code == 400
    assert s.request("GET", "/api/rest/memories", params={"page": "0"}).status_code == 400
    _assert_429(s.request("GET", COUNT))


def test_authenticated_requests_to_unknown_routes_and_wrong_methods_count(server_factory):
    s = server_factory("--rate-limit-per-minute", "2")
    assert s.request("GET", "/api/rest/no-such-route").status_code == 404
    assert s.request("PATCH", "/api/rest/memory").status_code == 405
    _assert_429(s.request("GET", COUNT))


def test_unauthenticated_requests_do_not_drain_the_account(server_factory):
    s = server_factory("--rate-limit-per-minute", "3")
    for _ in range(10):
        r = s.request("GET", COUNT, key="not-a-key")
        assert r.status_code == 401, "a stranger must get 401, not the account's 429"
    for i in range(3):
        assert s.request("GET", COUNT).status_code == 200, f"request {i + 1} of 3"
    _assert_429(s.request("GET", COUNT))


def test_concurrent_requests_cannot_overdraw_the_bucket(server_factory):
    from concurrent.futures import ThreadPoolExecutor
    s = server_factory("--rate-limit-per-minute", "50")
    start = time.monotonic()

    def burst(_):
        return [s.request("GET", COUNT).status_code for _ in range(20)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [x for f in [pool.submit(burst, t) for t in range(8)] for x in f.result()]
    refill = (time.monotonic() - start) * 50 / 60
    ok = statuses.count(200)
    assert set(statuses) <= {200, 429}
    assert 50 <= ok <= 50 + int(refill) + 1, f"{ok} requests passed a bucket of 50 ({refill:.1f} refilled)"
