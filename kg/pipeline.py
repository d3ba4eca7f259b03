"""The pipeline: source file -> quads, and the build loop that writes batches to the store.

`process` runs every stage on one file and returns plain data (the document IRI, its quads as
an N-Quads string and a few counts), so worker processes can run it and hand back results
cheaply; only the parent process writes to the store.
"""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox

from . import __version__
from . import lexicon as lexmod
from .extract import extract
from .graph import doc_iri, doc_quads
from .ingest import IngestError, Source, read_document
from .model import Doc
from .normalise import normalise
from .resolve import add_publisher, resolve

WINDOW_PER_JOB = 64  # finished documents in flight per worker process (see build)
COMPACT_CHARS = 2_000_000  # text built above which the store may be compacted at the end (a few % of the build)
_STAGES = ("ingest.py", "normalise.py", "extract", "resolve.py", "names.py", "graph.py", "model.py", "data/cues.json", "models")


def fingerprint() -> str:
    """Changes whenever the extraction code, the lexicon or the rule word lists change, so an
    unchanged file is skipped only when rebuilding it would give the same quads."""
    h = hashlib.sha256(__version__.encode())
    h.update(lexmod.load().fingerprint.encode())
    pkg = resources.files("kg")
    for name in _STAGES:
        for part in _files(pkg.joinpath(name)):
            h.update(part.read_bytes())
    return h.hexdigest()[:16]


def _files(node) -> list:
    """A resource file, or every file below a resource folder (a stage package, the models), in
    name order; a missing folder counts as empty."""
    if node.is_file():
        return [node]
    if not node.is_dir():
        return []
    out = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name != "__pycache__":
            out += _files(child)
    return out


def run(doc: Doc, lex: lexmod.Lexicon | None = None) -> tuple[Doc, list]:
    """normalise -> extract -> resolve on a `Doc` that ingest produced."""
    lex = lex or lexmod.load()
    normalise(doc)
    extract(doc, lex)
    entities = resolve(doc, lex)
    add_publisher(doc, entities, lex)
    return doc, entities


@dataclass
class Result:
    source: str
    iri: str | None = None
    nquads: str = ""
    chars: int = 0
    entities: int = 0
    relations: int = 0
    error: str | None = None
    content_hash: str | None = None
    cancelled: bool = False  # not processed: the build was interrupted


def process(src: Source, fp: str = "") -> Result:
    """Every stage for one file; errors come back as a one-line message, not an exception."""
    try:
        doc = read_document(src)
        lex = lexmod.load()
        doc, entities = run(doc, lex)
        quads = doc_quads(doc, entities, lex, fp)
    except IngestError as e:
        return Result(str(src.path), error=str(e))
    except RecursionError:
        return Result(str(src.path), error=f"{src.path}: text too deeply nested to process")
    except Exception as e:  # a bug on one odd document must not lose the rest of the batch
        if os.environ.get("KG_DEBUG"):
            raise
        msg = " ".join(str(e).split())[:200]
        return Result(str(src.path), error=f"{src.path}: internal error ({type(e).__name__}: {msg}); please report it")
    nq = "".join(f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n" for q in quads)
    return Result(
        str(src.path), doc_iri(doc.doc_id), nq, len(doc.text), len(entities),
        sum(1 for q in quads if q.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"),
        content_hash=doc.content_hash,
    )


@dataclass
class BuildReport:
    documents: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    chars: int = 0
    entities: int = 0
    relations: int = 0


class BuildInterrupted(KeyboardInterrupt):
    """Ctrl-C during a build: the documents finished so far are written (each whole), the rest
    are left for the next build, which skips the written ones as unchanged."""

    def __init__(self, written: int, left: int) -> None:
        docs = "document" if written == 1 else "documents"
        super().__init__(f"interrupted: {written} {docs} written, {left} left for the next build")
        self.written = written
        self.left = left


def _ignore_sigint() -> None:
    """Pool worker initializer: Ctrl-C reaches the whole process group, but only the parent acts
    on it (it stops the workers), so workers print no tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _parse_nquads(nq: str) -> list[ox.Quad]:
    return list(ox.parse(nq.encode(), format=ox.RdfFormat.N_QUADS)) if nq else []


def build(
    store,
    sources: Iterable[Source],
    jobs: int = 1,
    batch_chars: int | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Extract every source and write the results in batched transactions.

    Unchanged files (same content hash and pipeline fingerprint) are skipped, so adding one
    article to a large store costs about one article.

    Ctrl-C (KeyboardInterrupt) stops the build: the documents already extracted are written,
    each whole, and BuildInterrupted (a KeyboardInterrupt) says how many were written and how
    many are left for the next build."""
    sources = list(sources)
    report = BuildReport()
    written: set[str] = set()  # documents committed to the store (a set: counted once even when written twice)
    batch: list[tuple[str, list[ox.Quad]]] = []
    main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main else None
    try:
        _build(store, sources, jobs, batch_chars, force, progress, report, batch, written)
    except KeyboardInterrupt:
        if main:  # a second Ctrl-C must not cut the last write short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        if batch:  # finished documents not written yet: keep them (writing a document twice is harmless)
            store.replace_documents(batch)
            written.update(iri for iri, _ in batch)
        store.flush()
        left = len(sources) - report.unchanged - len(report.skipped) - len(written)
        raise BuildInterrupted(len(written), max(left, 0)) from None
    finally:
        if main and handler is not None:
            signal.signal(signal.SIGINT, handler)
    return report


def _build(store, sources: list[Source], jobs: int, batch_chars: int | None, force: bool,
           progress: Callable[[str], None] | None, report: BuildReport,
           batch: list[tuple[str, list[ox.Quad]]], written: set[str]) -> None:
    if batch_chars is None:  # N-Quads characters per transaction; $KG_BATCH_CHARS tunes it
        batch_chars = int(os.environ.get("KG_BATCH_CHARS") or 2_000_000)
    fp = fingerprint()
    store.ensure_ontology()
    todo: list[Source] = []
    # Many inputs: every stored state in one scan; a few: one lookup each (the store may be huge).
    hashes = store.document_hashes(fp) if not force and len(sources) >= 64 else None
    for src in sources:
        if not force:
            iri = doc_iri(src.doc_id)
            h, f = (hashes.get(iri), fp) if hashes is not None else store.document_state(iri)
            if h is not None and f == fp and _same_hash(src, h):
                report.unchanged += 1
                if progress:
                    progress(str(src.path))
                continue
        todo.append(src)

    size = 0

    def flush() -> None:
        nonlocal size
        if batch:
            store.replace_documents(batch)
            written.update(iri for iri, _ in batch)
            batch.clear()
            size = 0

    def consume(res: Result) -> None:
        nonlocal size
        if res.cancelled:
            return
        if res.error:
            report.skipped.append(res.error)
        else:
            batch.append((res.iri, _parse_nquads(res.nquads)))
            size += len(res.nquads)
            report.documents += 1
            report.chars += res.chars
            report.entities += res.entities
            report.relations += res.relations
            if size >= batch_chars:
                flush()
        if progress:
            progress(res.source)

    if jobs > 1 and len(todo) > 1:
        import multiprocessing as mp

        # Pool.imap hands out every task at once, so when writing is slower than extracting,
        # finished documents pile up in this process: at most `window` are in flight instead
        # (a few MB; it must stay well above a batch, or workers idle while a batch is written).
        chunk = 4  # tasks per hand-out; the window must hold two hand-outs or the feeder waits forever
        window = threading.Semaphore(max(jobs * WINDOW_PER_JOB, 2 * chunk))
        stop = threading.Event()

        def feed():  # hand-outs of `chunk` documents (imap's own chunks hide its iterator's timeout)
            for i in range(0, len(todo), chunk):
                part = todo[i:i + chunk]
                for _ in part:
                    window.acquire()
                if stop.is_set():  # the build failed: let the pool's feeder thread finish
                    return
                yield [(s, fp) for s in part]

        ctx = mp.get_context("fork")
        cancel = ctx.Event()
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(cancel,)) as pool:
            results = pool.imap(_process_chunk, feed())
            try:
                for part in results:
                    for res in part:
                        window.release()
                        consume(res)
            except BaseException as e:
                # Stop feeding, let the workers answer what they hold (at once: `cancel`) and go
                # idle before the pool is torn down.  Pool.terminate kills workers wherever they
                # are; one killed while it holds the result queue's lock hangs the pool for good.
                keep = isinstance(e, KeyboardInterrupt)
                if keep and threading.current_thread() is threading.main_thread():
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # build() restores it
                cancel.set()
                stop.set()
                window.release(len(todo))
                if not _drain(results, consume if keep else None):
                    for proc in getattr(pool, "_pool", []):  # a worker stuck on one document
                        proc.kill()
                raise
            finally:
                stop.set()
                window.release(len(todo))
    else:
        for src in todo:
            consume(process(src, fp))
    flush()
    # Compaction rewrites the whole store: worth it when this build wrote a good part of it.
    if report.chars >= COMPACT_CHARS and report.documents * 4 >= len(store.documents()):
        store.compact()
    else:
        store.flush()


DRAIN_SECONDS = 60  # after Ctrl-C, time the workers get to finish the document each holds

_cancel = None  # in a worker: the build's "stop now" event


def _init_worker(cancel) -> None:
    global _cancel
    _cancel = cancel
    _ignore_sigint()


def _process_chunk(part: list[tuple[Source, str]]) -> list[Result]:
    return [Result(str(src.path), cancelled=True) if _cancel is not None and _cancel.is_set() else process(src, fp)
            for src, fp in part]


def _drain(results, consume: Callable[[Result], None] | None) -> bool:
    """Take the pool's remaining results (consuming the finished ones when `consume` is given);
    False when the workers have not answered within DRAIN_SECONDS."""
    import multiprocessing as mp
    import time

    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        try:
            part = results.next(timeout=max(0.1, deadline - time.monotonic()))
        except StopIteration:
            return True
        except mp.TimeoutError:
            return False
        for res in part:
            if consume is not None and not res.cancelled:
                consume(res)


def _same_hash(src: Source, stored: str) -> bool:
    from .ingest import MAX_BYTES

    try:  # non-blocking open, then fstat: a FIFO or device where a file used to be must not block
        fd = os.open(src.path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return False
        data = os.read(fd, st.st_size + 1)
        while len(data) <= st.st_size and (more := os.read(fd, st.st_size + 1 - len(data))):
            data += more  # short reads
        return hashlib.sha256(data).hexdigest() == stored
    except OSError:
        return False
    finally:
        os.close(fd)
