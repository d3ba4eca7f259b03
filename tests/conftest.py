"""Shared fixtures: the project's own articles and a store built from them; paths to the shared
corpus, gold and datasets (../shared, present in CI, absent from a plain clone) and a seed store.

Tests that need ../shared call `require_shared()` (or carry `@pytest.mark.shared`): without it
they skip, all with the one reason NO_SHARED.  Everything else uses the project's own articles:
examples/ and tests/articles/ (`project_store`).
"""

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
DATASETS = SHARED / "datasets"
HAVE_SHARED = SEED.exists()
NO_SHARED = "needs ../shared (seed article, gold, datasets): absent from a plain clone, present in CI"

EXAMPLES = ROOT / "examples"
ARTICLES = ROOT / "tests" / "articles"
# The project's own articles: the six examples and the short test articles (three scripts).
PROJECT_ARTICLES = [EXAMPLES, *sorted(ARTICLES.glob("*.txt"))]
# One article of our own in traditional script with site junk around the body, where a test
# needs "an article" and not the seed in particular.
PROJECT_ARTICLE = EXAMPLES / "jincheng-accelink-cpo-2025-09-11.zh-Hant.txt"


def require_shared() -> None:
    """Skip the calling test or fixture, with the one reason NO_SHARED, when ../shared is absent."""
    if not HAVE_SHARED:
        pytest.skip(NO_SHARED)


def pytest_report_header(config):
    return f"../shared: {'present' if HAVE_SHARED else 'absent: tests that need it skip (' + NO_SHARED + ')'}"


@pytest.fixture(autouse=True)
def _shared_marker(request):
    if request.node.get_closest_marker("shared"):
        require_shared()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Every skip for want of ../shared points at require_shared(), so `-rs` folds them into one line."""
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and isinstance(rep.longrepr, tuple) and rep.longrepr[2].endswith(NO_SHARED):
        rep.longrepr = (__file__, require_shared.__code__.co_firstlineno, rep.longrepr[2])


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
    require_shared()
    d = tmp_path_factory.mktemp("seed") / "store"
    store = build_store([SEED], d)
    yield store


@pytest.fixture(scope="session")
def project_store_path(tmp_path_factory) -> Path:
    """A store built from the project's own articles (PROJECT_ARTICLES), closed after the build:
    open it read-only (`KGStore(str(path), read_only=True, create=False)`) or copy it."""
    d = tmp_path_factory.mktemp("project") / "store"
    store = build_store(PROJECT_ARTICLES, d)
    store.flush()
    del store
    gc.collect()
    return d


@pytest.fixture(scope="session")
def project_store(project_store_path):
    """The project's own articles as a read-only store (see project_store_path)."""
    from kg.store import KGStore

    return KGStore(str(project_store_path), read_only=True, create=False)


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


def http_request(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                 timeout: float = 30):
    """One raw request to a running kg server (the path goes out exactly as given); returns
    (status, headers with lower-case names, body)."""
    import http.client

    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a child server, killing it if it does not go within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
