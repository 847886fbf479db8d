"""Searches during a bulk load: none waits for the backlog, and the whole load is searchable after.

A bulk load through POST /api/rest/memories/bulk/set outruns the vector graphs (HNSW inserts are
the slow part of indexing). A search must answer from what is indexed (the keyword indexes, the
graphs as they are, and an exact scan of the vectors the graphs do not hold yet) instead of
waiting for the graphs to catch up. The bound below (2 s) is generous for a loaded machine and a
sanitizer build; before the graphs followed on their own cursor a search here waited for the whole
backlog. Timings are measured in bench/bulk_load.cc, not asserted here.
"""

import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

N = 2000
PER_REQUEST = 20
WRITERS = 4
SEARCH_BOUND_S = 2.0
SETTLE_TIMEOUT_S = 180

WORDS = ("ferry harbour invoice budget violin garden tyres winter recipe sourdough dentist "
         "plumber passport museum lecture marathon ticket laptop kettle balcony orchard lantern "
         "glacier compass quartet monsoon pottery saddle beacon tundra").split()


def text_of(i):
    rng = random.Random(i)
    return f"note {i}: " + " ".join(rng.choice(WORDS) for _ in range(8)) + f" item{i}"


def gauge(srv, name):
    r = srv.request("GET", "/metrics")
    assert r.status_code == 200, r.text
    m = re.search(rf"^{name} ([0-9.e+]+)$", r.text, re.M)
    assert m, f"{name} missing from /metrics"
    return float(m.group(1))


def search(srv, space, q):
    start = time.monotonic()
    r = srv.request("POST", "/mcp/search", json={"space": space, "q": q, "top_k": 10}, timeout=30)
    took = time.monotonic() - start
    assert r.status_code == 200, f"search {q!r}: {r.status_code} {r.text[:300]}"
    return r.json()["memories"], took


def test_searches_during_a_bulk_load_never_wait_and_everything_is_searchable_after(server):
    space = "bulk"
    done = threading.Event()
    slow = []
    searches = []

    def searcher():
        rng = random.Random(1)
        while not done.is_set():
            q = " ".join(rng.sample(WORDS, 3))
            _, took = search(server, space, q)
            searches.append(took)
            if took > SEARCH_BOUND_S:
                slow.append((q, took))
            time.sleep(0.02)

    def writer(t):
        for start in range(t * PER_REQUEST, N, WRITERS * PER_REQUEST):
            items = [{"key": f"m{i}", "value": text_of(i)} for i in range(start, start + PER_REQUEST)]
            r = server.request("POST", "/api/rest/memories/bulk/set", params={"space": space},
                               json={"items": items}, timeout=60)
            assert r.status_code == 200 and r.json()["storedCount"] == PER_REQUEST, r.text[:300]

    watcher = threading.Thread(target=searcher)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            list(pool.map(writer, range(WRITERS)))
        # Searches go on while the indexes catch up with the load.
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while (gauge(server, "memoryd_index_lag_versions") > 0
               or gauge(server, "memoryd_vector_index_lag_versions") > 0):
            assert time.monotonic() < deadline, "the indexes did not catch up with the load"
            time.sleep(0.1)
    finally:
        done.set()
        watcher.join()
    assert len(searches) >= 5, f"only {len(searches)} searches ran during the load"
    assert not slow, f"searches waited for the backlog: {slow[:5]}"

    # Every memory of the load is found by its own words, the newest ones included.
    picks = random.Random(2).sample(range(N), 150) + list(range(N - 20, N))
    missing = []
    for i in picks:
        memories, _ = search(server, space, text_of(i))
        if f"m{i}" not in [m.get("key") for m in memories]:
            missing.append(i)
    assert not missing, f"not found after the load: {missing[:10]}"
