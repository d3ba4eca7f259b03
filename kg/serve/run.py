"""Running queries for the endpoint: worker threads, the time limit, the row cap, streaming.

Each query runs on its own daemon thread (pyoxigraph releases the GIL while it evaluates, and
its results must be read on the thread that made them).  The worker serialises straight into
the negotiated format and hands the bytes to the event loop in chunks of 64 kB; the request
handler answers with one body (and a Content-Length) when the result ends within the first
STREAM_AFTER bytes, and streams it (chunked) beyond, so a large result never sits in memory.

Limits:
- the time limit: the handler stops waiting at the deadline and answers 503.  A worker that is
  still writing stops at the deadline by itself; one inside a single native call (an aggregate,
  ORDER BY, a join with no output yet) cannot be interrupted and keeps its slot until it ends.
  At most `max_queries` workers exist at once, abandoned ones included: a request that finds no
  free slot within `queue_wait` gets 503 with Retry-After, and everything else (pages, service
  description, answers already computed) is still served by the event loop.
- the row cap: rows are counted in the serialised output (lines of TSV/CSV/N-Triples, `<result>`
  of XML, solution objects of JSON); past `max_rows` the query fails with 422 when nothing has
  been sent yet, and the streamed response is cut (no final chunk: clients see an incomplete
  body, never a clean partial answer) when the result only trips it past STREAM_AFTER bytes.
- a client that reads slowly holds back the worker (at most IN_FLIGHT chunks wait), bounded by
  the deadline.
"""

from __future__ import annotations

import asyncio
import io
import re
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable

import pyoxigraph as ox

from .base import HTTPFail, ServeConfig, one_line
from .negotiate import GRAPH_FORMATS, RESULT_FORMATS, choose_format

CHUNK = 64 << 10
STREAM_AFTER = 256 << 10  # bytes buffered before the answer is streamed
IN_FLIGHT = 8  # chunks a worker may have waiting for a slow client


class _Tripped(Exception):
    """Raised inside pyoxigraph's serialisation to stop it (row cap, deadline, client gone)."""


class Job:
    """One worker thread and the queue its output comes back on."""

    def __init__(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        self.loop = loop
        self.deadline = deadline
        self.queue: asyncio.Queue = asyncio.Queue()
        self.credit = threading.Semaphore(IN_FLIGHT)
        self.cancelled = False

    # --- worker side ---------------------------------------------------------------------------

    def post(self, kind: str, value=None) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, value))
        except RuntimeError:  # the event loop is gone (server stopped)
            self.cancelled = True

    def push(self, data: bytes) -> None:
        """Hand a chunk over, waiting for the client while it lags (never past the deadline)."""
        if not self.credit.acquire(timeout=max(0.0, self.deadline - time.monotonic())):
            raise _Tripped("time")
        self.post("data", data)

    # --- event loop side -----------------------------------------------------------------------

    async def next(self) -> tuple[str, object]:
        left = self.deadline - time.monotonic()
        try:
            return await asyncio.wait_for(self.queue.get(), timeout=max(left, 0.001))
        except TimeoutError:
            self.cancelled = True
            raise HTTPFail(503, "time-limit") from None


class QuerySlots:
    """At most `size` workers at once, each on its own daemon thread (not a pool: an abandoned
    native call must not hold up later queries, and daemon threads let Ctrl-C stop the server)."""

    def __init__(self, size: int, wait: float = 2.0, quiet: bool = False) -> None:
        self.size = size
        self.wait = wait
        self.quiet = quiet
        self._sem = threading.Semaphore(size)
        self._lock = threading.Lock()
        self.active = 0

    async def start(self, work: Callable[[Job], None], timeout: float) -> Job:
        """Take a slot (waiting up to `wait` seconds) and start `work(job)` on a new thread."""
        end = time.monotonic() + self.wait
        while not self._sem.acquire(blocking=False):
            if time.monotonic() >= end:
                raise HTTPFail(503, f"server busy: all {self.size} query slots are in use; try again later",
                               {"Retry-After": "2"})
            await asyncio.sleep(0.01)
        with self._lock:
            self.active += 1
        job = Job(asyncio.get_running_loop(), time.monotonic() + timeout)

        def run() -> None:
            try:
                work(job)
            except HTTPFail as e:
                job.post("error", HTTPFail(e.status, e.message, e.headers))
            except Exception as e:  # a bug: one line to the client, the story to the log
                if not self.quiet:
                    traceback.print_exc(file=sys.stderr)
                job.post("error", HTTPFail(500, f"internal error: {one_line(e)}"))
            finally:
                with self._lock:
                    self.active -= 1
                self._sem.release()

        try:
            threading.Thread(target=run, name="kg-query", daemon=True).start()
        except RuntimeError:  # no thread to be had: give the slot back
            with self._lock:
                self.active -= 1
            self._sem.release()
            raise HTTPFail(503, "server busy: cannot start a worker; try again later", {"Retry-After": "2"}) from None
        return job


# --- counting rows in serialised output -------------------------------------------------------

# A JSON solution starts with `{"` (or `{}` when no variable is bound) right after `[` or `,`;
# inside a string a quote is escaped, so `,{"` never occurs there (a literal holding `,{}` counts
# as a row too much: the cap errs towards refusing, never towards truncating).
_ROW_MARK = {"json": (re.compile(rb'[\[,]\{["}]'), 2), "xml": (re.compile(rb"<result>"), 7)}  # (mark, length - 1)


class _Sink(io.RawIOBase):
    """pyoxigraph's write target: counts rows, checks the deadline, hands chunks to the job."""

    def __init__(self, job: Job, marker: tuple[re.Pattern[bytes], int] | None, max_rows: int,
                 keep: bool = False) -> None:
        super().__init__()
        self.job, self.max_rows, self.keep = job, max_rows, keep
        self.marker, self.overlap = marker or (None, 0)
        self.rows = 0
        self.tail = b""
        self.buf = bytearray()
        self.tripped: str | None = None

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        data = bytes(b)
        if self.marker is None:
            self.rows += data.count(b"\n")
        else:
            both = self.tail + data
            self.rows += len(self.marker.findall(both))
            self.tail = both[-self.overlap:]  # a mark split across two writes is counted once
        if self.rows > self.max_rows:
            self.tripped = "rows"
            raise _Tripped("rows")
        if self.job.cancelled or time.monotonic() > self.job.deadline:
            self.tripped = "time"
            raise _Tripped("time")
        self.buf += data
        if not self.keep and len(self.buf) >= CHUNK:
            self.job.push(bytes(self.buf))
            self.buf.clear()
        return len(data)

    def serialise(self, results, fmt, config: ServeConfig) -> None:
        try:
            results.serialize(self, format=fmt)
        except Exception as e:
            if self.tripped == "rows" or str(e) == "rows":
                raise HTTPFail(422, f"the result has more than {config.max_rows} rows (the server's --max-rows); "
                                    "add a LIMIT or narrow the query") from None
            if self.tripped == "time" or isinstance(e, _Tripped):
                raise HTTPFail(503, "time-limit") from None
            raise HTTPFail(500, f"query failed: {one_line(e)}") from None


def _prefixes() -> dict[str, str]:
    from ..query import KG_PREFIXES

    return KG_PREFIXES


def write_answer(job: Job, results, format_values: list[str], accept: str | None, config: ServeConfig) -> None:
    """Serialise query results into the job (worker thread): head, data chunks, end."""
    if isinstance(results, ox.QueryTriples):
        key = choose_format("graph", format_values, accept)
        media, fmt = GRAPH_FORMATS[key]
        job.post("head", media)
        sink = _Sink(job, None, config.max_rows, keep=key != "ntriples")
        sink.serialise(results, ox.RdfFormat.N_TRIPLES, config)
        if key != "ntriples":  # re-written whole: Turtle with kg's prefixes, JSON-LD, RDF/XML
            try:
                quads = ox.parse(bytes(sink.buf), format=ox.RdfFormat.N_TRIPLES)
                extra = {"prefixes": _prefixes()} if key == "turtle" else {}
                sink.buf = bytearray(ox.serialize(quads, format=fmt, **extra))
            except (OSError, ValueError, SyntaxError) as e:
                raise HTTPFail(406, f"cannot write this result as {key}: {one_line(e)}") from None
    else:
        key = choose_format("results", format_values, accept)
        media, fmt = RESULT_FORMATS[key]
        job.post("head", media)
        if isinstance(results, ox.QueryBoolean):
            job.post("data", results.serialize(format=fmt))
            job.post("end")
            return
        header = 1 if key in ("csv", "tsv") else 0
        sink = _Sink(job, _ROW_MARK.get(key), config.max_rows + header)
        sink.serialise(results, fmt, config)
    if sink.buf:
        job.post("data", bytes(sink.buf))
    job.post("end")


async def collect(job: Job, timeout: float, what: str = "query"):
    """Wait for a job's answer: (media, body) when it ended within STREAM_AFTER bytes, or
    (media, async iterator of chunks) when it streams.  HTTPFail on errors and the deadline."""
    media = None
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            kind, value = await job.next()
            if kind == "head":
                media = value
            elif kind == "data":
                chunks.append(value)
                size += len(value)
                job.credit.release()
                if size >= STREAM_AFTER:
                    return media, _stream(job, chunks)
            elif kind == "end":
                return media, b"".join(chunks)
            else:
                raise value
    except HTTPFail as e:
        if e.message == "time-limit":
            extra = " (it may still be applied)" if what == "update" else ""
            raise HTTPFail(503, f"{what} exceeded the time limit of {timeout:g} s{extra}") from None
        raise


class StreamCut(Exception):
    """A streamed answer that failed after its status went out: the connection is cut."""


async def _stream(job: Job, first: list[bytes]) -> AsyncIterator[bytes]:
    for c in first:
        yield c
    try:
        while True:
            kind, value = await job.next()
            if kind == "data":
                job.credit.release()
                yield value
            elif kind == "end":
                return
            elif kind == "error":
                raise StreamCut(f"answer cut after streaming began: {value.message}")
    except HTTPFail:
        raise StreamCut("answer cut after streaming began: time limit") from None
    finally:
        job.cancelled = True
