"""Remote stores: the same interface as `kg.store.KGStore`, over any SPARQL 1.1 server.

Queries go to the SPARQL 1.1 Protocol query endpoint (URL-encoded POST) and come back as the
same pyoxigraph result objects the embedded store returns, so `kg.query`, `kg.analyse`,
`kg.view` and `kg.serve` cannot tell the difference.  Writes go to the update endpoint: several
documents per request as `DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } }` (one
update request is one transaction on Oxigraph, Fuseki and GraphDB), and large documents go
through the Graph Store Protocol (`PUT store?graph=<g>` with an N-Triples body, which replaces
the graph in one request) where the server has one.

Queries must see the union of all named graphs as the default graph: start Oxigraph with
`--union-default-graph`; docs/remote.md gives the settings for Fuseki, Virtuoso and GraphDB.

Only the standard library's urllib speaks HTTP; every failure is a one-line `StoreError`.
"""

from __future__ import annotations

import http.client
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from .graph import KGD, KGO, ONTOLOGY_GRAPH
from .store import StoreError, ontology_source, query_stats

# Content negotiation: the server picks a results format for SELECT/ASK and an RDF format for
# CONSTRUCT/DESCRIBE, and the response's Content-Type says which one came back.
_ACCEPT = (
    "application/sparql-results+json, application/n-triples, "
    "application/sparql-results+xml;q=0.9, text/turtle;q=0.9, application/rdf+xml;q=0.8"
)
_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": ox.QueryResultsFormat.CSV,
}


def default_endpoints(query_url: str) -> tuple[str, str | None]:
    """(update URL, Graph Store Protocol URL or None) by the usual path conventions.

    Oxigraph `/query` -> `/update`, `/store`; Fuseki `/ds/query` or `/ds/sparql` -> `/ds/update`,
    `/ds/data`; GraphDB/RDF4J `/repositories/ID` -> `/repositories/ID/statements`,
    `/repositories/ID/rdf-graphs/service`; anything else (Virtuoso `/sparql`) -> the same URL
    for updates and no Graph Store endpoint."""
    u = urllib.parse.urlsplit(query_url)
    path = u.path.rstrip("/")

    def at(p: str) -> str:
        return urllib.parse.urlunsplit((u.scheme, u.netloc, p, "", ""))

    if path == "/query":
        return at("/update"), at("/store")
    for tail in ("/query", "/sparql"):
        if path.endswith(tail) and path != tail:
            base = path[: -len(tail)]
            return at(base + "/update"), at(base + "/data")
    parts = path.split("/")
    if len(parts) >= 3 and parts[-2] == "repositories":
        return at(path + "/statements"), at(path + "/rdf-graphs/service")
    return query_url, None


def _ntriples(quads: Iterable[ox.Quad]) -> str:
    return "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)


def _one_line(text: str, limit: int = 300) -> str:
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


class RemoteStore:
    """A SPARQL 1.1 server used as the kg store (see the module docstring)."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        store_url: str | None = None,
        token: str | None = None,
        timeout: float = 120.0,
        max_update_bytes: int = 8_000_000,
        gsp_min_bytes: int = 1_000_000,
    ) -> None:
        self._auth: dict[str, str] = {}
        self.query_url = self._clean(query_url)
        guessed_update, guessed_store = default_endpoints(self.query_url)
        self.update_url = self._clean(update_url) if update_url else guessed_update
        self.store_url = self._clean(store_url) if store_url else guessed_store
        # A guessed Graph Store endpoint that turns out missing is dropped quietly; a given one is not.
        self._store_guessed = not store_url
        self.path = self.query_url  # what messages show as "the store"
        self.timeout = timeout
        self.max_update_bytes = max_update_bytes
        self.gsp_min_bytes = gsp_min_bytes
        self._headers = {"User-Agent": "kg"}
        token = token or os.environ.get("KG_ENDPOINT_TOKEN")
        user = os.environ.get("KG_ENDPOINT_USER")
        if user and not self._auth:
            self._auth = {"user": user, "password": os.environ.get("KG_ENDPOINT_PASSWORD", "")}
        if token:
            # A bare token is sent as "Bearer TOKEN"; "SCHEME VALUE" (e.g. GraphDB's "GDB ...") as given.
            self._headers["Authorization"] = token if " " in token.strip() else f"Bearer {token.strip()}"
        self._opener = self._make_opener()
        self._states: dict[str, tuple[str | None, str | None]] | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r}, update_url={self.update_url!r}, store_url={self.store_url!r})"

    # --- HTTP ------------------------------------------------------------------------------

    def _clean(self, url: str) -> str:
        """Check an endpoint URL and take user:password out of it (kept for authentication)."""
        try:
            u = urllib.parse.urlsplit(url)
            ok = u.scheme in ("http", "https") and bool(u.hostname) and (u.port or 0) >= 0
        except ValueError:
            ok = False
        if not ok:
            raise StoreError(f"{url}: not a valid http(s) endpoint URL")
        if u.username is not None:
            self._auth = {"user": urllib.parse.unquote(u.username), "password": urllib.parse.unquote(u.password or "")}
            host = u.hostname if ":" not in u.hostname else f"[{u.hostname}]"
            netloc = f"{host}:{u.port}" if u.port else host
            u = u._replace(netloc=netloc)
        return urllib.parse.urlunsplit(u)

    def _make_opener(self) -> urllib.request.OpenerDirector:
        if not self._auth or "Authorization" in self._headers:
            return urllib.request.build_opener()
        # Basic goes with every request; Digest (Virtuoso's /sparql-auth) answers the server's challenge.
        mgr = urllib.request.HTTPPasswordMgrWithPriorAuth()
        for url in (self.query_url, self.update_url, self.store_url):
            if url:
                mgr.add_password(None, url, self._auth["user"], self._auth["password"], is_authenticated=True)
        return urllib.request.build_opener(
            urllib.request.HTTPBasicAuthHandler(mgr), urllib.request.HTTPDigestAuthHandler(mgr)
        )

    def _request(
        self, method: str, url: str, body: bytes | None = None, content_type: str | None = None, accept: str | None = None
    ) -> http.client.HTTPResponse:
        headers = dict(self._headers)
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            return self._opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            raise self._http_error(url, e) from None
        except urllib.error.URLError as e:
            raise StoreError(f"{url}: {self._net_reason(e.reason)}") from None
        except (OSError, http.client.HTTPException) as e:
            raise StoreError(f"{url}: {self._net_reason(e)}") from None

    def _net_reason(self, reason) -> str:
        if isinstance(reason, ConnectionRefusedError):
            return "cannot connect (connection refused; is the SPARQL server running?)"
        if isinstance(reason, TimeoutError | socket.timeout):
            return f"no answer within {self.timeout:g} s"
        if isinstance(reason, socket.gaierror):
            return "cannot connect (unknown host)"
        if isinstance(reason, http.client.RemoteDisconnected | ConnectionResetError):
            return "the server closed the connection"
        if isinstance(reason, OSError) and reason.strerror:
            return f"cannot connect ({reason.strerror})"
        return f"cannot connect ({_one_line(str(reason)) or type(reason).__name__})"

    def _http_error(self, url: str, e: urllib.error.HTTPError) -> StoreError:
        try:
            text = e.read(4096).decode("utf-8", "replace")
        except Exception:
            text = ""
        msg = f"{url}: HTTP {e.code} {e.reason}"
        if text.strip():
            msg += f": {_one_line(text)}"
        if e.code in (401, 403):
            msg += " (give credentials as user:password@ in the URL, KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD or KG_ENDPOINT_TOKEN)"
        err = StoreError(msg)
        err.status = e.code  # type: ignore[attr-defined]
        err.detail = _one_line(text) or f"HTTP {e.code} {e.reason}"  # type: ignore[attr-defined]
        return err

    def _read(self, resp: http.client.HTTPResponse, url: str) -> bytes:
        try:
            with resp:
                return resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise StoreError(f"{url}: {self._net_reason(e)}") from None

    def update(self, sparql: str) -> None:
        """Run a SPARQL update on the server (what `kg serve --allow-update` forwards).

        A malformed update (HTTP 400) raises SyntaxError; anything else that fails, StoreError."""
        try:
            self._update_bytes(sparql.encode("utf-8"))
        except StoreError as e:
            if getattr(e, "status", None) == 400:
                raise SyntaxError(e.detail) from None  # type: ignore[attr-defined]
            raise
        self._states = None

    def _select(self, sparql: str) -> list:
        res = self.query(sparql)
        if not isinstance(res, ox.QuerySolutions):
            raise StoreError(f"{self.query_url}: expected SELECT results, got {type(res).__name__}")
        return list(res)

    # --- reading ---------------------------------------------------------------------------

    def query(self, sparql: str):
        """Run a query; returns QuerySolutions, QueryBoolean or QueryTriples like pyoxigraph.

        A query the server rejects as malformed (HTTP 400) raises SyntaxError, as the embedded
        store does; an unreachable or failing server raises StoreError."""
        body = urllib.parse.urlencode({"query": sparql}).encode("ascii")
        try:
            resp = self._request("POST", self.query_url, body, "application/x-www-form-urlencoded", _ACCEPT)
        except StoreError as e:
            if getattr(e, "status", None) == 400:
                raise SyntaxError(e.detail) from None  # type: ignore[attr-defined]
            raise
        media = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        data = self._read(resp, self.query_url)
        try:
            if media in _RESULT_TYPES:
                return ox.parse_query_results(data, _RESULT_TYPES[media])
            rdf = ox.RdfFormat.from_media_type(media) or (ox.RdfFormat.N_TRIPLES if media == "text/plain" else None)
            if rdf is None:
                raise StoreError(f"{self.query_url}: unexpected response type {media or 'none'!r}")
            return _as_query_triples(ox.parse(data, format=rdf))
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"{self.query_url}: unreadable {media} response ({_one_line(str(e))})") from None

    def all_quads(self) -> Iterator[ox.Quad]:
        """Every quad in every named graph, streamed from one SELECT."""
        q = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
        body = urllib.parse.urlencode({"query": q}).encode("ascii")
        resp = self._request(
            "POST", self.query_url, body, "application/x-www-form-urlencoded", "application/sparql-results+json"
        )
        with resp:
            try:
                for row in ox.parse_query_results(resp, ox.QueryResultsFormat.JSON):
                    yield ox.Quad(row["s"], row["p"], row["o"], row["g"])
            except (OSError, http.client.HTTPException) as e:
                raise StoreError(f"{self.query_url}: {self._net_reason(e)}") from None
            except (SyntaxError, ValueError) as e:
                raise StoreError(f"{self.query_url}: unreadable results ({_one_line(str(e))})") from None

    def documents(self) -> list[str]:
        rows = self._select(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{KGO}Document> }} FILTER(STRSTARTS(STR(?g), \"{KGD}\")) }}"
        )
        return sorted(r["g"].value for r in rows)

    def document_state(self, iri: str) -> tuple[str | None, str | None]:
        """(contentHash, pipeline fingerprint) of a document.

        The first call fetches the state of every document in one query (a build asks for each
        of its inputs in turn); writes keep that cache current and flush() drops it."""
        if self._states is None:
            rows = self._select(
                f"SELECT ?g ?h ?f WHERE {{ GRAPH ?g {{ ?g <{KGO}contentHash> ?h OPTIONAL {{ ?g <{KGO}pipeline> ?f }} }} }}"
            )
            self._states = {}
            for r in rows:
                f = r["f"]
                self._states[r["g"].value] = (r["h"].value, f.value if f is not None else None)
        return self._states.get(iri, (None, None))

    def document_hashes(self, fingerprint: str) -> dict[str, str]:
        self.document_state("")
        return {g: h for g, (h, f) in (self._states or {}).items() if h and f == fingerprint}

    def stats(self) -> dict[str, int]:
        out = query_stats(self)
        row = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]
        out["triples"] = int(row["n"].value)
        return out

    # --- writing ---------------------------------------------------------------------------

    def replace_documents(self, docs: Iterable[tuple[str, list[ox.Quad]]]) -> None:
        """Replace the named graphs of several documents.

        Documents are sent several to an update request (each request is one transaction),
        up to `max_update_bytes` a request; a document bigger than `gsp_min_bytes` is sent
        alone with a Graph Store Protocol PUT when the server has that endpoint."""
        parts: list[bytes] = []
        size = 0

        def send() -> None:
            nonlocal size
            if parts:
                self._update_bytes(b" ;\n".join(parts))
                parts.clear()
                size = 0

        for iri, quads in docs:
            body = _ntriples(quads)
            self._note_state(iri, quads)
            if body and self.store_url and len(body) >= self.gsp_min_bytes:
                send()  # keep the order of writes
                if self._put_graph(iri, body.encode("utf-8")):
                    continue
            part = f"DROP SILENT GRAPH <{iri}>"
            if body:
                part += f" ;\nINSERT DATA {{ GRAPH <{iri}> {{\n{body}}} }}"
            data = part.encode("utf-8")
            if parts and size + len(data) > self.max_update_bytes:
                send()
            parts.append(data)
            size += len(data) + 3
        send()

    def _update_bytes(self, body: bytes) -> None:
        resp = self._request("POST", self.update_url, body, "application/sparql-update; charset=utf-8")
        self._read(resp, self.update_url)

    def _put_graph(self, iri: str, body: bytes) -> bool:
        """Replace one graph with a Graph Store Protocol PUT; False if the server has no such endpoint."""
        url = f"{self.store_url}{'&' if '?' in self.store_url else '?'}graph={urllib.parse.quote(iri, safe='')}"
        try:
            resp = self._request("PUT", url, body, "application/n-triples; charset=utf-8")
        except StoreError as e:
            if self._store_guessed and getattr(e, "status", None) in (400, 404, 405, 415, 501):
                self.store_url = None
                return False
            raise
        self._read(resp, url)
        return True

    def _note_state(self, iri: str, quads: list[ox.Quad]) -> None:
        if self._states is None:
            return
        h = f = None
        for q in quads:
            if q.subject.value == iri and q.predicate.value == KGO + "contentHash":
                h = q.object.value
            elif q.subject.value == iri and q.predicate.value == KGO + "pipeline":
                f = q.object.value
        if h is None:
            self._states.pop(iri, None)
        else:
            self._states[iri] = (h, f)

    def remove_document(self, iri: str) -> bool:
        res = self.query(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        if not bool(res):
            return False
        self._update_bytes(f"DROP SILENT GRAPH <{iri}>".encode())
        if self._states is not None:
            self._states.pop(iri, None)
        return True

    def ensure_ontology(self) -> None:
        """Load ontology/kg.ttl into its own graph when it is missing or has changed."""
        source = ontology_source()
        if source is None:
            return
        data, digest = source
        rows = self._select(f"SELECT ?h WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{ONTOLOGY_GRAPH}> <{KGO}contentHash> ?h }} }}")
        if any(r["h"].value == digest for r in rows):
            return
        g = ox.NamedNode(ONTOLOGY_GRAPH)
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in ox.parse(data, format=ox.RdfFormat.TURTLE)]
        quads.append(ox.Quad(g, ox.NamedNode(KGO + "contentHash"), ox.Literal(digest), g))
        self.replace_documents([(ONTOLOGY_GRAPH, quads)])

    def flush(self) -> None:
        """Nothing to flush (every request is committed by the server); forgets cached state."""
        self._states = None

    def compact(self) -> None:
        """Nothing to do: the server manages its own storage."""

    # --- checks ----------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Reach the server; return warnings (e.g. no union default graph) as one-line strings."""
        has_default = bool(self.query("ASK { ?s ?p ?o }"))
        if not has_default and bool(self.query("ASK { GRAPH ?g { ?s ?p ?o } }")):
            return [
                f"{self.query_url}: the default graph is empty but named graphs hold data; queries will find "
                "nothing until the server serves the union of named graphs as default graph (docs/remote.md)"
            ]
        return []


def _as_query_triples(triples: Iterable[ox.Triple]):
    """A real pyoxigraph.QueryTriples (it has no public constructor): load the triples into an
    in-memory store and CONSTRUCT them back, so callers get `.serialize()` like the embedded store."""
    mem = ox.Store()
    mem.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return mem.query("CONSTRUCT WHERE { ?s ?p ?o }")


__all__ = ["RemoteStore", "StoreError", "default_endpoints"]
