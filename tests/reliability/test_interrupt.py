"""Ctrl-C during `kg build`: one line with the counts, exit 130, no traceback, no hang, and what
was written is whole and skipped by the next build.

A real SIGINT goes to a real `kg build` (--jobs 1 and --jobs 2), to the whole process group as a
terminal's Ctrl-C does, or to the parent only.  The build runs on a pseudo-terminal so its
progress bar shows how far it got: the signal is sent once at least one document is written
(every document its own transaction here), whatever the machine's speed.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import EXAMPLES, ROOT

KG = [sys.executable, "-m", "kg.cli"]
COPIES = 20  # x 6 examples: far more than get built before the signal
LINE = re.compile(r"kg: interrupted: (\d+) documents? written, (\d+) left for the next build")
BAR = re.compile(r"building.*?(\d+)/(\d+)")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("interrupt") / "corpus"
    d.mkdir()
    for i in range(COPIES):
        for f in EXAMPLES.iterdir():
            if f.name != "README.md":
                shutil.copy(f, d / f"{i:03d}-{f.name}")
    return d


def build_and_interrupt(corpus: Path, store: Path, jobs: int, group: bool) -> tuple[int, str]:
    """Run `kg build` on a pty, send SIGINT after the first document is written; (exit code, output)."""
    main, tty = pty.openpty()
    env = {**os.environ, "KG_BATCH_CHARS": "1", "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen([*KG, "build", str(corpus), "--store", str(store), "--jobs", str(jobs)],
                            stdin=subprocess.DEVNULL, stdout=tty, stderr=tty, cwd=ROOT, env=env,
                            start_new_session=True)
    os.close(tty)
    out = b""
    sent = False
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            if not sent and any(int(m.group(1)) >= 1 for m in BAR.finditer(out.decode("utf-8", "replace"))):
                (os.killpg if group else os.kill)(proc.pid, signal.SIGINT)
                sent = True
                deadline = time.monotonic() + 60  # no hang: it must be gone well within this
            if proc.poll() is not None and not ready:
                break
        assert sent, "the build never showed progress:\n" + out.decode("utf-8", "replace")[-2000:]
        rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(main)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace"))  # the bar's colours
    return rc, text


@pytest.mark.timeout(900)
@pytest.mark.parametrize("jobs,group", [(1, True), (2, True), (2, False)], ids=["jobs1", "jobs2", "jobs2-parent-only"])
def test_ctrl_c_says_what_was_kept(corpus, tmp_path, jobs, group):
    store = tmp_path / "store"
    rc, out = build_and_interrupt(corpus, store, jobs, group)
    total = COPIES * 6
    assert rc == 130, out[-1000:]
    assert "Traceback" not in out and "Error" not in out, out[-3000:]
    lines = LINE.findall(out)
    assert len(lines) == 1, out[-1000:]
    written, left = map(int, lines[0])
    assert written >= 1 and written + left == total
    assert written < total, "the build finished before the signal: make the corpus larger"

    # Exactly the documents it reported are in the store, each complete ...
    from kg.store import KGStore

    s = KGStore(str(store), read_only=True, create=False)
    docs = s.documents()
    assert len(docs) == written
    q = ("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g <https://w3id.org/kg/ontology#contentHash> ?h ; "
         "<https://w3id.org/kg/ontology#pipeline> ?p } }")
    assert int(next(iter(s.query(q)))["n"].value) == written
    del s

    # ... and the next build does the rest.
    res = subprocess.run([*KG, "build", str(corpus), "--store", str(store), "--jobs", str(jobs), "-q"],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert res.returncode == 0, res.stderr
    assert f"built {left} document(s), {written} unchanged, 0 skipped" in res.stdout
