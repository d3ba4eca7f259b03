"""Shared fixtures: paths to the shared corpus and gold, and a built seed store."""

from __future__ import annotations

import gc
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SEED = CORPUS / "wuxi-compute-2025-09-06.zh-Hant.txt"
GOLD = SHARED / "eval" / "wuxi-compute-2025-09-06.gold.json"


def build_store(paths, store_dir, **kw):
    """Build `paths` into a store at `store_dir` with the library API; returns the store."""
    from kg.ingest import iter_sources
    from kg.pipeline import build
    from kg.store import KGStore

    store = KGStore(str(store_dir))
    build(store, list(iter_sources([str(p) for p in paths])), **kw)
    return store


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory):
    d = tmp_path_factory.mktemp("seed") / "store"
    store = build_store([SEED], d)
    yield store


@contextmanager
def running(store, **options):
    """A `kg serve` server over `store` on 127.0.0.1 (free port) in a thread, for one block."""
    from kg.serve import ServeConfig, make_server

    server = make_server(store, "127.0.0.1", 0, ServeConfig(quiet=True, **options))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def read_only(store):
    """Close the writing handle and reopen read-only, as the CLI commands open the store: a
    read-only open beside a live writer in the same process can catch RocksDB mid-compaction."""
    from kg.store import KGStore

    store.flush()
    path = store.path
    del store
    gc.collect()
    return KGStore(path, read_only=True)


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a child server, killing it if it does not go within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
