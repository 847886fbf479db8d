"""Concurrent clients: exact counts, one creator per key, limits that hold under races.

The module shares one server; each test uses its own space.
"""

import collections
import threading
from concurrent.futures import ThreadPoolExecutor

THREADS = 8
PER_THREAD = 50


def _run_threads(n, fn):
    with ThreadPoolExecutor(max_workers=n) as pool:
        return [f.result() for f in [pool.submit(fn, i) for i in range(n)]]


def _keys(server, space):
    r = server.request("GET", "/api/rest/memories/keys", params={"space": space})
    assert r.status_code == 200
    return r.json()["keys"]


def _count(server, space):
    r = server.request("GET", "/api/rest/memories/count", params={"space": space})
    assert r.status_code == 200
    return r.json()["count"]


def test_distinct_keys_from_8_threads_all_land(module_server):
    space = "conc-distinct"

    def writer(t):
        statuses = []
        for i in range(PER_THREAD):
            r = module_server.request("PUT", "/api/rest/memory", params={"space": space},
                                      json={"key": f"t{t}-k{i}", "value": f"value {t}/{i}", "tags": [f"tag{t % 3}"]})
            statuses.append(r.status_code)
        return statuses

    statuses = [s for per in _run_threads(THREADS, writer) for s in per]
    assert collections.Counter(statuses) == {201: THREADS * PER_THREAD}
    assert _count(module_server, space) == THREADS * PER_THREAD
    expected = sorted(f"t{t}-k{i}" for t in range(THREADS) for i in range(PER_THREAD))
    assert _keys(module_server, space) == expected
    r = module_server.request("GET", "/api/rest/memories", params={"space": space, "pageSize": "200", "page": "2"})
    assert r.json()["totalCount"] == THREADS * PER_THREAD and len(r.json()["keys"]) == 200
    r = module_server.request("GET", "/api/rest/tags/memories", params={"space": space, "tag": "tag0"})
    assert len(r.json()["keys"]) == PER_THREAD * len([t for t in range(THREADS) if t % 3 == 0])
    r = module_server.request("POST", "/api/rest/memories/bulk/get", params={"space": space},
                              json={"keys": [f"t{t}-k7" for t in range(THREADS)]})
    assert [it["value"] for it in r.json()["items"]] == [f"value {t}/7" for t in range(THREADS)]


def test_overlapping_keys_one_creation_each(module_server):
    space = "conc-overlap"

    def writer(t):
        out = []
        for i in range(PER_THREAD):
            r = module_server.request("PUT", "/api/rest/memory", params={"space": space},
                                      json={"key": f"shared-{i}", "value": f"from {t}"})
            out.append((r.status_code, r.json().get("isNew")))
        return out

    results = [x for per in _run_threads(THREADS, writer) for x in per]
    counts = collections.Counter(results)
    assert counts == {(201, True): PER_THREAD, (200, False): (THREADS - 1) * PER_THREAD}, counts
    assert _count(module_server, space) == PER_THREAD
    for i in (0, PER_THREAD // 2, PER_THREAD - 1):
        r = module_server.request("GET", "/api/rest/memory", params={"space": space, "key": f"shared-{i}"})
        assert r.json()["value"] in {f"from {t}" for t in range(THREADS)}


def test_simultaneous_creates_of_one_key_have_exactly_one_winner(module_server):
    space = "conc-race"
    for round_no in range(10):
        barrier = threading.Barrier(THREADS)

        def racer(t):
            barrier.wait(timeout=10)
            r = module_server.request("PUT", "/api/rest/memory", params={"space": space},
                                      json={"key": f"race-{round_no}", "value": f"t{t}"})
            return r.status_code

        statuses = _run_threads(THREADS, racer)
        assert sorted(statuses) == [200] * (THREADS - 1) + [201], f"round {round_no}: {statuses}"
    assert _count(module_server, space) == 10


def test_simultaneous_tag_creation_has_exactly_one_creator(module_server):
    space = "conc-tags"
    barrier = threading.Barrier(THREADS)

    def racer(t):
        barrier.wait(timeout=10)
        return [module_server.request("POST", "/api/rest/tags", params={"space": space},
                                      json={"name": f"tag-{i}"}).status_code for i in range(10)]

    per_name = list(zip(*_run_threads(THREADS, racer)))
    for i, statuses in enumerate(per_name):
        assert sorted(statuses) == [200] * (THREADS - 1) + [201], f"tag-{i}: {statuses}"
    r = module_server.request("GET", "/api/rest/tags", params={"space": space})
    assert r.json()["tags"] == sorted(f"tag-{i}" for i in range(10))


def test_readers_and_writers_together(module_server):
    space = "conc-mixed"
    stop = threading.Event()
    bad = []

    def reader(t):
        n = 0
        while not stop.is_set():
            for path, params in (("/api/rest/memories", {"space": space}),
                                 ("/api/rest/memories", {"space": space, "q": "val"}),
                                 ("/api/rest/memories/keys", {"space": space}),
                                 ("/api/rest/capsule", {"space": space})):
                r = module_server.request("GET", path, params=params)
                if r.status_code != 200:
                    bad.append((path, r.status_code, r.text))
                n += 1
        return n

    def writer(t):
        for i in range(40):
            key = f"w{t}-{i % 10}"
            r = module_server.request("PUT", "/api/rest/memory", params={"space": space},
                                      json={"key": key, "value": f"val {i}"})
            if r.status_code not in (200, 201):
                bad.append(("PUT", r.status_code, r.text))
            if i % 7 == 0:
                module_server.request("DELETE", "/api/rest/memory", params={"space": space, "key": key})
        return 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        readers = [pool.submit(reader, t) for t in range(3)]
        writers = [pool.submit(writer, t) for t in range(5)]
        for w in writers:
            w.result()
        stop.set()
        assert all(r.result() > 0 for r in readers)
    assert not bad, bad[:5]
    keys = _keys(module_server, space)
    assert _count(module_server, space) == len(keys)
    r = module_server.request("GET", "/api/rest/memories", params={"space": space, "pageSize": "200"})
    assert sorted(k["key"] for k in r.json()["keys"]) == keys


def test_the_memory_limit_holds_under_concurrent_creates(server_factory):
    s = server_factory("--max-memories-per-space", "100")

    def writer(t):
        return [s.request("PUT", "/api/rest/memory", json={"key": f"t{t}-{i}", "value": "v"}).status_code
                for i in range(PER_THREAD)]

    counts = collections.Counter(x for per in _run_threads(THREADS, writer) for x in per)
    assert counts == {201: 100, 409: THREADS * PER_THREAD - 100}, counts
    assert _count(s, "default") == 100
    assert len(_keys(s, "default")) == 100


def test_concurrent_bulk_sets_and_deletes_keep_counts_exact(module_server):
    space = "conc-bulk"

    def worker(t):
        items = [{"key": f"b{t}-{i}", "value": "v"} for i in range(20)]
        for _ in range(3):
            r = module_server.request("POST", "/api/rest/memories/bulk/set", params={"space": space},
                                      json={"items": items})
            assert r.status_code == 200 and r.json()["storedCount"] == 20
        r = module_server.request("POST", "/api/rest/memories/bulk/delete", params={"space": space},
                                  json={"keys": [f"b{t}-{i}" for i in range(10)]})
        assert r.json()["deletedCount"] == 10
        return 0

    _run_threads(THREADS, worker)
    assert _count(module_server, space) == THREADS * 10
    assert _keys(module_server, space) == sorted(f"b{t}-{i}" for t in range(THREADS) for i in range(10, 20))


def test_key_create_while_the_server_is_writing(server):
    """The CLI and the server share the data dir: neither may fail on the other's locks."""
    stop = threading.Event()
    errors = []

    def writer(t):
        i = 0
        while not stop.is_set():
            r = server.request("PUT", "/api/rest/memory", json={"key": f"w{t}-{i}", "value": "v" * 200})
            if r.status_code != 201:
                errors.append((r.status_code, r.text))
            i += 1
        return i

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(writer, t) for t in range(4)]
        try:
            keys = [server.create_key(space=f"s{i}") for i in range(6)]
        finally:
            stop.set()
        written = sum(f.result() for f in futures)
    assert not errors, errors[:3]
    assert written > 0
    for i, k in enumerate(keys):
        r = server.request("PUT", "/api/rest/memory", key=k, json={"key": "mine", "value": str(i)})
        assert r.status_code == 201, (i, r.status_code, r.text)
    assert _count(server, "default") == written


def test_the_tag_limit_holds_under_concurrent_creates(server_factory):
    s = server_factory("--max-tags-per-space", "10")

    def by_post(t):
        return [s.request("POST", "/api/rest/tags", json={"name": f"t{t}-{i}"}).status_code for i in range(5)]

    counts = collections.Counter(x for per in _run_threads(THREADS, by_post) for x in per)
    assert counts == {201: 10, 409: THREADS * 5 - 10}, counts
    assert len(s.request("GET", "/api/rest/tags").json()["tags"]) == 10

    def by_put(t):  # two new tags per memory: a PUT either creates both or nothing
        return [s.request("PUT", "/api/rest/memory", params={"space": "m"},
                          json={"key": f"k{t}-{i}", "value": "v", "tags": [f"a{t}-{i}", f"b{t}-{i}"]}).status_code
                for i in range(5)]

    counts = collections.Counter(x for per in _run_threads(THREADS, by_put) for x in per)
    assert counts == {201: 5, 409: THREADS * 5 - 5}, counts
    assert len(s.request("GET", "/api/rest/tags", params={"space": "m"}).json()["tags"]) == 10
    assert _count(s, "m") == 5
