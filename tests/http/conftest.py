"""Harness for the black-box HTTP suite: starts the real memoryd binary and talks to it.

Every server gets its own data directory under pytest's tmp_path, listens on a free
127.0.0.1 port and is stopped with SIGTERM at the end, which must exit 0. The server's
stderr goes to a file beside the data directory and is attached to the report of any
failing test.
"""

import json as jsonlib
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import time

import pytest
import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
REQUEST_TIMEOUT = 5.0  # seconds, every request
# Sanitizer builds start slowly; generous but bounded.
START_TIMEOUT = float(os.environ.get("MEMORYD_START_TIMEOUT", "20"))
STOP_TIMEOUT = 20.0

DEFAULT_KEY = object()  # request(): use the server's --api-key
_UNSET = object()


def memoryd_bin():
    path = os.environ.get("MEMORYD_BIN") or str(REPO_ROOT / "build" / "memoryd")
    return os.path.abspath(path)


def require_binary():
    path = memoryd_bin()
    if not os.access(path, os.X_OK):
        pytest.fail(f"memoryd binary not found or not executable: {path} (set MEMORYD_BIN)")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(args, timeout=20, env=None):
    """Runs `memoryd ARGS` to completion; returns CompletedProcess (text mode)."""
    return subprocess.run([require_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


# Servers that may be relevant to the current test's report (see pytest_runtest_makereport).
_SERVERS = []


class Server:
    """One memoryd process (restartable) on one data directory."""

    def __init__(self, workdir, extra_args=(), api_key=_UNSET, env=None, data_dir=None, mkdir=True):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = pathlib.Path(data_dir) if data_dir else self.workdir / "data"
        if mkdir:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self.api_key = ("mk_test_" + secrets.token_hex(16)) if api_key is _UNSET else api_key
        self.extra_args = [str(a) for a in extra_args]
        self.env = env
        self.proc = None
        self.port = None
        self.starts = 0
        self.logs = []
        self.finalized = False
        self.command_prefix = []  # e.g. ["prlimit", "--nofile=64:64", "--"]
        _SERVERS.append(self)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        cmd = [require_binary(), "serve", "--data-dir", str(self.data_dir),
               "--listen", f"127.0.0.1:{self.port}"]
        if self.api_key is not None:
            cmd += ["--api-key", self.api_key]
        return self.command_prefix + cmd + self.extra_args

    def start(self):
        assert self.proc is None, "server already running"
        # A new port on every start: no dependence on SO_REUSEADDR, and a client still
        # talking to the previous process cannot reach the new one by accident.
        self.port = free_port()
        self.starts += 1
        log = self.workdir / f"server-{self.starts}.stderr"
        self.logs.append(log)
        with open(log, "wb") as err, open(self.workdir / f"server-{self.starts}.stdout", "wb") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=self.env, cwd=self.workdir)
        spawned = time.monotonic()
        self.serving_after = None  # seconds from spawn to the first answer of /healthz
        deadline = spawned + START_TIMEOUT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.proc = None
                raise RuntimeError(f"memoryd exited during startup with code {rc}\n{self.log_tail()}")
            try:
                r = requests.get(self.base_url + "/healthz", timeout=1)
                if r.status_code == 200 and self.serving_after is None:
                    self.serving_after = time.monotonic() - spawned
                # Serving; the search indexes load in the background (a search meanwhile matches
                # words only): tests start once they are ready, so results are deterministic.
                if r.status_code == 200 and r.json().get("indexes", "ready") == "ready":
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.sigkill()
        raise RuntimeError(f"memoryd did not answer /healthz within {START_TIMEOUT}s\n{self.log_tail()}")

    def stop(self):
        """SIGTERM and wait; the exit code must be 0."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"memoryd did not exit within {STOP_TIMEOUT}s of SIGTERM\n{self.log_tail()}")
        assert rc == 0, f"memoryd exited with {rc} after SIGTERM\n{self.log_tail()}"

    def sigkill(self):
        """SIGKILL without restarting."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)

    def restart(self):
        self.stop()
        return self.start()

    def kill9(self):
        self.sigkill()
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def request(self, method, path, key=DEFAULT_KEY, json=_UNSET, headers=None, params=None,
                data=None, timeout=REQUEST_TIMEOUT):
        """One HTTP request on a fresh connection. json= is sent as raw UTF-8 (not \\u escapes)."""
        h = {}
        k = self.api_key if key is DEFAULT_KEY else key
        if k is not None:
            h["Authorization"] = f"Bearer {k}"
        if json is not _UNSET:
            data = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        return requests.request(method, self.base_url + path, headers=h, params=params, data=data,
                                timeout=timeout, allow_redirects=False)

    def create_key(self, space=None, read_only=False):
        """`memoryd key create` against this data dir (works while the server runs)."""
        args = ["key", "create", "--data-dir", str(self.data_dir)]
        if space is not None:
            args += ["--space", space]
        if read_only:
            args.append("--read-only")
        res = run_cli(args, env=self.env)
        assert res.returncode == 0, f"key create failed ({res.returncode}): {res.stderr}"
        lines = res.stdout.splitlines()
        assert len(lines) == 1 and lines[0].strip(), f"key create must print one line, got {res.stdout!r}"
        return lines[0].strip()

    def log_tail(self, limit=6000):
        parts = []
        for log in self.logs:
            try:
                text = log.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            parts.append(f"--- {log.name} ---\n{text[-limit:]}")
        return "\n".join(parts)


def _finalize(servers):
    errors = []
    for s in servers:
        try:
            s.stop()
        except Exception as e:  # report every server, not only the first
            errors.append(str(e))
        s.finalized = True
    if errors:
        pytest.fail("\n".join(errors))


@pytest.fixture
def server_factory(tmp_path):
    """make(*extra_args, api_key=..., env=..., data_dir=..., mkdir=...) -> started Server.

    Each server gets its own data dir under tmp_path unless data_dir is given; all are
    stopped with SIGTERM (exit code 0 asserted) at teardown."""
    servers = []

    def make(*extra_args, api_key=_UNSET, env=None, data_dir=None, mkdir=True):
        s = Server(tmp_path / f"srv{len(servers)}", extra_args, api_key=api_key, env=env,
                   data_dir=data_dir, mkdir=mkdir)
        servers.append(s)
        return s.start()

    yield make
    _finalize(servers)


@pytest.fixture
def server(server_factory):
    return server_factory()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory):
    """One server for a whole module; tests isolate themselves with distinct spaces."""
    s = Server(tmp_path_factory.mktemp("modsrv"))
    s.start()
    yield s
    _finalize([s])


@pytest.fixture(autouse=True)
def _module_server_guard(request):
    """A module server that died during a test fails that test and is started again, so one
    crash is reported once instead of cascading into every later test of the module."""
    yield
    if "module_server" not in request.fixturenames:
        return
    s = request.getfixturevalue("module_server")
    if s.alive():
        return
    rc = s.proc.poll() if s.proc is not None else None
    tail = s.log_tail()
    s.proc = None
    s.start()
    pytest.fail(f"memoryd died during this test (exit code {rc})\n{tail}")


def pytest_runtest_setup(item):
    _SERVERS[:] = [s for s in _SERVERS if not s.finalized]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for s in _SERVERS:
            rep.sections.append((f"memoryd stderr ({s.workdir})", s.log_tail()))
