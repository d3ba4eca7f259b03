"""A new user's first minutes: the Makefile's set-up, skipped input files, tests without ../shared.

The Makefile tests run `make` with a Python that is too old or that fails half way, into a
throw-away VENV: they never touch the project's .venv and never download anything.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT

MAKE = shutil.which("make")


def kg(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd)


# --- kg build DIR: files it cannot read are listed and counted ---------------------------------


def test_unsupported_documents_are_listed_as_skipped(tmp_path):
    d = tmp_path / "articles"
    d.mkdir()
    shutil.copy(EXAMPLES / "calder-robotics-series-b-2025-07-22.en.txt", d)
    (d / "annual-report.pdf").write_bytes(b"%PDF-1.7\n")
    (d / "notes.docx").write_bytes(b"PK\x03\x04")
    (d / "logo.png").write_bytes(b"\x89PNG")  # not a document: passed over in silence
    r = kg("build", d, "--store", tmp_path / "store", "-q")
    assert r.returncode == 3, r.stderr
    assert "built 1 document(s), 0 unchanged, 2 skipped" in r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("kg: skipped ") for line in lines), lines
    assert any("annual-report.pdf: PDF files are not read" in line for line in lines)
    assert any("notes.docx: Word files are not read" in line for line in lines)


def test_store_in_a_new_folder(tmp_path):
    r = kg("build", EXAMPLES / "calder-robotics-series-b-2025-07-22.en.txt", "--store", tmp_path / "new" / "dir" / "store", "-q")
    assert r.returncode == 0, r.stderr
    assert "built 1 document(s)" in r.stdout


# --- make: Python version first, no half-made .venv ---------------------------------------------


def _fake_python(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def make(tmp_path, python: Path, *targets: str) -> subprocess.CompletedProcess:
    return subprocess.run([MAKE, "-s", "-C", str(ROOT), f"PYTHON={python}", f"VENV={tmp_path / 'venv'}", *targets],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_refuses_an_old_python_in_one_line(tmp_path):
    old = _fake_python(tmp_path / "python3.9", 'case "$1" in --version) echo "Python 3.9.18";; *) exit 1;; esac\n')
    r = make(tmp_path, old, "demo")
    assert r.returncode != 0
    ours = [line for line in r.stderr.splitlines() if not line.startswith("make")]
    assert ours == [f"kg needs Python >= 3.11: '{old}' is Python 3.9.18; run make PYTHON=python3.11 (or newer)"]
    assert not (tmp_path / "venv").exists()


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_leaves_no_half_made_venv(tmp_path):
    # passes the version check, then fails half way through making the venv
    bad = _fake_python(tmp_path / "python", f'case "$*" in *"-m venv"*) mkdir -p "$3/bin"; exit 1;; esac\nexec {sys.executable} "$@"\n')
    r = make(tmp_path, bad, "demo")
    assert r.returncode != 0
    assert "set-up failed" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_replaces_a_venv_of_an_old_python(tmp_path):
    """A .venv left by an older Python is removed before the set-up, not tripped over."""
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    _fake_python(venv_bin / "python", "exit 1\n")
    bad = _fake_python(tmp_path / "python", f'case "$*" in *"-m venv"*) exit 1;; esac\nexec {sys.executable} "$@"\n')
    r = make(tmp_path, bad, "demo")
    assert "removing" in r.stdout and "older than 3.11" in r.stdout
    assert not (tmp_path / "venv").exists()


# --- the test suite itself without ../shared ---------------------------------------------------


def test_tests_needing_shared_skip_with_one_reason(tmp_path):
    """In a clone with no ../shared, tests that need it skip, all with the one reason."""
    repo = tmp_path / "clone"
    (repo / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "conftest.py", repo / "tests" / "conftest.py")
    (repo / "tests" / "__init__.py").write_text("")
    (repo / "tests" / "test_x.py").write_text(
        "import pytest\n"
        "@pytest.mark.shared\n"
        "def test_marked():\n    pass\n"
        "def test_fixture(seed_store):\n    pass\n"
        "def test_plain():\n    pass\n")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests"],
                       capture_output=True, text=True, cwd=repo)
    assert "1 passed, 2 skipped" in r.stdout, r.stdout
    reasons = [line for line in r.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(reasons) == 1 and "[2]" in reasons[0] and "absent from a plain clone" in reasons[0], reasons


# --- the README's first session: every command answers on the demo store ----------------------


def _walk_through() -> list[list[str]]:
    import shlex

    text = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"<!-- walk-through -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "README.md lost its walk-through block"
    cmds = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    return [c for c in cmds if c and c[0] == "kg"]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("demo") / "demo-store"
    r = kg("build", EXAMPLES, "--store", d, "-q")  # what `make demo` builds
    assert r.returncode == 0, r.stderr
    return d


@pytest.mark.parametrize("cmd", _walk_through(), ids=lambda c: " ".join(c[1:3]))
def test_readme_walk_through_answers(cmd, demo_store, tmp_path):
    import os

    env = {**os.environ, "KG_STORE": str(demo_store)}
    r = subprocess.run([sys.executable, "-m", "kg.cli", *cmd[1:]], capture_output=True, text=True, cwd=tmp_path,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout + r.stderr
    assert r.stdout.strip() or any(tmp_path.iterdir()), "no answer"
    assert "no path" not in out.lower() and "\n0 rows" not in out and "Traceback" not in out, out[-2000:]
    if cmd[1] == "stats":
        assert re.search(r"documents\s+6\b", out)
    if cmd[1] == "validate":
        assert "Conforms: True" in out
