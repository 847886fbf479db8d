"""The README's shell examples run as written when pasted into bash, in order, against a live
server, and a second paste of them works too.

Every ```sh or ```bash block of README.md is run. A block that cannot run here (it installs
packages, or needs a program or service memoryd does not ship) is marked on the line before it
with `<!-- not run: REASON -->`; the reasons are checked to be there and few.

The blocks run in one bash process, as a user pasting them into one terminal would, in a
scratch directory holding `build/memoryd` (and `memoryd` on PATH), with HOME in that directory.
`set -euo pipefail` stops at the first failing command, and curl fails on an HTTP error, so an
example that answers 4xx or is a syntax error fails the test. The README's examples use the
default address 127.0.0.1:8420: this test needs that port free.
"""

import os
import pathlib
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import REPO_ROOT, require_binary

pytestmark = pytest.mark.sqlite_only(
    reason="the README's examples run as written, on the default SQLite data directory, "
           "backup and restore included")

README = REPO_ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = re.compile(r"^<!-- not run: (.+) -->$")
MAX_SKIPPED = 6
RUN_SECONDS = 240

# What a user's terminal has that the README assumes: curl failing on HTTP errors, so a wrong
# example cannot pass unnoticed; everything else is bash as it comes.
PRELUDE = """set -euo pipefail
curl() { local rc=0; command curl --fail-with-body --silent --show-error "$@" || rc=$?; echo; return $rc; }
"""


def shell_blocks():
    """(line number, text, skip reason or None) of every sh/bash block, in order."""
    lines = README.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if lang in ("sh", "bash", "shell"):
            before = lines[start - 1].strip() if start > 0 else ""
            skip = SKIP.match(before)
            blocks.append((start + 1, "\n".join(lines[start + 1:j]), skip.group(1) if skip else None))
        i = j + 1
    return blocks


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run_script(workdir, script):
    env = dict(os.environ, HOME=str(workdir), TMPDIR=str(workdir), PATH=f"{workdir / 'bin'}:{os.environ['PATH']}")
    env.pop("MEMORYD_API_KEY", None)
    log = workdir / "examples.log"
    # Output goes to a file, not a pipe: a server an example starts in the background keeps
    # its descriptors after bash has finished.
    with open(log, "w") as out:
        proc = subprocess.Popen(["bash", "-c", script], cwd=workdir, env=env, text=True,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=RUN_SECONDS)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            # Servers the examples started in the background end with the session.
            try:
                os.killpg(proc.pid, signal.SIGTERM if rc is not None else signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            deadline = time.monotonic() + 20
            while not port_free(8420) and time.monotonic() < deadline:
                time.sleep(0.1)
    text = log.read_text(errors="replace")
    if rc is None:
        pytest.fail(f"the README's examples did not finish within {RUN_SECONDS}s:\n{text[-6000:]}")
    return rc, text


def test_the_readme_has_runnable_shell_examples_and_says_why_others_are_not_run():
    blocks = shell_blocks()
    runnable = [b for b in blocks if b[2] is None]
    skipped = [b for b in blocks if b[2] is not None]
    assert len(runnable) >= 8, f"only {len(runnable)} runnable shell blocks found"
    assert len(skipped) <= MAX_SKIPPED, [(line, why) for line, _, why in skipped]
    for line, _, why in skipped:
        assert len(why.split()) >= 3, f"line {line}: say why the block cannot run here"


def test_every_shell_example_runs_as_written_twice(tmp_path):
    if not port_free(8420):
        pytest.fail("127.0.0.1:8420 is in use; the README's examples need it")
    (tmp_path / "bin").mkdir()
    (tmp_path / "build").mkdir()
    binary = require_binary()
    os.symlink(binary, tmp_path / "bin" / "memoryd")
    os.symlink(binary, tmp_path / "build" / "memoryd")
    parts = [PRELUDE]
    for line, text, skip in shell_blocks():
        if skip is None:
            parts.append(f"echo '### README.md line {line}'\n{text}\n")
    script = "\n".join(parts)
    for attempt in (1, 2):
        rc, out = run_script(tmp_path, script)
        assert rc == 0, f"run {attempt}: the README's examples failed (exit {rc}):\n{out[-8000:]}"
