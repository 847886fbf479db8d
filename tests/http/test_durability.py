"""kill -9 in the middle of a stream of concurrent writes.

Every write that got a 2xx answer must be there after the restart, exactly; writes that were
in flight may or may not have landed; nothing else may appear, and the store must be
consistent (count, keys, list and bulk get agree).
"""

import threading
import time

import requests

WRITERS = 6
ROUNDS = 4


class Ledger:
    """What the clients know: acknowledged and in-flight operations."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}        # key -> value of the last acknowledged PUT
        self.inflight = {}     # key -> set of values sent without an answer
        self.deleted = set()   # keys whose DELETE was acknowledged (and not re-put since)
        self.delete_inflight = set()
        self.counter_acked = -1
        self.counter_inflight = set()
        self.pre = set()       # keys stored before the stream; some get deleted during it


def _writer(server, ledger, t, round_no, stop):
    i = 0
    while not stop.is_set():
        key = f"r{round_no}-w{t}-{i}"
        value = f"{key}:" + "x" * (i % 300)
        with ledger.lock:
            ledger.inflight.setdefault(key, set()).add(value)
        try:
            r = server.request("PUT", "/api/rest/memory", json={"key": key, "value": value, "tags": [f"w{t}"]},
                               timeout=5)
        except requests.RequestException:
            return  # the server is gone: this write stays in flight
        if r.status_code in (200, 201):
            with ledger.lock:
                ledger.inflight[key].discard(value)
                ledger.acked[key] = value
        elif r.status_code >= 500:
            raise AssertionError(f"server error during the stream: {r.status_code} {r.text}")
        i += 1


def _deleter(server, ledger, keys, stop):
    for key in keys:
        if stop.is_set():
            return
        with ledger.lock:
            ledger.delete_inflight.add(key)
        try:
            r = server.request("DELETE", "/api/rest/memory", params={"key": key}, timeout=5)
        except requests.RequestException:
            return
        if r.status_code == 200:
            with ledger.lock:
                ledger.delete_inflight.discard(key)
                ledger.deleted.add(key)
                ledger.acked.pop(key, None)


def _counter(server, ledger, stop):
    n = ledger.counter_acked + 1
    while not stop.is_set():
        with ledger.lock:
            ledger.counter_inflight.add(n)
        try:
            r = server.request("PUT", "/api/rest/memory", json={"key": "counter", "value": str(n)}, timeout=5)
        except requests.RequestException:
            return
        if r.status_code in (200, 201):
            with ledger.lock:
                ledger.counter_acked = n
                ledger.counter_inflight.discard(n)
        n += 1


def _all_keys(server):
    r = server.request("GET", "/api/rest/memories/keys", timeout=15)
    assert r.status_code == 200, r.text
    return r.json()["keys"]


def _verify(server, ledger):
    keys = _all_keys(server)
    assert len(keys) == len(set(keys)), "duplicate keys after recovery"
    present = set(keys)
    stream_keys = present - {"counter"} - ledger.pre

    missing = [k for k in ledger.acked if k not in present]
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    unexpected = [k for k in stream_keys if k not in ledger.acked and not ledger.inflight.get(k)]
    assert not unexpected, f"keys nobody wrote (or whose write was never sent): {unexpected[:5]}"
    resurrected = [k for k in ledger.deleted if k in present]
    assert not resurrected, f"acknowledged deletes undone: {resurrected[:5]}"
    kept = [k for k in ledger.pre - ledger.deleted - ledger.delete_inflight if k not in present]
    assert not kept, f"keys nobody deleted are gone: {kept[:5]}"

    # Values: exactly the acknowledged one, or a later in-flight one for that key.
    ack_keys = sorted(ledger.acked)
    for start in range(0, len(ack_keys), 50):
        chunk = ack_keys[start:start + 50]
        r = server.request("POST", "/api/rest/memories/bulk/get", json={"keys": chunk}, timeout=15)
        assert r.status_code == 200, r.text
        for item in r.json()["items"]:
            k = item["key"]
            assert item["found"], f"{k} acknowledged but not found by bulk get"
            ok = {ledger.acked[k]} | ledger.inflight.get(k, set())
            assert item["value"] in ok, f"{k}: value {item['value'][:40]!r} was never acknowledged"

    r = server.request("GET", "/api/rest/memories/count", timeout=15)
    assert r.json()["count"] == len(keys), "count disagrees with the key list"
    r = server.request("GET", "/api/rest/memories", params={"pageSize": "1"}, timeout=15)
    assert r.json()["totalCount"] == len(keys), "list totalCount disagrees with the key list"

    if ledger.counter_acked >= 0 or ledger.counter_inflight:
        r = server.request("GET", "/api/rest/memory", params={"key": "counter"})
        if ledger.counter_acked >= 0:
            assert r.status_code == 200, "acknowledged counter lost"
            got = int(r.json()["value"])
            assert got >= ledger.counter_acked, f"counter went back from {ledger.counter_acked} to {got}"
            assert got == ledger.counter_acked or got in ledger.counter_inflight
            ledger.counter_acked = got
            ledger.counter_inflight.clear()


def test_acknowledged_writes_survive_kill9_mid_stream(server):
    ledger = Ledger()
    # Keys the deleter removes during the stream.
    pre = [f"pre-{i}" for i in range(100)]
    ledger.pre = set(pre)
    for start in range(0, 100, 20):
        r = server.request("POST", "/api/rest/memories/bulk/set",
                           json={"items": [{"key": k, "value": "to delete"} for k in pre[start:start + 20]]})
        assert r.json()["storedCount"] == 20
    deletable = list(pre)

    for round_no in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=_writer, args=(server, ledger, t, round_no, stop), daemon=True)
                   for t in range(WRITERS)]
        batch, deletable = deletable[:30], deletable[30:]
        threads.append(threading.Thread(target=_deleter, args=(server, ledger, batch, stop), daemon=True))
        threads.append(threading.Thread(target=_counter, args=(server, ledger, stop), daemon=True))
        before = len(ledger.acked)
        for th in threads:
            th.start()
        deadline = time.monotonic() + 10
        while len(ledger.acked) < before + 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(ledger.acked) > before, "no write was acknowledged before the kill"
        server.sigkill()          # mid-stream: writers are still sending
        stop.set()
        for th in threads:
            th.join(timeout=15)
            assert not th.is_alive(), "a client thread hung after the kill"
        server.start()
        _verify(server, ledger)
        # Values that were in flight have now either landed or not; from here on, what is
        # stored is the truth for the next round.
        present = set(_all_keys(server))
        for k, vals in list(ledger.inflight.items()):
            if vals and k in present and k not in ledger.acked:
                r = server.request("GET", "/api/rest/memory", params={"key": k})
                ledger.acked[k] = r.json()["value"]
            ledger.inflight[k] = set()
        for k in list(ledger.delete_inflight):
            if k not in present:
                ledger.deleted.add(k)
                ledger.acked.pop(k, None)
        ledger.delete_inflight.clear()

    server.restart()
    _verify(server, ledger)
    r = server.request("PUT", "/api/rest/memory", json={"key": "after-recovery", "value": "ok"})
    assert r.status_code == 201
