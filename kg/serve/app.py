"""The endpoint's HTTP layer: a Starlette application (served by uvicorn, see kg.serve.server).

Routes are exact paths; no URL is ever mapped onto the file system.  `/sparql` speaks the SPARQL
1.1 Protocol (GET, POST form, POST direct; dataset parameters; the service description on a
bare GET), `/query` is the offline query page, `/queries.json` the saved questions and `/` the
graph viewer.  Every answer, errors included, carries `Access-Control-Allow-Origin: *` (no
credentials) and errors are one line of text/plain; a CORS preflight is answered with the
headers the browser asked for, so clients that add their own headers (YASGUI) work.
"""

from __future__ import annotations

import hmac
import re
import sys
import time
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route, Router

from ..query import KG_PREFIXES, run_query
from .base import HTTPFail, ServeConfig, one_line
from .describe import query_page, render_view, saved_queries_json, service_description, viewer
from .negotiate import GRAPH_FORMATS, choose_format
from .run import Job, collect, write_answer
from .text import add_using, short_syntax_error, update_declares_dataset, uses_keyword

PAGE_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src data:; base-uri 'none'; form-action 'none'")
SPARQL_METHODS = "GET, HEAD, POST, OPTIONS"
PAGE_METHODS = "GET, HEAD, OPTIONS"
FORMAT_PARAMS = ("format", "output", "results")
_HOST = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
_CTRL = re.compile(r"[\x00-\x1f\x7f]")


def _response(body, headers: dict[str, str]) -> Response:
    """200 with the whole body (Content-Length) or streamed (chunked) when collect() streams it."""
    if isinstance(body, bytes):
        return Response(body, 200, headers=headers)
    return StreamingResponse(body, 200, headers=headers)


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response((message + "\n").encode("utf-8"), status, headers={
        "content-type": "text/plain; charset=utf-8", **(headers or {})})


def parse_params(qs: str) -> dict[str, list[str]]:
    try:
        return parse_qs(qs, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=100)
    except UnicodeDecodeError:
        raise HTTPFail(400, "parameters are not valid UTF-8") from None
    except ValueError as e:
        raise HTTPFail(400, f"bad parameters: {one_line(e)}") from None


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


async def _drain(request: Request, left: int) -> None:
    """Read (and drop) a refused body, so a client that sends it all before reading the answer
    sees the 413 rather than a reset connection.  With `Expect: 100-continue` nothing is read:
    uvicorn then never asks for the body."""
    async for chunk in request.stream():
        left -= len(chunk)
        if left <= 0:
            break


def _iris(params: dict[str, list[str]], name: str) -> list[str]:
    import pyoxigraph as ox

    out = []
    for value in params.get(name, []):
        try:
            out.append(ox.NamedNode(value).value)
        except ValueError:
            raise HTTPFail(400, f"{name}: {value[:200]!r} is not an absolute IRI") from None
    return out


class Endpoint:
    """The request handlers of one server (its store, slots and settings)."""

    def __init__(self, server) -> None:
        self.server = server
        self.config: ServeConfig = server.config

    # --- helpers -------------------------------------------------------------------------------

    def endpoint_url(self, request: Request) -> str:
        """This endpoint's URL as the client addressed it: the base IRI of queries and updates."""
        host = request.headers.get("host") or ""
        if not _HOST.fullmatch(host):
            h, p = self.server.server_address[:2]
            host = f"[{h}]:{p}" if ":" in h else f"{h}:{p}"
        return f"http://{host}/sparql"

    async def read_body(self, request: Request) -> bytes:
        limit = self.config.max_body
        raw = request.headers.get("content-length")
        if raw is not None:
            try:
                length = int(raw)
            except ValueError:
                raise HTTPFail(400, "bad Content-Length") from None
            if length > limit:
                if "100-continue" not in (request.headers.get("expect") or "").lower():
                    await _drain(request, min(length, 16 * limit, 64 << 20))
                raise HTTPFail(413, f"request body of {length} bytes is larger than the limit of {limit} bytes "
                                    "(--max-body)", {"Connection": "close"})
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise HTTPFail(413, f"request body larger than the limit of {limit} bytes (--max-body)",
                               {"Connection": "close"})
        return bytes(body)

    # --- routes --------------------------------------------------------------------------------

    async def sparql(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            return await self.protocol(request, parse_params(request.url.query), post=False)
        return await self.post(request)

    async def post(self, request: Request) -> Response:
        params = parse_params(request.url.query)
        content_type = request.headers.get("content-type") or ""
        ctype = content_type.split(";")[0].strip().lower()
        charset = _charset(content_type)
        if ctype not in ("application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update"):
            raise HTTPFail(415, "POST a form (application/x-www-form-urlencoded), application/sparql-query "
                                "or application/sparql-update")
        body = await self.read_body(request)
        if ctype == "application/x-www-form-urlencoded":
            for k, v in parse_params(_decode(body, charset)).items():
                params.setdefault(k, []).extend(v)
            if not params.get("query") and not params.get("update"):
                raise HTTPFail(400, "the form has no query= or update=")
        else:
            if "query" in params or "update" in params:
                raise HTTPFail(400, "the query is the request body; do not also pass query= or update=")
            params["query" if ctype == "application/sparql-query" else "update"] = [_decode(body, charset)]
        return await self.protocol(request, params, post=True)

    async def protocol(self, request: Request, params: dict[str, list[str]], post: bool) -> Response:
        queries, updates = params.get("query", []), params.get("update", [])
        if queries and updates:
            raise HTTPFail(400, "give either query= or update=, not both")
        if len(queries) > 1 or len(updates) > 1:
            raise HTTPFail(400, "give exactly one query= or update=")
        format_values = [v for k in FORMAT_PARAMS for v in params.get(k, [])]
        if updates:
            if not post:
                raise HTTPFail(405, "updates must be sent with POST", {"Allow": "POST"})
            if params.get("default-graph-uri") or params.get("named-graph-uri"):
                raise HTTPFail(400, "default-graph-uri and named-graph-uri apply to queries; an update takes "
                                    "using-graph-uri and using-named-graph-uri")
            return await self.update(request, updates[0], params)
        if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
            raise HTTPFail(400, "using-graph-uri and using-named-graph-uri apply to updates; a query takes "
                                "default-graph-uri and named-graph-uri")
        if not queries:
            try:
                key = choose_format("graph", format_values, request.headers.get("accept"))
            except HTTPFail:
                key = "turtle"
            body = service_description(self.endpoint_url(request), self.config, key)
            media = GRAPH_FORMATS[key][0]
            return Response(body, 200, headers={"content-type": media + ("; charset=utf-8" if media.startswith("text/") else ""),
                                                "vary": "Accept"})
        return await self.query(request, queries[0], params, format_values)

    async def query(self, request: Request, sparql: str, params: dict[str, list[str]],
                    format_values: list[str]) -> Response:
        config = self.config
        if not sparql.strip():
            raise HTTPFail(400, "empty query")
        if not config.allow_service and uses_keyword(sparql, "SERVICE"):
            raise HTTPFail(400, "SERVICE (federated query) is disabled on this endpoint "
                                "(start kg serve with --allow-service to allow it)")
        default, named = _iris(params, "default-graph-uri"), _iris(params, "named-graph-uri")
        base, accept, served = self.endpoint_url(request), request.headers.get("accept"), self.server.served

        def work(job: Job) -> None:
            db = served.current()
            try:
                try:
                    results = run_query(db, sparql, default, named, base)
                except OSError:  # a handle whose files a compaction removed: once more, freshly opened
                    if not served.follow:
                        raise
                    results = run_query(served.current(force=True), sparql, default, named, base)
            except SyntaxError as e:
                raise HTTPFail(400, f"invalid SPARQL: {short_syntax_error(str(e), sparql)}") from None
            except (OSError, ValueError, RuntimeError) as e:
                raise HTTPFail(500, f"query failed: {one_line(e)}") from None
            write_answer(job, results, format_values, accept, config)

        job = await self.server.slots.start(work, config.timeout)
        media, body = await collect(job, config.timeout)
        if media.startswith("text/") or media.endswith("json"):
            media += "; charset=utf-8"
        return _response(body, {"content-type": media, "vary": "Accept"})

    async def update(self, request: Request, sparql: str, params: dict[str, list[str]]) -> Response:
        config = self.config
        if not config.allow_update or not config.token or not self.server.served.writable:
            raise HTTPFail(403, "updates are disabled on this endpoint (start kg serve with --allow-update and --token)")
        scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), config.token.encode()):
            raise HTTPFail(403, "update refused: missing or wrong bearer token")
        if not sparql.strip():
            raise HTTPFail(400, "empty update")
        if not config.allow_service:
            for kw in ("SERVICE", "LOAD"):
                if uses_keyword(sparql, kw):
                    raise HTTPFail(400, f"{kw} is disabled on this endpoint (it fetches remote URLs; "
                                        "start kg serve with --allow-service to allow it)")
        default, named = _iris(params, "using-graph-uri"), _iris(params, "using-named-graph-uri")
        if default or named:
            if update_declares_dataset(sparql):
                raise HTTPFail(400, "the update names its dataset (USING or WITH) and the request does too "
                                    "(using-graph-uri / using-named-graph-uri); give one of them")
            sparql = add_using(sparql, default, named)
        base, db = self.endpoint_url(request), self.server.served.current()

        def work(job: Job) -> None:
            try:
                db.update(sparql, base_iri=base, prefixes=KG_PREFIXES)
            except SyntaxError as e:
                raise HTTPFail(400, f"invalid SPARQL update: {short_syntax_error(str(e), sparql)}") from None
            except (OSError, ValueError, RuntimeError) as e:
                raise HTTPFail(500, f"update failed: {one_line(e)}") from None
            job.post("head", "text/plain")
            job.post("end")

        job = await self.server.slots.start(work, config.timeout)
        await collect(job, config.timeout, "update")
        return Response(b"", 204)

    async def page(self, request: Request) -> Response:
        return Response(query_page(), 200, headers={"content-type": "text/html; charset=utf-8",
                                                    "content-security-policy": PAGE_CSP})

    async def root(self, request: Request) -> Response:
        render = viewer()
        if render is None:
            return await self.page(request)
        params = parse_params(request.url.query)
        served = self.server.served

        def work(job: Job) -> None:
            html = render_view(render, served.view(), params)
            job.post("head", "text/html")
            job.post("data", html.encode("utf-8"))
            job.post("end")

        job = await self.server.slots.start(work, self.config.timeout)
        _, body = await collect(job, self.config.timeout, "page")
        return _response(body, {"content-type": "text/html; charset=utf-8"})

    async def saved(self, request: Request) -> Response:
        return Response(saved_queries_json(), 200, headers={"content-type": "application/json; charset=utf-8"})


class _Guard:
    """A route's ASGI app with the shared rules: OPTIONS (preflight), 405 with Allow for any other
    method (an ASGI app, not a function, so Starlette passes every method through), HTTPFail as text."""

    def __init__(self, handler, methods: str) -> None:
        self.handler, self.methods = handler, methods

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        try:
            if request.method == "OPTIONS":
                response = preflight(request, self.methods)
            elif request.method not in self.methods.split(", "):
                raise HTTPFail(405, f"{request.method} is not allowed here; use {self.methods}", {"Allow": self.methods})
            else:
                response = await self.handler(request)
        except HTTPFail as e:
            response = text_response(e.status, e.message, e.headers)
        await response(scope, receive, send)


def preflight(request: Request, methods: str) -> Response:
    """OPTIONS: Allow, and for CORS the methods plus exactly the headers the browser asks to send
    (as Oxigraph does); no Access-Control-Allow-Credentials, so no cookies ever ride along."""
    headers = {"Allow": methods, "Access-Control-Allow-Methods": methods, "Access-Control-Max-Age": "86400"}
    asked = request.headers.get("access-control-request-headers")
    headers["Access-Control-Allow-Headers"] = asked if asked and len(asked) < 2000 else "Content-Type, Accept, Authorization"
    return Response(b"", 204, headers=headers)


def build_app(server) -> Edge:
    ep = Endpoint(server)
    routes = [Route("/sparql", _Guard(ep.sparql, SPARQL_METHODS), methods=None),
              Route("/query", _Guard(ep.page, PAGE_METHODS), methods=None),
              Route("/queries.json", _Guard(ep.saved, PAGE_METHODS), methods=None),
              Route("/", _Guard(ep.root, PAGE_METHODS), methods=None)]

    async def not_found(scope, receive, send) -> None:
        await text_response(404, "not found")(scope, receive, send)

    # A bare Router, not Starlette(): its error middleware would answer an unexpected error with
    # its own page and re-raise; Edge answers it with one line instead.
    return Edge(Router(routes=routes, redirect_slashes=False, default=not_found), server.config)


class Edge:
    """Outermost ASGI layer: URL length (414), one log line per request, and a one-line 500 for
    anything a handler did not expect (no HTML, no traceback).  CORS and nosniff headers are
    uvicorn's default headers (kg.serve.server), so its own answers (400 for a request it cannot
    parse, 503 past the connection limit) carry them too."""

    def __init__(self, app, config: ServeConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.monotonic()
        state = {"status": None, "size": 0}

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            elif message["type"] == "http.response.body":
                state["size"] += len(message.get("body", b""))
            await send(message)

        try:
            if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > self.config.max_url:
                await text_response(414, f"request URL longer than {self.config.max_url} bytes; POST the query "
                                         "(application/sparql-query) instead")(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception as e:
            if state["status"] is None:
                await text_response(500, f"internal error: {one_line(e)}")(scope, receive, send_with_headers)
            else:
                raise  # the answer had started (a cut stream): uvicorn closes the connection
        finally:
            if not self.config.quiet and state["status"] is not None:
                self.log(scope, state, t0)

    def log(self, scope, state, t0: float) -> None:
        qs = scope.get("query_string", b"")
        line = f"{scope['method']} {scope.get('raw_path', b'').decode('latin-1')}{'?' + qs.decode('latin-1') if qs else ''}"
        line = _CTRL.sub("?", line)
        if len(line) > 200:
            line = line[:197] + "..."
        client = (scope.get("client") or ("-",))[0]
        ms = (time.monotonic() - t0) * 1000
        sys.stderr.write(f"{client} \"{line}\" {state['status']} {state['size']} {ms:.0f}ms\n")
        sys.stderr.flush()
