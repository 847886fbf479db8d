"""TTL arithmetic: expiresAt = now + ttlMinutes, timestamps in UTC with millisecond precision."""

import datetime as dt
import time

import pytest


def _parse(ts):
    assert ts.endswith("Z") and len(ts) == 24, f"not YYYY-MM-DDTHH:MM:SS.mmmZ: {ts!r}"
    return dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


def _now():
    return dt.datetime.now(dt.timezone.utc)


@pytest.mark.parametrize("ttl_minutes", [1440, 0.5, 0.02])
def test_expires_at_is_now_plus_ttl(module_server, ttl_minutes):
    space = f"ttl-{ttl_minutes}"
    before = _now()
    r = module_server.request("PUT", "/api/rest/memory", params={"space": space},
                              json={"key": "k", "value": "v", "ttlMinutes": ttl_minutes})
    after = _now()
    assert r.status_code == 201, r.text
    expires = _parse(r.json()["expiresAt"])
    ttl = dt.timedelta(minutes=ttl_minutes)
    slack = dt.timedelta(milliseconds=5)  # millisecond rounding either way
    assert before + ttl - slack <= expires <= after + ttl + slack, (before, expires, after)
    g = module_server.request("GET", "/api/rest/memory", params={"space": space, "key": "k"})
    if ttl_minutes >= 0.5:
        body = g.json()
        assert body["expiresAt"] == r.json()["expiresAt"]
        created = _parse(body["createdAt"])
        assert before - slack <= created <= after + slack, "createdAt is not the time of the write (UTC)"
        assert body["updatedAt"] == body["createdAt"], "a new memory's updatedAt must equal createdAt"


def test_update_moves_updated_at_not_created_at(module_server):
    space = "ttl-timestamps"
    module_server.request("PUT", "/api/rest/memory", params={"space": space}, json={"key": "k", "value": "1"})
    first = module_server.request("GET", "/api/rest/memory", params={"space": space, "key": "k"}).json()
    time.sleep(0.05)
    before = _now()
    module_server.request("PUT", "/api/rest/memory", params={"space": space}, json={"key": "k", "value": "2"})
    second = module_server.request("GET", "/api/rest/memory", params={"space": space, "key": "k"}).json()
    assert second["createdAt"] == first["createdAt"]
    assert _parse(second["updatedAt"]) >= before - dt.timedelta(milliseconds=5)
    assert _parse(second["updatedAt"]) > _parse(first["updatedAt"])
    listed = module_server.request("GET", "/api/rest/memories", params={"space": space}).json()["keys"]
    assert listed == [{"key": "k", "updatedAt": second["updatedAt"]}]


def test_expiry_boundary(module_server):
    """Present shortly before expiresAt, gone shortly after."""
    space = "ttl-boundary"
    r = module_server.request("PUT", "/api/rest/memory", params={"space": space},
                              json={"key": "k", "value": "v", "ttlMinutes": 0.04})  # 2.4 s
    expires = _parse(r.json()["expiresAt"])
    wait = (expires - _now()).total_seconds() - 0.8
    if wait > 0:
        time.sleep(wait)
    g = module_server.request("GET", "/api/rest/memory", params={"space": space, "key": "k"})
    assert g.status_code == 200, "expired too early"
    time.sleep(max(0.0, (expires - _now()).total_seconds()) + 0.3)
    g = module_server.request("GET", "/api/rest/memory", params={"space": space, "key": "k"})
    assert g.status_code == 404, "still there after expiresAt"
    e = module_server.request("GET", "/api/rest/memories/exists", params={"space": space, "key": "k"})
    assert e.json()["exists"] is False
