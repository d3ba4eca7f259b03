"""serve: a SPARQL 1.1 Protocol endpoint over the store (`kg serve`), standard library only.

Routes (exact matches only; no URL path is ever mapped onto the file system):

- `GET /sparql?query=...`, `POST /sparql` with a form (`query=` or `update=`) or with an
  `application/sparql-query` / `application/sparql-update` body.  `GET /sparql` without a query
  answers the service description (sd:Service, Turtle by default).
- `GET /` the graph viewer (`kg.view.render_html(store)`) when that module exists, else the query
  page; `GET /query` the offline query page (kg/static/query.html); `GET /queries.json` the saved
  questions of queries/*.rq.  `OPTIONS` answers CORS preflights; every answer carries
  `Access-Control-Allow-Origin: *`.

Formats: SELECT/ASK give SPARQL Results JSON (default), XML, CSV or TSV; CONSTRUCT/DESCRIBE give
Turtle (default), N-Triples, JSON-LD or RDF/XML.  A `format=` (or `output=`/`results=`) parameter
wins over the Accept header; 406 when nothing asked for fits the query form.

Safety and limits (each settable from the command line):

- Read-only by default: the store is opened read-only and every update is refused with 403.
  With `--allow-update` and a token, an update needs `Authorization: Bearer TOKEN`; a missing or
  wrong token is 403 too.
- SERVICE is refused with 400 unless `--allow-service`.  pyoxigraph 0.5 *does* ship an HTTP
  client and really fetches SERVICE endpoints (and `LOAD <url>` documents), so an open SERVICE
  would let any client make this host send requests to internal addresses.  Detection lexes
  the query: string literals, IRIs, comments and variables are blanked first, then any
  remaining `SERVICE` that could start a keyword is refused (Oxigraph's parser needs no word
  boundary: `SERVICESILENT<x>{}` and `trueSERVICE<x>{}` are SERVICE clauses too).  Only a
  `service` inside a variable name or after the colon of a prefixed name is let through, so
  `"uses SERVICE"` or `schema:serviceType` are fine and a prefix named `service...:` is not.
  `LOAD` in updates is refused the same way.
- `--timeout` seconds per query (default 10): each query runs on its own daemon worker thread;
  the request handler stops waiting at the deadline and answers 503.  A worker that is still
  producing rows stops at the deadline by itself, but Oxigraph cannot be interrupted inside a
  single native call (an aggregate, ORDER BY or a join with no output yet), so an abandoned
  query keeps its thread until it finishes.  Therefore at most `--max-queries` queries (default
  4) run at once, counting abandoned ones; a request that finds no free slot within two seconds (`queue_wait`)
  gets 503 with Retry-After, and the HTTP threads stay free to answer everything else.  Daemon
  threads (not concurrent.futures, whose workers are joined at exit) let Ctrl-C stop the server
  even while a runaway query is still running.  An update that overruns the time limit is
  answered 503 but may still be applied when it finishes.
- `--max-rows` (default 100000) results rows or CONSTRUCT triples: a larger result is never
  truncated silently; the query fails with 422 and a message saying to add LIMIT (clients that
  ignore headers, such as SPARQLWrapper, would otherwise take a partial answer for the whole).
- `--max-body` request bytes (default 1 MiB): 413 beyond; a body without Content-Length is 411.

- At most 64 open client connections (`max_connections`); each idle one is closed after 30 s.

The store is opened read-only unless `--allow-update`.  Oxigraph calls a read-only open while
another process writes the store undefined behaviour, so restart `kg serve` after `kg build`
rather than building into a store that is being served.

Errors are `text/plain` one-liners.  One log line per request goes to stderr (`--quiet` off).
"""

from __future__ import annotations

import hmac
import io
import json
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

STATIC_DIR = Path(__file__).resolve().parent / "static"
QUERY_PAGE = "query.html"


@dataclass
class ServeConfig:
    timeout: float = 10.0
    max_rows: int = 100_000
    max_body: int = 1 << 20
    max_queries: int = 4
    queue_wait: float = 2.0  # seconds a request waits for a free query slot before 503
    max_connections: int = 64  # open client connections (each holds a thread); more get 503 at once
    allow_update: bool = False
    token: str | None = None
    allow_service: bool = False
    quiet: bool = False


class HTTPFail(Exception):
    """An error answer: status and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Answer:
    status: int
    body: bytes
    ctype: str
    headers: dict[str, str] | None = None


def _one_line(msg: object) -> str:
    return " ".join(str(msg).split())


# --- SERVICE / LOAD detection ----------------------------------------------------------------

# Each alternative consumes what it starts in one go (possessive loops; an unterminated string runs
# to the end of its line or of the text, which Oxigraph rejects anyway), so scanning stays linear
# even for hostile input such as a megabyte of `"\"\"\"...` (a backtracking pattern took 19 s on 40 kB).
_BLANK = re.compile(
    r"""
      '''(?:(?:'|'')?(?:[^'\\]|\\.))*+(?:'''|\Z)
    | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*+(?:\"\"\"|\Z)
    | '(?:[^'\\\n\r]|\\.)*+'?
    | "(?:[^"\\\n\r]|\\.)*+"?
    | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>
    | \#[^\n\r]*
    | [?$]\w+
    """,
    re.X | re.S,
)
_RUN = re.compile(r"[\w\-]+")


def blank_sparql(text: str) -> str:
    """The query with string literals, IRIs, comments and variables replaced by spaces."""
    return _BLANK.sub(lambda m: " " * len(m.group(0)), text)


def uses_keyword(sparql: str, keyword: str) -> bool:
    """True when `keyword` may occur as a keyword token (SERVICE, LOAD) in the query or update.

    Oxigraph's parser needs no word boundary around keywords, so any run of name characters that
    contains the word counts, except a prefixed name's local part or a blank node label (a run right
    after `:`); strings, IRIs, comments and variables are blanked first.  Errs towards True."""
    text = blank_sparql(sparql)
    word = keyword.casefold()
    for m in _RUN.finditer(text):
        if word in m.group(0).casefold():
            after_colon = m.start() > 0 and text[m.start() - 1] == ":"
            if not after_colon or m.group(0).startswith("-"):
                return True
    return False


# --- content negotiation ---------------------------------------------------------------------

RESULT_FORMATS = {  # key: (media type, pyoxigraph format)
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}
GRAPH_FORMATS = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
_NAMES = {
    "results": {
        "json": "json", "srj": "json", "application/sparql-results+json": "json", "application/json": "json",
        "xml": "xml", "srx": "xml", "application/sparql-results+xml": "xml", "application/xml": "xml",
        "text/xml": "xml", "csv": "csv", "text/csv": "csv", "tsv": "tsv", "text/tab-separated-values": "tsv",
    },
    "graph": {
        "turtle": "turtle", "ttl": "turtle", "n3": "turtle", "text/turtle": "turtle", "application/turtle": "turtle",
        "application/x-turtle": "turtle", "text/n3": "turtle", "ntriples": "ntriples", "nt": "ntriples",
        "n-triples": "ntriples", "application/n-triples": "ntriples", "text/plain": "ntriples",
        "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld", "application/ld+json": "jsonld",
        "application/x-json+ld": "jsonld", "application/json": "jsonld", "rdfxml": "rdfxml", "rdf+xml": "rdfxml",
        "rdf": "rdfxml", "xml": "rdfxml", "application/rdf+xml": "rdfxml", "application/xml": "rdfxml",
        "text/xml": "rdfxml",
    },
}
_DEFAULT = {"results": "json", "graph": "turtle"}


def choose_format(kind: str, format_values: list[str], accept: str | None) -> str:
    """The format key for a result kind ('results' or 'graph'); HTTPFail(406) when none fits."""
    names = _NAMES[kind]
    tables = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
    offered = ", ".join(tables)
    tokens = [t.split(";")[0].strip().lower() for v in format_values for t in v.split(",") if t.strip()]
    if tokens:
        for t in tokens:
            if t in names:
                return names[t]
        raise HTTPFail(406, f"format {', '.join(tokens)!s} is not available for this query form; use one of {offered}")
    if not accept or not accept.strip():
        return _DEFAULT[kind]
    ranges = []
    for n, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mime, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if mime and q > 0:
            specific = 2 if mime == "*/*" else 1 if mime.endswith("/*") else 0
            ranges.append((-q, specific, n, mime))
    for *_, mime in sorted(ranges):
        if mime in names:
            return names[mime]
        if mime == "*/*":
            return _DEFAULT[kind]
        if mime.endswith("/*"):
            for key, (media, _) in tables.items():
                if media.startswith(mime[:-1]):
                    return key
    media = ", ".join(m for m, _ in tables.values())
    raise HTTPFail(406, f"cannot answer with {accept!r} for this query form; acceptable: {media}")


# --- running queries ------------------------------------------------------------------------


class _Tripped(Exception):
    pass


class _LineCounter(io.RawIOBase):
    """A write target for pyoxigraph that stops the serialisation past a line count or deadline."""

    def __init__(self, max_lines: int, deadline: float) -> None:
        super().__init__()
        self.buf = io.BytesIO()
        self.lines = 0
        self.max_lines = max_lines
        self.deadline = deadline
        self.tripped: str | None = None

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.lines += bytes(b).count(b"\n")
        if self.lines > self.max_lines:
            self.tripped = "rows"
            raise _Tripped("rows")
        if time.monotonic() > self.deadline:
            self.tripped = "time"
            raise _Tripped("time")
        return self.buf.write(b)


def _prefixes() -> dict[str, str]:
    try:
        from .graph import PREFIXES

        return dict(PREFIXES)
    except Exception:  # pragma: no cover - the prefixes are cosmetic
        return {}


def _capped(results, fmt, max_lines: int, deadline: float, max_rows: int, timeout: float) -> bytes:
    sink = _LineCounter(max_lines, deadline)
    try:
        results.serialize(sink, format=fmt)
    except Exception as e:
        if sink.tripped == "rows":
            raise HTTPFail(422, f"the result has more than {max_rows} rows (the server's --max-rows); "
                                "add a LIMIT or narrow the query") from None
        if sink.tripped == "time":
            raise HTTPFail(503, f"query exceeded the time limit of {timeout:g} s") from None
        raise HTTPFail(500, f"query failed: {_one_line(e)}") from None
    return sink.buf.getvalue()


def answer_query(store, sparql: str, format_values: list[str], accept: str | None,
                 config: ServeConfig, deadline: float) -> Answer:
    """Run a query and serialise it (must run on one thread: pyoxigraph results are unsendable)."""
    try:
        results = store.query(sparql)
    except SyntaxError as e:
        raise HTTPFail(400, f"invalid SPARQL: {_one_line(e)}") from None
    except (OSError, ValueError, RuntimeError) as e:
        raise HTTPFail(500, f"query failed: {_one_line(e)}") from None
    if isinstance(results, ox.QueryTriples):
        key = choose_format("graph", format_values, accept)
        media, fmt = GRAPH_FORMATS[key]
        nt = _capped(results, ox.RdfFormat.N_TRIPLES, config.max_rows, deadline, config.max_rows, config.timeout)
        if key == "ntriples":
            body = nt
        else:
            try:
                quads = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
                if key == "turtle":
                    body = ox.serialize(quads, format=fmt, prefixes=_prefixes())
                else:
                    body = ox.serialize(quads, format=fmt)
            except (OSError, ValueError, SyntaxError) as e:
                raise HTTPFail(406, f"cannot write this result as {key}: {_one_line(e)}") from None
    else:
        key = choose_format("results", format_values, accept)
        media, fmt = RESULT_FORMATS[key]
        if isinstance(results, ox.QueryBoolean):
            body = results.serialize(format=fmt)
        else:
            # TSV puts one solution on each line, so counting lines caps the rows while streaming.
            tsv = _capped(results, ox.QueryResultsFormat.TSV, config.max_rows + 1, deadline, config.max_rows,
                          config.timeout)
            if key == "tsv":
                body = tsv
            else:
                body = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)
    if media.startswith("text/") or media.endswith("json"):
        media += "; charset=utf-8"
    return Answer(200, body, media, {"Vary": "Accept"})


def answer_update(store, sparql: str) -> Answer:
    run = store.update
    try:
        run(sparql)
    except SyntaxError as e:
        raise HTTPFail(400, f"invalid SPARQL update: {_one_line(e)}") from None
    except (OSError, ValueError, RuntimeError) as e:
        raise HTTPFail(500, f"update failed: {_one_line(e)}") from None
    return Answer(204, b"", "text/plain; charset=utf-8")


class QuerySlots:
    """At most `size` workers at once; each runs on its own daemon thread, waited on until a deadline."""

    def __init__(self, size: int, wait: float = 2.0, quiet: bool = False) -> None:
        self.size = size
        self.quiet = quiet
        self.wait = wait
        self._sem = threading.Semaphore(size)
        self._lock = threading.Lock()
        self.active = 0

    def run(self, fn, timeout: float, what: str = "query"):
        if not self._sem.acquire(timeout=self.wait):
            raise HTTPFail(503, f"server busy: all {self.size} query slots are in use; try again later",
                           {"Retry-After": "2"})
        with self._lock:
            self.active += 1
        deadline = time.monotonic() + timeout
        box: dict = {}
        done = threading.Event()

        def work() -> None:
            # Only plain data crosses back to the request thread: a traceback would carry the
            # worker's frames, and pyoxigraph results must be dropped on the thread that made them.
            try:
                box["value"] = fn(deadline)
            except HTTPFail as e:
                box["error"] = HTTPFail(e.status, e.message, e.headers)
            except Exception as e:
                if not self.quiet:
                    traceback.print_exc(file=sys.stderr)
                box["error"] = HTTPFail(500, f"internal error: {_one_line(e)}")
            finally:
                with self._lock:
                    self.active -= 1
                self._sem.release()
                done.set()

        try:
            threading.Thread(target=work, name=f"kg-{what}", daemon=True).start()
        except RuntimeError:  # no thread to be had: give the slot back
            with self._lock:
                self.active -= 1
            self._sem.release()
            raise HTTPFail(503, "server busy: cannot start a worker; try again later", {"Retry-After": "2"}) from None
        if not done.wait(timeout):
            extra = " (it may still be applied)" if what == "update" else ""
            raise HTTPFail(503, f"{what} exceeded the time limit of {timeout:g} s{extra}")
        if "error" in box:
            raise box["error"]
        return box["value"]


# --- service description ---------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def service_description(endpoint: str, config: ServeConfig, fmt_key: str) -> bytes:
    svc = ox.BlankNode("service")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    triples = [ox.Triple(svc, rdf_type, sd("Service")), ox.Triple(svc, sd("endpoint"), ox.NamedNode(endpoint)),
               ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph"))]
    if config.allow_update:
        triples.append(ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Update")))
    if config.allow_service:
        triples.append(ox.Triple(svc, sd("feature"), sd("BasicFederatedQuery")))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(svc, sd("resultFormat"), ox.NamedNode(FORMATS_NS + f)))
    fmt = GRAPH_FORMATS[fmt_key][1]
    if fmt == ox.RdfFormat.TURTLE:
        return ox.serialize(triples, format=fmt, prefixes={"sd": SD, "format": FORMATS_NS})
    return ox.serialize(triples, format=fmt)


# --- static pages ----------------------------------------------------------------------------


def query_page() -> bytes:
    return (STATIC_DIR / QUERY_PAGE).read_bytes()


def saved_queries_json() -> bytes:
    from .query import saved_queries

    out = []
    for name, (path, what) in saved_queries().items():
        try:
            out.append({"name": name, "title": what, "query": path.read_text("utf-8")})
        except (OSError, UnicodeDecodeError):
            continue
    return json.dumps(out, ensure_ascii=False).encode("utf-8")


def _viewer():
    """kg.view.render_html when that module exists, else None (then / serves the query page)."""
    try:
        from . import view
    except ModuleNotFoundError as e:
        if e.name in ("kg.view", f"{__package__}.view"):
            return None
        raise
    return getattr(view, "render_html", None)


def _render_view(render, store, qs: str) -> str:
    """The viewer with the page's own options (focus, lang, depth); never a free SPARQL query, which
    would bypass the SERVICE check."""
    params = _parse_params(qs)
    options: dict = {}
    for name in ("focus", "lang"):
        if params.get(name):
            options[name] = params[name][0]
    if params.get("depth"):
        try:
            options["depth"] = max(0, min(int(params["depth"][0]), 6))
        except ValueError:
            raise HTTPFail(400, "depth must be a whole number") from None
    try:
        return render(store, **options)
    except Exception as e:
        if type(e).__name__ == "ViewError":
            raise HTTPFail(400, _one_line(e)) from None
        raise


# --- HTTP ------------------------------------------------------------------------------------

_PAGE_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
             "img-src data:; base-uri 'none'; form-action 'none'")
_HOST = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
_CTRL = re.compile(r"[\x00-\x1f\x7f]")
_FORMAT_PARAMS = ("format", "output", "results")


class KGRequestHandler(BaseHTTPRequestHandler):
    server_version = "kg-serve"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send a request; frees threads held by idle sockets
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall
    server: KGServer

    def version_string(self) -> str:
        return self.server_version

    # --- logging ---------------------------------------------------------------------------

    def handle_one_request(self) -> None:
        self._t0 = time.monotonic()
        self._code = None
        self._size = 0
        try:
            super().handle_one_request()
        finally:
            if self._code is not None and not self.server.config.quiet:
                line = _CTRL.sub("?", self.requestline)
                if len(line) > 200:
                    line = line[:197] + "..."
                ms = (time.monotonic() - self._t0) * 1000
                sys.stderr.write(f"{self.client_address[0]} \"{line}\" {self._code} {self._size} {ms:.0f}ms\n")
                sys.stderr.flush()

    def log_request(self, code="-", size="-") -> None:
        self._code = getattr(code, "value", code)

    def log_error(self, format, *args) -> None:  # the request line is logged with its status
        pass

    # --- responses -------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("X-Content-Type-Options", "nosniff")
        if status != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status != 204:
            self.wfile.write(body)
        self._size = len(body)

    def _fail(self, e: HTTPFail) -> None:
        self._send(e.status, (e.message + "\n").encode("utf-8"), "text/plain; charset=utf-8", e.headers)

    def _dispatch(self, method) -> None:
        try:
            method()
        except HTTPFail as e:
            self._fail(e)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # one line to the client, the full story to the log
            self.close_connection = True
            if not self.server.config.quiet:
                traceback.print_exc(file=sys.stderr)
            try:
                self._fail(HTTPFail(500, f"internal error: {_one_line(e)}"))
            except OSError:
                pass

    def do_GET(self) -> None:
        self._dispatch(self._get)

    def do_HEAD(self) -> None:
        self._dispatch(self._get)

    def do_POST(self) -> None:
        self._dispatch(self._post)

    def do_OPTIONS(self) -> None:
        self._dispatch(self._options)

    # --- requests --------------------------------------------------------------------------

    def _route(self) -> tuple[str, str]:
        parts = urlsplit(self.path)
        return parts.path, parts.query

    def _options(self) -> None:
        path, _ = self._route()
        if path not in ("/sparql", "/", "/query", "/queries.json"):
            raise HTTPFail(404, "not found")
        methods = "GET, POST, OPTIONS" if path == "/sparql" else "GET, OPTIONS"
        self._send(204, b"", "", {
            "Allow": methods, "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": "Content-Type, Accept, Authorization",
            "Access-Control-Max-Age": "86400",
        })

    def _get(self) -> None:
        path, qs = self._route()
        if path == "/sparql":
            self._sparql(_parse_params(qs), post=False)
        elif path == "/query":
            self._page(query_page())
        elif path == "/":
            render = _viewer()
            if render is None:
                self._page(query_page())
            else:
                html = self.server.slots.run(lambda _deadline: _render_view(render, self.server.store, qs),
                                             self.server.config.timeout, "page")
                self._send(200, html.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/queries.json":
            self._send(200, saved_queries_json(), "application/json; charset=utf-8")
        else:
            raise HTTPFail(404, "not found")

    def _page(self, html: bytes) -> None:
        self._send(200, html, "text/html; charset=utf-8", {"Content-Security-Policy": _PAGE_CSP})

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            raise HTTPFail(411, "send the request body with a Content-Length (chunked bodies are not accepted)")
        raw = self.headers.get("Content-Length")
        if raw is None:
            self.close_connection = True
            raise HTTPFail(411, "a POST request needs a Content-Length")
        try:
            length = int(raw)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise HTTPFail(400, "bad Content-Length") from None
        limit = self.server.config.max_body
        if length > limit:
            self.close_connection = True
            self._drain(length)
            raise HTTPFail(413, f"request body of {length} bytes is larger than the limit of {limit} bytes (--max-body)")
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            raise HTTPFail(400, "request body shorter than its Content-Length")
        return body

    def _drain(self, length: int) -> None:
        """Read (and drop) a refused body so the client sees the 413 instead of a reset connection."""
        left = min(length, 16 * self.server.config.max_body, 64 << 20)
        try:
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def handle_expect_100(self) -> bool:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > self.server.config.max_body:
            self.close_connection = True
            self._fail(HTTPFail(413, f"request body of {length} bytes is larger than the limit of "
                                     f"{self.server.config.max_body} bytes (--max-body)"))
            return False
        return super().handle_expect_100()

    def _post(self) -> None:
        path, qs = self._route()
        if path != "/sparql":
            self._read_body()
            if path in ("/", "/query", "/queries.json"):
                raise HTTPFail(405, "this page only answers GET", {"Allow": "GET, OPTIONS"})
            raise HTTPFail(404, "not found")
        params = _parse_params(qs)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        charset = _charset(self.headers.get("Content-Type") or "")
        body = self._read_body()
        if ctype == "application/x-www-form-urlencoded":
            form = _parse_params(_decode(body, charset))
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            if "query" in params or "update" in params:
                raise HTTPFail(400, "the query is the request body; do not also pass query= or update=")
            params["query"] = [_decode(body, charset)]
        elif ctype == "application/sparql-update":
            if "query" in params or "update" in params:
                raise HTTPFail(400, "the update is the request body; do not also pass query= or update=")
            params["update"] = [_decode(body, charset)]
        else:
            raise HTTPFail(415, "POST a form (application/x-www-form-urlencoded), application/sparql-query "
                                "or application/sparql-update")
        self._sparql(params, post=True)

    def _sparql(self, params: dict[str, list[str]], post: bool) -> None:
        server = self.server
        config = server.config
        queries, updates = params.get("query", []), params.get("update", [])
        if queries and updates:
            raise HTTPFail(400, "give either query= or update=, not both")
        if len(queries) > 1 or len(updates) > 1:
            raise HTTPFail(400, "give exactly one query= or update=")
        if "default-graph-uri" in params or "named-graph-uri" in params or "using-graph-uri" in params \
                or "using-named-graph-uri" in params:
            raise HTTPFail(400, "default-graph-uri/named-graph-uri are not supported: the default graph is the "
                                "union of all graphs; use GRAPH or FROM in the query")
        format_values = [v for k in _FORMAT_PARAMS for v in params.get(k, [])]
        if updates:
            if not post:
                raise HTTPFail(405, "updates must be sent with POST", {"Allow": "POST"})
            self._update(updates[0])
            return
        if not queries:
            try:
                key = choose_format("graph", format_values, self.headers.get("Accept"))
            except HTTPFail:
                key = "turtle"
            body = service_description(self._endpoint(), config, key)
            media = GRAPH_FORMATS[key][0]
            self._send(200, body, media + ("; charset=utf-8" if media.startswith("text/") else ""), {"Vary": "Accept"})
            return
        sparql = queries[0]
        if not sparql.strip():
            raise HTTPFail(400, "empty query")
        if not config.allow_service and uses_keyword(sparql, "SERVICE"):
            raise HTTPFail(400, "SERVICE (federated query) is disabled on this endpoint "
                                "(start kg serve with --allow-service to allow it)")
        accept = self.headers.get("Accept")
        ans = server.slots.run(
            lambda deadline: answer_query(server.store, sparql, format_values, accept, config, deadline),
            config.timeout,
        )
        self._send(ans.status, ans.body, ans.ctype, ans.headers)

    def _update(self, sparql: str) -> None:
        server = self.server
        config = server.config
        if not config.allow_update or not config.token:
            raise HTTPFail(403, "updates are disabled on this endpoint (start kg serve with --allow-update "
                                "and --token)")
        auth = self.headers.get("Authorization") or ""
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), config.token.encode()):
            raise HTTPFail(403, "update refused: missing or wrong bearer token")
        if not sparql.strip():
            raise HTTPFail(400, "empty update")
        if not config.allow_service:
            for kw in ("SERVICE", "LOAD"):
                if uses_keyword(sparql, kw):
                    raise HTTPFail(400, f"{kw} is disabled on this endpoint (it fetches remote URLs; "
                                        "start kg serve with --allow-service to allow it)")
        ans = server.slots.run(lambda _deadline: answer_update(server.store, sparql), config.timeout, "update")
        self._send(ans.status, ans.body, ans.ctype, ans.headers)

    def _endpoint(self) -> str:
        host = self.headers.get("Host") or ""
        if not _HOST.fullmatch(host):
            h, p = self.server.server_address[:2]
            host = f"[{h}]:{p}" if ":" in h else f"{h}:{p}"
        return f"http://{host}/sparql"


def _parse_params(qs: str) -> dict[str, list[str]]:
    try:
        return parse_qs(qs, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=100)
    except UnicodeDecodeError:
        raise HTTPFail(400, "parameters are not valid UTF-8") from None
    except ValueError as e:
        raise HTTPFail(400, f"bad parameters: {_one_line(e)}") from None


def _charset(content_type: str) -> str:
    m = re.search(r";\s*charset\s*=\s*\"?([A-Za-z0-9_\-]+)", content_type, re.I)
    return m.group(1).lower() if m else "utf-8"


def _decode(body: bytes, charset: str) -> str:
    if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise HTTPFail(415, f"charset {charset} is not supported; send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPFail(400, "request body is not valid UTF-8") from None


class KGServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, store, config: ServeConfig) -> None:
        import socket

        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, KGRequestHandler)
        self.store = store
        self.config = config
        self.slots = QuerySlots(config.max_queries, config.queue_wait, config.quiet)
        self._connections = threading.Semaphore(config.max_connections)

    def process_request(self, request, client_address) -> None:
        if not self._connections.acquire(blocking=False):
            try:
                msg = b"too many open connections; try again later\n"
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Access-Control-Allow-Origin: *\r\nRetry-After: 2\r\nConnection: close\r\n"
                                b"Content-Length: %d\r\n\r\n%s" % (len(msg), msg))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}/"

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or self.config.quiet:
            return
        super().handle_error(request, client_address)


def make_server(store, host: str = "127.0.0.1", port: int = 7878, config: ServeConfig | None = None) -> KGServer:
    """A ready (bound, not yet serving) server; call serve_forever() on it, shutdown() to stop."""
    return KGServer((host, port), store, config or ServeConfig())
