"""`explain: true` on POST /mcp/search, and what a score means.

Each result of an explained search carries its keyword and vector parts, the fusion weights and
the cosine floor that calibrated it (so the score can be recomputed from them), the query words
the memory shares, and the WordNet concepts that link the other words, with the link on each side.
"""

import pytest

EXPLAIN_KEYS = {"keyword", "vector", "fusion", "terms", "concepts"}
CONCEPT_KEYS = {"concept", "query", "queryLink", "memory", "memoryLink", "weight"}
LINKS = {"synonym", "broader", "part-of", "derived", "similar", "definition"}


def add(srv, space, text):
    r = srv.request("POST", "/mcp/addMemory", json={"space": space, "text": text})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def explained(srv, space, q, **extra):
    r = srv.request("POST", "/mcp/search", json={"space": space, "q": q, "explain": True, **extra})
    assert r.status_code == 200, r.text
    return r.json()["memories"]


def check_explanation(memory):
    e = memory["explain"]
    assert set(e) == EXPLAIN_KEYS, e
    f = e["fusion"]
    assert set(f) == {"keywordWeight", "vectorWeight", "cosineFloor"}
    assert abs(f["keywordWeight"] + f["vectorWeight"] - 1) <= 0.002
    for part in ("keyword", "vector"):
        assert 0 <= e[part] <= 1
    # The score is the weighted mean of its parts (each shown to three decimals).
    assert abs(f["keywordWeight"] * e["keyword"] + f["vectorWeight"] * e["vector"] - memory["score"]) <= 0.003, memory
    for t in e["terms"]:
        assert set(t) == {"query", "memory"} and t["query"] and t["memory"]
    for c in e["concepts"]:
        assert set(c) == CONCEPT_KEYS, c
        assert c["queryLink"] in LINKS and c["memoryLink"] in LINKS
        assert 0 < c["weight"] <= 1
    return e


@pytest.fixture(scope="module")
def trips(module_server):
    space = "explain-trips"
    ids = {
        "lyon": add(module_server, space, "We drove the new sedan to Lyon for the weekend."),
        "dad": add(module_server, space, "My dad restores old clocks in his shed."),
        "cello": add(module_server, space, "I play the cello in a string quartet on Thursdays."),
        "bills": add(module_server, space, "The electricity bill is paid by direct debit."),
    }
    return space, ids


def test_explain_names_words_concepts_and_links(module_server, trips):
    space, ids = trips
    mems = explained(module_server, space, "Which car did we take to France?")
    assert mems and mems[0]["id"] == ids["lyon"], mems
    e = check_explanation(mems[0])
    links = {(c["query"], c["concept"], c["memory"], c["queryLink"], c["memoryLink"]) for c in e["concepts"]}
    assert ("car", "car", "sedan", "synonym", "broader") in links, links
    assert ("france", "france", "lyon", "synonym", "part-of") in links, links
    for m in mems[1:]:
        check_explanation(m)


def test_kinship_and_shared_words(module_server, trips):
    space, ids = trips
    mems = explained(module_server, space, "What does my father restore?")
    assert mems[0]["id"] == ids["dad"], mems
    e = check_explanation(mems[0])
    assert {"query": "restore", "memory": "restores"} in e["terms"], e
    assert any(c["query"] == "father" and c["memory"] == "dad" for c in e["concepts"]), e


def test_a_duplicate_explains_itself_with_words_only(module_server, trips):
    space, ids = trips
    text = "The electricity bill is paid by direct debit."
    mems = explained(module_server, space, text)
    assert mems[0]["id"] == ids["bills"] and mems[0]["score"] >= 0.95
    e = check_explanation(mems[0])
    assert e["keyword"] >= 0.95 and e["vector"] >= 0.95
    assert e["concepts"] == []  # every word matched itself
    assert {t["query"] for t in e["terms"]} >= {"electricity", "bill", "paid", "direct", "debit"}


def test_without_explain_there_is_no_explanation(module_server, trips):
    space, _ = trips
    for body in ({}, {"explain": False}):
        r = module_server.request("POST", "/mcp/search", json={"space": space, "q": "cello", **body})
        assert r.status_code == 200
        assert all("explain" not in m for m in r.json()["memories"])


def test_explain_does_not_change_results_or_scores(module_server, trips):
    space, _ = trips
    for q in ("car trip to France", "music on Thursdays", "paying bills"):
        plain = module_server.request("POST", "/mcp/search", json={"space": space, "q": q}).json()["memories"]
        with_explain = explained(module_server, space, q)
        assert [(m["id"], m["score"]) for m in plain] == [(m["id"], m["score"]) for m in with_explain]


@pytest.mark.parametrize("bad", ["yes", 1, 0, [], {}, "true"])
def test_explain_of_the_wrong_type_is_a_clear_400(module_server, trips, bad):
    space, _ = trips
    r = module_server.request("POST", "/mcp/search", json={"space": space, "q": "car", "explain": bad})
    assert r.status_code == 400, r.text
    assert "explain" in r.json()["error"]


@pytest.mark.parametrize("q", [
    "\u202e\u0000-- DROP TABLE memories; <script>alert(1)</script>",
    "caf\u00e9 na\u00efve \u00fcber \u0416\u0438\u0437\u043d\u044c \u6771\u4eac \U0001F600",
    "a" * 5000,
    "car " * 400,
])
def test_hostile_queries_are_explained_safely(module_server, trips, q):
    space, _ = trips
    r = module_server.request("POST", "/mcp/search", json={"space": space, "q": q, "explain": True})
    assert r.status_code in (200, 400, 413), r.text
    if r.status_code == 200:
        for m in r.json()["memories"]:
            check_explanation(m)
    else:
        assert "error" in r.json()
    assert module_server.alive()


def test_explain_without_q_is_rejected_as_before(module_server, trips):
    space, _ = trips
    r = module_server.request("POST", "/mcp/search", json={"space": space, "explain": True})
    assert r.status_code == 400
    assert "'q'" in r.json()["error"]


def test_explain_holds_with_filters(module_server):
    space = "explain-filtered"
    a = module_server.request("POST", "/mcp/addMemory", json={"space": space, "text": "Our sedan needs new tyres", "tags": ["car"]}).json()["id"]
    module_server.request("POST", "/mcp/addMemory", json={"space": space, "text": "The sedan chair in the museum", "tags": ["art"]})
    mems = explained(module_server, space, "automobile maintenance", tags=["car"])
    assert [m["id"] for m in mems] == [a]
    check_explanation(mems[0])
