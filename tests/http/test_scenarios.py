"""One pytest case per tests/http/scenarios/*.json; each starts a fresh server."""

import json
import pathlib

import pytest

from scenario import run_scenario

SCENARIO_DIR = pathlib.Path(__file__).parent / "scenarios"
FILES = sorted(SCENARIO_DIR.glob("*.json"))


def test_scenario_dir_is_not_empty():
    assert len(FILES) >= 10, f"expected the scenario files in {SCENARIO_DIR}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path, server_factory):
    doc = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(doc, list):
        doc = {"steps": doc}
    unknown = set(doc) - {"description", "server_args", "steps"}
    assert not unknown, f"unknown top-level field(s) {unknown} in {path.name}"
    server = server_factory(*doc.get("server_args", []))
    failures = run_scenario(server, doc["steps"], path.stem)
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
