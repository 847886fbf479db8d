"""Runs one scenario file (REST behaviour as data) against a running Server.

The format is documented in README.md. Authoring mistakes (unknown step fields, unknown
variables) raise ScenarioError so that a typo can never turn into a check that passes.
"""

import json as jsonlib
import re
import time

import requests

from conftest import REQUEST_TIMEOUT

ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
VAR_RE = re.compile(r"\{\{([^{}]+)\}\}")
PATH_TOKEN_RE = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")

STEP_FIELDS = {"note", "request", "expect", "save", "restart", "kill9", "sleep", "create_key", "as"}
REQUEST_FIELDS = {"method", "path", "query", "headers", "json", "body", "body_hex", "auth", "timeout"}
EXPECT_FIELDS = {"status", "json", "headers", "absent"}
ARRAY_MARKS = {"<unordered>", "<contains>", "<len>"}


class ScenarioError(Exception):
    """The scenario file itself is wrong (not the server)."""


# ---------------------------------------------------------------- substitution


def _resolve(expr, variables):
    if expr.startswith("repeat:"):
        text, _, count = expr[len("repeat:"):].rpartition(":")
        return text * int(count)
    if expr.startswith("range:"):
        prefix, _, count = expr[len("range:"):].rpartition(":")
        return [f"{prefix}{i}" for i in range(1, int(count) + 1)]
    if expr not in variables:
        raise ScenarioError(f"unknown variable {{{{{expr}}}}}")
    return variables[expr]


def substitute(value, variables):
    if isinstance(value, str):
        whole = VAR_RE.fullmatch(value)
        if whole:  # a whole-string reference keeps the variable's JSON type
            return _resolve(whole.group(1), variables)

        def repl(m):
            v = _resolve(m.group(1), variables)
            return v if isinstance(v, str) else jsonlib.dumps(v, ensure_ascii=False)

        return VAR_RE.sub(repl, value)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {substitute(k, variables): substitute(v, variables) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- json paths


_MISSING = object()


def get_path(doc, path):
    """'$.items[2].value' (or 'items[2].value') -> value, or _MISSING."""
    if not path.startswith("$"):
        path = "$." + path
    rest = path[1:]
    pos = 0
    cur = doc
    while pos < len(rest):
        m = PATH_TOKEN_RE.match(rest, pos)
        if not m:
            raise ScenarioError(f"bad path {path!r}")
        pos = m.end()
        if m.group(1) is not None:
            if not isinstance(cur, dict) or m.group(1) not in cur:
                return _MISSING
            cur = cur[m.group(1)]
        else:
            idx = int(m.group(2))
            if not isinstance(cur, list) or idx >= len(cur):
                return _MISSING
            cur = cur[idx]
    return cur


# ---------------------------------------------------------------- matching

MATCHERS = {
    "any": lambda a, arg: True,
    "any-string": lambda a, arg: isinstance(a, str),
    "non-empty-string": lambda a, arg: isinstance(a, str) and a != "",
    "iso8601": lambda a, arg: isinstance(a, str) and bool(ISO_RE.match(a)),
    "iso8601-or-null": lambda a, arg: a is None or (isinstance(a, str) and bool(ISO_RE.match(a))),
    "int": lambda a, arg: isinstance(a, int) and not isinstance(a, bool),
    "number": lambda a, arg: isinstance(a, (int, float)) and not isinstance(a, bool),
    "bool": lambda a, arg: isinstance(a, bool),
    "array": lambda a, arg: isinstance(a, list),
    "object": lambda a, arg: isinstance(a, dict),
    "empty": lambda a, arg: a is None or a == "" or a == [] or a == {},
    "contains": lambda a, arg: isinstance(a, str) and arg in a,
    "startswith": lambda a, arg: isinstance(a, str) and a.startswith(arg),
    "regex": lambda a, arg: isinstance(a, str) and re.fullmatch(arg, a, re.S) is not None,
    "not": lambda a, arg: a != arg,
}


def _matcher(exp):
    if not (isinstance(exp, str) and exp.startswith("<") and exp.endswith(">")):
        return None
    name, _, arg = exp[1:-1].partition(":")
    if name not in MATCHERS:
        return None  # a literal string that happens to look like <...>
    return MATCHERS[name], arg


def _scalar_equal(exp, act):
    if isinstance(exp, bool) or isinstance(act, bool):
        return type(exp) is type(act) and exp == act
    if isinstance(exp, (int, float)) and isinstance(act, (int, float)):
        return exp == act
    return type(exp) is type(act) and exp == act


def match(exp, act, path="$"):
    """Returns a list of mismatch descriptions (empty when act matches exp)."""
    m = _matcher(exp)
    if m:
        fn, arg = m
        return [] if fn(act, arg) else [f"{path}: {act!r} does not match {exp}"]
    if isinstance(exp, dict) and len(exp) == 1 and next(iter(exp)) in ARRAY_MARKS:
        mark, inner = next(iter(exp.items()))
        return _match_marked(mark, inner, act, path)
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            return [f"{path}: expected an object, got {act!r}"]
        errors = []
        for k, v in exp.items():
            if k not in act:
                errors.append(f"{path}.{k}: missing")
            else:
                errors += match(v, act[k], f"{path}.{k}")
        return errors
    if isinstance(exp, list):
        if not isinstance(act, list):
            return [f"{path}: expected an array, got {act!r}"]
        if len(exp) != len(act):
            return [f"{path}: expected {len(exp)} elements, got {len(act)}: {act!r}"]
        errors = []
        for i, (e, a) in enumerate(zip(exp, act)):
            errors += match(e, a, f"{path}[{i}]")
        return errors
    return [] if _scalar_equal(exp, act) else [f"{path}: expected {exp!r}, got {act!r}"]


def _assign(exp_items, act_items, used):
    """Backtracking: can every expected element be matched by a distinct actual element?"""
    if not exp_items:
        return True
    head, tail = exp_items[0], exp_items[1:]
    for i, a in enumerate(act_items):
        if i not in used and not match(head, a):
            if _assign(tail, act_items, used | {i}):
                return True
    return False


def _match_marked(mark, inner, act, path):
    if not isinstance(act, list):
        return [f"{path}: expected an array, got {act!r}"]
    if mark == "<len>":
        return [] if len(act) == inner else [f"{path}: expected {inner} elements, got {len(act)}"]
    if mark == "<unordered>" and len(inner) != len(act):
        return [f"{path}: expected {len(inner)} elements (any order), got {len(act)}: {act!r}"]
    if not _assign(list(inner), act, frozenset()):
        return [f"{path}: {act!r} does not match {mark} {inner!r}"]
    return []


# ---------------------------------------------------------------- running


def _check_fields(obj, allowed, what):
    unknown = set(obj) - allowed
    if unknown:
        raise ScenarioError(f"unknown {what} field(s): {sorted(unknown)}")


def _send(server, req, variables):
    _check_fields(req, REQUEST_FIELDS, "request")
    req = substitute(req, variables)
    method = req.get("method", "GET")
    headers = {}
    auth = req.get("auth", server.api_key) if "auth" in req else server.api_key
    if auth is not None:
        headers["Authorization"] = f"Bearer {auth}"
    for k, v in (req.get("headers") or {}).items():
        if v is None:
            headers.pop(k, None)
        else:  # header values may carry UTF-8 (space names)
            headers[k] = v.encode("utf-8") if isinstance(v, str) else v
    bodies = [k for k in ("json", "body", "body_hex") if k in req]
    if len(bodies) > 1:
        raise ScenarioError("give only one of json/body/body_hex")
    data = None
    if "json" in req:
        data = jsonlib.dumps(req["json"], ensure_ascii=False).encode("utf-8")
    elif "body" in req:
        data = req["body"].encode("utf-8")
    elif "body_hex" in req:
        data = bytes.fromhex(req["body_hex"].replace(" ", ""))
    if data is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    query = req.get("query")
    if isinstance(query, dict):
        query = {k: (v if isinstance(v, str) else jsonlib.dumps(v)) for k, v in query.items()}
    return requests.request(method, server.base_url + req["path"], params=query, headers=headers,
                            data=data, timeout=req.get("timeout", REQUEST_TIMEOUT),
                            allow_redirects=False)


def _check_response(resp, expect, variables):
    _check_fields(expect, EXPECT_FIELDS, "expect")
    if "status" not in expect:
        raise ScenarioError("every request step needs expect.status")
    expect = substitute(expect, variables)
    errors = []
    if resp.status_code != expect["status"]:
        errors.append(f"status: expected {expect['status']}, got {resp.status_code}")
    ctype = resp.headers.get("Content-Type", "")
    if not ctype.lower().startswith("application/json"):
        errors.append(f"Content-Type: expected application/json, got {ctype!r}")
    try:
        body = resp.json()
    except ValueError:
        body = _MISSING
        errors.append(f"body is not JSON: {resp.content[:300]!r}")
    if body is not _MISSING and resp.status_code >= 400:
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
            errors.append(f"error response must be {{\"error\": \"<message>\"}}, got {body!r}")
    if "json" in expect and body is not _MISSING:
        errors += match(expect["json"], body)
    for path in expect.get("absent", []):
        if body is not _MISSING and get_path(body, path) is not _MISSING:
            errors.append(f"{path}: must be absent, got {get_path(body, path)!r}")
    for name, want in (expect.get("headers") or {}).items():
        got = resp.headers.get(name)
        if want is None:
            if got is not None:
                errors.append(f"header {name}: must be absent, got {got!r}")
            continue
        if got is None:
            errors.append(f"header {name}: missing")
            continue
        for w in (want if isinstance(want, list) else [want]):
            errors += match(w, got, f"header {name}")
    return body, errors


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _visible(text):
    return _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _describe(req, resp):
    shown = dict(req)
    for k in ("json", "body", "body_hex"):
        if k in req:
            text = jsonlib.dumps(req[k], ensure_ascii=False)
            if len(text) > 400:
                shown[k] = text[:400] + f"... ({len(text)} chars)"
    got = resp.text if len(resp.text) < 1500 else resp.text[:1500] + "..."
    return (f"request: {_visible(jsonlib.dumps(shown, ensure_ascii=False))}\n"
            f"response {resp.status_code}: {_visible(got)}")


def run_scenario(server, steps, name="scenario"):
    variables = {"api_key": server.api_key}
    failures = []
    for i, step in enumerate(steps):
        _check_fields(step, STEP_FIELDS, "step")
        label = f"{name} step {i}" + (f" ({step['note']})" if "note" in step else "")
        if "request" in step:
            if "expect" not in step:
                raise ScenarioError(f"{label}: request without expect")
            resp = _send(server, step["request"], variables)
            body, errors = _check_response(resp, step["expect"], variables)
            if errors:
                failures.append(f"{label}\n  " + "\n  ".join(errors) + "\n" + _describe(step["request"], resp))
                break  # later steps build on this one; their failures would be noise
            for var, path in (step.get("save") or {}).items():
                if path.startswith("header:"):
                    val = resp.headers.get(path[len("header:"):])
                else:
                    val = get_path(body, path)
                if val is _MISSING or (val is None and path.startswith("header:")):
                    failures.append(f"{label}: cannot save {var} from {path}")
                    break
                variables[var] = val
            if failures:
                break
        elif step.get("restart"):
            server.restart()
        elif step.get("kill9"):
            server.kill9()
        elif "sleep" in step:
            time.sleep(float(step["sleep"]))
        elif "create_key" in step:
            spec = step["create_key"] or {}
            _check_fields(spec, {"space", "read_only"}, "create_key")
            if "as" not in step:
                raise ScenarioError(f"{label}: create_key needs \"as\"")
            variables[step["as"]] = server.create_key(spec.get("space"), spec.get("read_only", False))
        elif set(step) == {"note"}:
            continue
        else:
            raise ScenarioError(f"{label}: step does nothing: {step!r}")
    return failures
