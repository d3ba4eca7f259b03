"""Shared fixtures: paths to the shared corpus and gold, and a built seed store."""

from __future__ import annotations

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
