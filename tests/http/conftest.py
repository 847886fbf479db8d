"""Harness for the black-box HTTP suite: starts the real memoryd binary and talks to it.

Every server gets its own data directory under pytest's tmp_path, listens on a free
127.0.0.1 port and is stopped with SIGTERM at the end, which must exit 0. The server's
stderr goes to a file beside the data directory and is attached to the report of any
failing test.

The store is SQLite (memoryd.db in the data directory) unless MEMORYD_TEST_BACKEND=postgres:
then every data directory gets a fresh database of its own on the PostgreSQL server of
MEMORYD_TEST_DATABASE_URL (tests/pg/with_cluster.sh provides one), passed as `--database` to
every server and CLI command on that directory (store_flags), so a restart or a second process
on the same directory finds the same store. A test's databases are dropped when it ends. Tests
that need the SQLite file itself are marked `sqlite_only(reason=...)` and deselected on
PostgreSQL by the marker expression `not sqlite_only`.
"""

import json as jsonlib
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest
import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
REQUEST_TIMEOUT = 5.0  # seconds, every request
# Sanitizer builds start slowly; generous but bounded.
START_TIMEOUT = float(os.environ.get("MEMORYD_START_TIMEOUT", "20"))
STOP_TIMEOUT = 20.0

BACKEND = os.environ.get("MEMORYD_TEST_BACKEND", "sqlite")
BACKENDS = ("sqlite", "postgres")
POSTGRES = BACKEND == "postgres"

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


def with_database(url, name):
    """url (a libpq URL) naming database `name` instead of its own."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, *statements):
    """Runs each statement on its own (CREATE and DROP DATABASE refuse transactions)."""
    args = ["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1"]
    for statement in statements:
        args += ["-c", statement]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def create_database(server_url, prefix="memoryd_t_"):
    """The URL of a new, empty database on the PostgreSQL server of server_url."""
    name = prefix + secrets.token_hex(6)
    res = psql(server_url, f"CREATE DATABASE {name}")
    if res.returncode != 0:
        pytest.fail(f"cannot create database {name}: {res.stderr}")
    return with_database(server_url, name)


def drop_databases(server_url, urls):
    """Best effort: a database still in use is dropped all the same (FORCE)."""
    names = [urllib.parse.urlsplit(u).path.lstrip("/") for u in urls]
    if names:
        psql(server_url, *[f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names])


class Databases:
    """With the postgres backend, one database per data directory, given at its first use.

    Databases are made and dropped several at a time, one psql per batch: a psql costs more
    than the statement it runs, and a run uses hundreds of databases."""

    BATCH = 8

    def __init__(self, server_url):
        self.server_url = server_url
        self.by_dir = {}  # absolute data dir -> URL, in order of use
        self.spare = []  # made, not yet given
        self.unused = []  # no longer used, not yet dropped
        version = psql(server_url, "SHOW server_version_num")
        if version.returncode != 0:
            raise pytest.UsageError(f"cannot reach PostgreSQL at {server_url}: {version.stderr}")
        # Copying template1's files beats writing them to the WAL when fsync is off (cluster.sh).
        self.strategy = " STRATEGY FILE_COPY" if int(version.stdout.split()[-1]) >= 150000 else ""

    def url_for(self, data_dir):
        where = os.path.abspath(data_dir)
        if where not in self.by_dir:
            if not self.spare:
                self._make(self.BATCH)
            self.by_dir[where] = self.spare.pop()
        return self.by_dir[where]

    def _make(self, count):
        names = ["memoryd_t_" + secrets.token_hex(6) for _ in range(count)]
        res = psql(self.server_url, *[f"CREATE DATABASE {n}{self.strategy}" for n in names])
        if res.returncode != 0:
            drop_databases(self.server_url, [with_database(self.server_url, n) for n in names])
            pytest.fail(f"cannot create databases on {self.server_url}: {res.stderr}")
        self.spare += [with_database(self.server_url, n) for n in names]

    def release_since(self, count):
        """The databases given after the first `count` are no longer used: dropped soon."""
        for where in list(self.by_dir)[count:]:
            self.unused.append(self.by_dir.pop(where))
        if len(self.unused) >= 2 * self.BATCH:
            self.drop_unused()

    def drop_unused(self):
        drop_databases(self.server_url, self.unused)
        self.unused = []

    def close(self):
        self.release_since(0)
        self.unused += self.spare
        self.spare = []
        self.drop_unused()


_DATABASES = None  # Databases when POSTGRES (pytest_configure)


SQLITE = ""  # database= of Server and store_flags: the SQLite file, whatever the backend


def database_url(data_dir, database=None):
    """The --database URL for data_dir's store, or None for SQLite (the file in data_dir).

    database: a URL to use as it is, SQLITE, or None for the run's backend."""
    if database is not None:
        return database or None
    return _DATABASES.url_for(data_dir) if POSTGRES else None


def store_flags(data_dir, database=None):
    """The flags naming data_dir's store to `serve`, `mcp`, `key`, `export` and `import`."""
    url = database_url(data_dir, database)
    return ["--data-dir", str(data_dir)] + (["--database", url] if url else [])


def pytest_configure(config):
    global _DATABASES
    config.addinivalue_line("markers", "sqlite_only(reason): the test needs the SQLite store "
                            "itself (its file in the data directory); deselected on PostgreSQL")
    if BACKEND not in BACKENDS:
        raise pytest.UsageError(f"MEMORYD_TEST_BACKEND={BACKEND!r}: expected one of {BACKENDS}")
    if not POSTGRES:
        return
    server_url = os.environ.get("MEMORYD_TEST_DATABASE_URL")
    if not server_url:
        raise pytest.UsageError("MEMORYD_TEST_BACKEND=postgres needs MEMORYD_TEST_DATABASE_URL "
                                "(run under tests/pg/with_cluster.sh)")
    _DATABASES = Databases(server_url)
    expr = config.option.markexpr
    config.option.markexpr = f"({expr}) and not sqlite_only" if expr else "not sqlite_only"


def pytest_report_header(config):
    where = f" on {_DATABASES.server_url}" if POSTGRES else ""
    return f"memoryd store: {BACKEND}{where}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in item.iter_markers("sqlite_only"):
            if not mark.kwargs.get("reason"):
                raise pytest.UsageError(f"{item.nodeid}: sqlite_only needs reason=")


def pytest_sessionfinish(session):
    if _DATABASES is not None:
        _DATABASES.close()


@pytest.fixture(autouse=True)
def _release_test_databases():
    """The databases of a test's own data dirs are dropped after it (in batches), a module
    server's at the end of the session. Function-scoped servers are stopped before this runs."""
    if _DATABASES is None:
        yield
        return
    before = len(_DATABASES.by_dir)
    yield
    _DATABASES.release_since(before)


# Servers that may be relevant to the current test's report (see pytest_runtest_makereport).
_SERVERS = []


class Server:
    """One memoryd process (restartable) on one data directory and its store (database=: see
    database_url)."""

    def __init__(self, workdir, extra_args=(), api_key=_UNSET, env=None, data_dir=None, mkdir=True,
                 database=None):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = pathlib.Path(data_dir) if data_dir else self.workdir / "data"
        if mkdir:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self.api_key = ("mk_test_" + secrets.token_hex(16)) if api_key is _UNSET else api_key
        self.extra_args = [str(a) for a in extra_args]
        self.env = env
        self.database = database
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
        cmd = [require_binary(), "serve", *store_flags(self.data_dir, self.database),
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
        """`memoryd key create` against this server's store (works while the server runs)."""
        args = ["key", "create", *store_flags(self.data_dir, self.database)]
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
