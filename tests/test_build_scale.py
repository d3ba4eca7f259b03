"""The build loop's large-folder paths (issue 6): one scan for stored hashes when there are many
inputs, the bounded window of results from worker processes, and compaction after a large build.
Each is checked for what it decides, not for how fast it is (bench/ measures that)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from kg import pipeline
from kg.ingest import iter_sources
from kg.store import KGStore

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted((ROOT / "tests" / "articles").glob("*.txt"))


@pytest.fixture
def folder(tmp_path) -> Path:
    """70 small articles: enough for the one-scan path (64 or more inputs)."""
    d = tmp_path / "corpus"
    d.mkdir()
    for i in range(70):
        src = ARTICLES[i % len(ARTICLES)]
        shutil.copy(src, d / f"{i:03d}-{src.name}")
    return d


def _build(store: KGStore, folder: Path, **kw) -> pipeline.BuildReport:
    return pipeline.build(store, list(iter_sources([str(folder)])), **kw)


def test_rebuild_of_a_large_folder_skips_exactly_the_unchanged_files(folder, tmp_path):
    store = KGStore(str(tmp_path / "store"))
    first = _build(store, folder, jobs=2)
    assert first.documents == 70 and not first.skipped
    assert len(store.document_hashes(pipeline.fingerprint())) == 70
    assert store.document_hashes("0000000000000000") == {}  # another pipeline: nothing counts as built
    edited = sorted(folder.iterdir())[5]
    edited.write_text(edited.read_text("utf-8") + "\nHua Hong Semiconductor opened a fab in Wuxi.\n", "utf-8")
    again = _build(store, folder, jobs=2)
    assert (again.documents, again.unchanged) == (1, 69)
    # The same decision one lookup at a time (fewer than 64 inputs).
    few = pipeline.build(store, list(iter_sources([str(p) for p in sorted(folder.iterdir())[:10]])))
    assert (few.documents, few.unchanged) == (0, 10)


def test_a_failing_write_ends_a_parallel_build_instead_of_hanging(folder, tmp_path, monkeypatch):
    store = KGStore(str(tmp_path / "store"))

    def broken(docs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "replace_documents", broken)
    monkeypatch.setattr(pipeline, "WINDOW_PER_JOB", 1)  # the window is full when the write fails
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            _build(store, folder, jobs=2, batch_chars=1)
        except BaseException as e:  # noqa: BLE001 - the test inspects it
            outcome.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(120)
    assert not t.is_alive(), "the build hung after a failed write"
    assert outcome and isinstance(outcome[0], OSError)


def test_large_build_compacts_and_small_one_does_not(folder, tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(KGStore, "compact", lambda self: calls.append(self.path) or self.ox.optimize())
    monkeypatch.setattr(pipeline, "COMPACT_CHARS", 1)
    store = KGStore(str(tmp_path / "store"))
    _build(store, folder)
    assert len(calls) == 1
    # One new document in a store of 70 is not worth rewriting the store for.
    (folder / "zz-new.txt").write_text("Moore Threads supplies GPUs to the Wuxi compute centre.\n", "utf-8")
    report = _build(store, folder)
    assert report.documents == 1 and len(calls) == 1
    assert len(store.documents()) == 71
