"""kg serve against the SPARQL 1.1 Protocol and Service Description, case by case.

Written from the specifications (the W3C test suite itself cannot be fetched here): each test
is named after the W3C protocol / service-description case it covers (docs/endpoint.md lists
them) and checks the request, the status and the content type the specs require, then the
answer itself.  The data: three small named graphs, served by an --allow-update server with a
token (update cases) on 127.0.0.1; read-only refusals run against a second, read-only server.
"""

from __future__ import annotations

import json
import urllib.parse

import pyoxigraph as ox
import pytest

from kg.store import KGStore

from .conftest import http_request, running

EX = "http://example.org/"
DC = "http://purl.org/dc/elements/1.1/"
G = {n: f"{EX}data{n}" for n in (1, 2, 3)}
TOKEN = "protocol-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FORM = "application/x-www-form-urlencoded"
JSON_RES = "application/sparql-results+json"
XML_RES = "application/sparql-results+xml"
TITLES = "PREFIX dc: <http://purl.org/dc/elements/1.1/> SELECT ?t WHERE { ?s dc:title ?t } ORDER BY ?t"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def _data() -> list[ox.Quad]:
    out = []
    for n, g in G.items():
        out.append(ox.Quad(ox.NamedNode(f"{EX}doc{n}"), ox.NamedNode(DC + "title"), ox.Literal(f"title {n}"),
                           ox.NamedNode(g)))
    return out


@pytest.fixture()
def rw(tmp_path):
    """A fresh writable store per test (update cases change it)."""
    store = KGStore(str(tmp_path / "store"))
    store.ox.extend(_data())
    with running(store, allow_update=True, token=TOKEN) as s:
        yield s


@pytest.fixture(scope="module")
def ro(tmp_path_factory):
    path = tmp_path_factory.mktemp("protocol") / "store"
    store = KGStore(str(path))
    store.ox.extend(_data())
    store.flush()
    del store
    with running(KGStore(str(path), read_only=True, create=False)) as s:
        yield s


def call(server, method: str, path: str = "/sparql", body: bytes | str | None = None, headers: dict | None = None,
         params: dict | list | None = None):
    """One request; returns (status, headers with lower-case names, body)."""
    if params is not None:
        path += "?" + urllib.parse.urlencode(params, doseq=True)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return http_request(server, method, path, body, headers)


def form(params) -> bytes:
    return urllib.parse.urlencode(params, doseq=True).encode()


def values(body: bytes, var: str) -> list[str]:
    return [b[var]["value"] for b in json.loads(body)["results"]["bindings"]]


def select(server, sparql: str, **params) -> list[str]:
    status, headers, body = call(server, "GET", params={"query": sparql, **params}, headers={"Accept": JSON_RES})
    assert status == 200, body
    var = json.loads(body)["head"]["vars"][0]
    return values(body, var)


def titles(*ns: int) -> list[str]:
    return [f"title {n}" for n in ns]


# --- queries -------------------------------------------------------------------------------------


def test_query_get(ro):
    status, headers, body = call(ro, "GET", params={"query": "ASK { ?s ?p ?o }"})
    assert status == 200 and headers["content-type"].startswith(JSON_RES)
    assert json.loads(body)["boolean"] is True


def test_query_post_form(ro):
    status, headers, body = call(ro, "POST", body=form({"query": "ASK { ?s ?p ?o }"}), headers={"Content-Type": FORM})
    assert status == 200 and headers["content-type"].startswith(JSON_RES) and json.loads(body)["boolean"] is True


def test_query_post_direct(ro):
    status, headers, body = call(ro, "POST", body="ASK { ?s ?p ?o }",
                                 headers={"Content-Type": "application/sparql-query"})
    assert status == 200 and json.loads(body)["boolean"] is True


def test_query_dataset_default_graph(ro):
    assert select(ro, TITLES, **{"default-graph-uri": G[1]}) == titles(1)


def test_query_dataset_default_graphs_get(ro):
    status, _, body = call(ro, "GET", params=[("query", TITLES), ("default-graph-uri", G[1]), ("default-graph-uri", G[2])],
                           headers={"Accept": JSON_RES})
    assert status == 200 and values(body, "t") == titles(1, 2)


def test_query_dataset_default_graphs_post(ro):
    status, _, body = call(ro, "POST", body=form([("query", TITLES), ("default-graph-uri", G[2]), ("default-graph-uri", G[3])]),
                           headers={"Content-Type": FORM, "Accept": JSON_RES})
    assert status == 200 and values(body, "t") == titles(2, 3)


def test_query_dataset_named_graphs_post(ro):
    status, _, body = call(ro, "POST", body=form([("query", GRAPHS), ("named-graph-uri", G[1]), ("named-graph-uri", G[3])]),
                           headers={"Content-Type": FORM, "Accept": JSON_RES})
    assert status == 200 and values(body, "g") == [G[1], G[3]]


def test_query_dataset_named_graphs_get(ro):
    status, _, body = call(ro, "GET", params=[("query", GRAPHS), ("named-graph-uri", G[2])], headers={"Accept": JSON_RES})
    assert status == 200 and values(body, "g") == [G[2]]


def test_query_dataset_full(ro):
    q = "SELECT ?t ?g WHERE { { ?s ?p ?t } UNION { GRAPH ?g { ?s ?p ?o } } }"
    status, _, body = call(ro, "GET", params=[("query", q), ("default-graph-uri", G[1]), ("named-graph-uri", G[2])],
                           headers={"Accept": JSON_RES})
    rows = json.loads(body)["results"]["bindings"]
    assert status == 200
    assert sorted(r["t"]["value"] for r in rows if "t" in r) == titles(1)
    assert sorted(r["g"]["value"] for r in rows if "g" in r) == [G[2]]


def test_query_multiple_dataset(ro):
    """The protocol's dataset wins over the query's FROM (Protocol 2.1.4)."""
    q = TITLES.replace("SELECT ?t WHERE", f"SELECT ?t FROM <{G[3]}> WHERE")
    assert select(ro, q) == titles(3)
    assert select(ro, q, **{"default-graph-uri": G[1]}) == titles(1)


@pytest.mark.parametrize("accept,ctype", [(XML_RES, XML_RES), (JSON_RES, JSON_RES), ("text/csv", "text/csv"),
                                          ("text/tab-separated-values", "text/tab-separated-values")])
def test_query_content_type_select(ro, accept, ctype):
    status, headers, body = call(ro, "GET", params={"query": TITLES}, headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(ctype)
    assert b"title 1" in body


@pytest.mark.parametrize("accept,ctype,mark", [(XML_RES, XML_RES, b"<boolean>true</boolean>"),
                                               (JSON_RES, JSON_RES, b'"boolean":true')])
def test_query_content_type_ask(ro, accept, ctype, mark):
    status, headers, body = call(ro, "GET", params={"query": "ASK {}"}, headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(ctype) and mark in body


@pytest.mark.parametrize("accept,ctype,fmt", [
    ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE), ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD)])
def test_query_content_type_describe(ro, accept, ctype, fmt):
    status, headers, body = call(ro, "GET", params={"query": f"DESCRIBE <{EX}doc1>"}, headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(ctype)
    assert [t.object.value for t in ox.parse(body, format=fmt)] == ["title 1"]


@pytest.mark.parametrize("accept,ctype,fmt", [
    ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE), ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML)])
def test_query_content_type_construct(ro, accept, ctype, fmt):
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    status, headers, body = call(ro, "GET", params={"query": q}, headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(ctype)
    assert len(list(ox.parse(body, format=fmt))) == 3


# --- updates -------------------------------------------------------------------------------------


def update(server, sparql: str, params=(), direct: bool = False, headers: dict | None = None):
    if direct:
        return call(server, "POST", body=sparql, params=list(params) or None,
                    headers={"Content-Type": "application/sparql-update", **AUTH, **(headers or {})})
    return call(server, "POST", body=form([("update", sparql), *params]), headers={"Content-Type": FORM, **AUTH, **(headers or {})})


COPY_TITLES = f"PREFIX dc: <{DC}> INSERT {{ GRAPH <{EX}out> {{ ?s dc:title ?t }} }} WHERE {{ ?s dc:title ?t }}"
COPY_NAMED = f"INSERT {{ GRAPH <{EX}out> {{ ?g <{EX}seen> true }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
OUT_TITLES = f"SELECT ?t WHERE {{ GRAPH <{EX}out> {{ ?s <{DC}title> ?t }} }} ORDER BY ?t"
OUT_SEEN = f"SELECT ?g WHERE {{ GRAPH <{EX}out> {{ ?g <{EX}seen> true }} }} ORDER BY ?g"


def test_update_dataset_default_graph(rw):
    status, _, body = update(rw, COPY_TITLES, [("using-graph-uri", G[2])])
    assert status == 204, body
    assert select(rw, OUT_TITLES) == titles(2)


def test_update_dataset_default_graphs(rw):
    status, _, body = update(rw, COPY_TITLES, [("using-graph-uri", G[1]), ("using-graph-uri", G[3])], direct=True)
    assert status == 204, body
    assert select(rw, OUT_TITLES) == titles(1, 3)


def test_update_dataset_named_graphs(rw):
    status, _, body = update(rw, COPY_NAMED, [("using-named-graph-uri", G[1]), ("using-named-graph-uri", G[2])])
    assert status == 204, body
    assert select(rw, OUT_SEEN) == [G[1], G[2]]


def test_update_dataset_full(rw):
    q = (f"PREFIX dc: <{DC}> INSERT {{ GRAPH <{EX}out> {{ ?s dc:title ?t . ?g <{EX}seen> true }} }} "
         f"WHERE {{ {{ ?s dc:title ?t }} UNION {{ GRAPH ?g {{ ?x ?y ?z }} }} }}")
    status, _, body = update(rw, q, [("using-graph-uri", G[3]), ("using-named-graph-uri", G[1])])
    assert status == 204, body
    assert select(rw, OUT_TITLES) == titles(3) and select(rw, OUT_SEEN) == [G[1]]


def test_update_post_form(rw):
    status, _, body = update(rw, f"INSERT DATA {{ GRAPH <{EX}out> {{ <{EX}x> <{DC}title> \"new\" }} }}")
    assert status == 204 and body == b""
    assert select(rw, OUT_TITLES) == ["new"]


def test_update_post_direct(rw):
    status, _, body = update(rw, f"INSERT DATA {{ GRAPH <{EX}out> {{ <{EX}x> <{DC}title> \"new\" }} }}", direct=True)
    assert status == 204
    assert select(rw, OUT_TITLES) == ["new"]


def test_update_base_uri(rw):
    """The service's base IRI is its endpoint URL: relative IRIs resolve against it."""
    status, _, body = update(rw, f"INSERT DATA {{ GRAPH <{EX}out> {{ <test> <{DC}title> \"rel\" }} }}")
    assert status == 204, body
    host, port = rw.server_address[:2]
    assert select(rw, f"SELECT ?s WHERE {{ GRAPH <{EX}out> {{ ?s ?p ?o }} }}") == [f"http://{host}:{port}/test"]
    status, _, body = call(rw, "GET", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                           headers={"Accept": "application/n-triples"})
    assert status == 200 and body.startswith(f"<http://{host}:{port}/s>".encode())


# --- bad requests --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_bad_query_method(ro, method):
    status, headers, body = call(ro, method, params={"query": "ASK {}"}, body="x")
    assert status == 405 and "POST" in headers["allow"] and "GET" in headers["allow"]
    assert headers["content-type"].startswith("text/plain") and headers["access-control-allow-origin"] == "*"


def test_bad_multiple_queries(ro):
    status, _, _ = call(ro, "GET", params=[("query", "ASK {}"), ("query", "ASK { ?s ?p ?o }")])
    assert status == 400


def test_bad_query_wrong_media_type(ro):
    status, _, _ = call(ro, "POST", body="ASK {}", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_bad_query_missing_form_type(ro):
    status, _, _ = call(ro, "POST", body="query=ASK%20%7B%7D")
    assert 400 <= status < 500


def test_bad_query_missing_direct_type(ro):
    status, _, _ = call(ro, "POST", body="ASK {}")
    assert 400 <= status < 500


def test_bad_query_non_utf8(ro):
    status, _, _ = call(ro, "POST", body="ASK { ?s ?p \"caf\xe9\" }".encode("latin-1"),
                        headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"})
    assert 400 <= status < 500
    status, _, _ = call(ro, "POST", body=b"ASK { ?s ?p \"caf\xe9\" }", headers={"Content-Type": "application/sparql-query"})
    assert status == 400


def test_bad_query_syntax(ro):
    status, headers, body = call(ro, "GET", params={"query": "ASK {"})
    assert status == 400 and headers["content-type"].startswith("text/plain") and b"invalid SPARQL" in body


def test_bad_update_get(rw):
    status, _, _ = call(rw, "GET", params={"update": f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}"}, headers=AUTH)
    assert status == 405
    assert select(rw, f"SELECT ?o WHERE {{ <{EX}a> <{EX}b> ?o }}") == []


def test_bad_multiple_updates(rw):
    status, _, _ = call(rw, "POST", body=form([("update", "CLEAR ALL"), ("update", "CLEAR ALL")]),
                        headers={"Content-Type": FORM, **AUTH})
    assert status == 400
    assert len(select(rw, TITLES)) == 3


def test_bad_update_wrong_media_type(rw):
    status, _, _ = call(rw, "POST", body="CLEAR ALL", headers={"Content-Type": "text/plain", **AUTH})
    assert status == 415


def test_bad_update_missing_form_type(rw):
    status, _, _ = call(rw, "POST", body="update=CLEAR%20ALL", headers=AUTH)
    assert 400 <= status < 500
    assert len(select(rw, TITLES)) == 3


def test_bad_update_non_utf8(rw):
    status, _, _ = update(rw, "INSERT DATA { <a:x> <a:y> \"caf\xe9\" }".encode("latin-1").decode("latin-1"), direct=True,
                          headers={"Content-Type": "application/sparql-update; charset=ISO-8859-1"})
    assert 400 <= status < 500


def test_bad_update_syntax(rw):
    status, _, body = update(rw, "INSERT DATA { <a:x> ")
    assert status == 400 and b"invalid SPARQL update" in body


def test_bad_update_dataset_conflict(rw):
    q = f"WITH <{G[1]}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    status, _, body = update(rw, q, [("using-graph-uri", G[2])])
    assert status == 400 and b"USING or WITH" in body
    status, _, _ = update(rw, COPY_TITLES.replace("WHERE", f"USING <{G[1]}> WHERE"), [("using-named-graph-uri", G[2])])
    assert status == 400
    assert len(select(rw, TITLES)) == 3


def test_updates_refused_on_a_read_only_server(ro):
    status, _, body = update(ro, "CLEAR ALL")
    assert status == 403 and b"--allow-update" in body
    assert len(select(ro, TITLES)) == 3


def test_update_needs_the_token(rw):
    status, _, _ = call(rw, "POST", body=form({"update": "CLEAR ALL"}), headers={"Content-Type": FORM})
    assert status == 403
    assert len(select(rw, TITLES)) == 3


# --- service description ---------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
SH = "http://www.w3.org/ns/shacl#"


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
                                        (None, ox.RdfFormat.TURTLE)])
def test_sd_returns_rdf(ro, accept, fmt):
    status, headers, body = call(ro, "GET", headers={"Accept": accept} if accept else {})
    assert status == 200 and headers["content-type"].startswith(fmt.media_type)
    triples = list(ox.parse(body, format=fmt))
    assert any(t.object == ox.NamedNode(SD + "Service") for t in triples)


def test_sd_has_endpoint_triple(ro, rw):
    for server, update_too in ((ro, False), (rw, True)):
        host, port = server.server_address[:2]
        status, _, body = call(server, "GET")
        triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
        svc = next(t.subject for t in triples if t.object == ox.NamedNode(SD + "Service"))

        def objects(p, s=svc, triples=triples):
            return {t.object.value for t in triples if t.subject == s and t.predicate == ox.NamedNode(p)}

        assert objects(SD + "endpoint") == {f"http://{host}:{port}/sparql"}
        assert (SD + "SPARQL11Update" in objects(SD + "supportedLanguage")) is update_too
        declared = {next(iter(objects(SH + "prefix", d))): next(iter(objects(SH + "namespace", d)))
                    for d in (t.object for t in triples if t.predicate == ox.NamedNode(SH + "declare"))}
        assert declared["kgo"] == "https://w3id.org/kg/ontology#" and {"kgr", "prov", "schema", "skos", "rdfs"} <= set(declared)


# --- what issue 14 found beyond the W3C cases --------------------------------------------------------


def test_from_is_honoured_and_union_is_the_default(ro):
    assert select(ro, TITLES) == titles(1, 2, 3)  # no dataset anywhere: the union of all graphs
    q = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/no-such-graph> WHERE { ?s ?p ?o }"
    assert select(ro, q) == ["0"]
    q = f"SELECT ?g FROM NAMED <{G[2]}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert select(ro, q) == [G[2]]
    q = f"SELECT ?t FROM NAMED <{G[2]}> WHERE {{ ?s ?p ?t }}"  # FROM NAMED alone: an empty default graph
    assert select(ro, q) == []


def test_empty_post_form_is_400(ro):
    status, _, body = call(ro, "POST", body=b"", headers={"Content-Type": FORM})
    assert status == 400 and b"query=" in body
    status, _, _ = call(ro, "POST", body=b"format=json", headers={"Content-Type": FORM})
    assert status == 400


def test_cors_preflight_echoes_the_requested_headers(ro):
    status, headers, body = call(ro, "OPTIONS", headers={
        "Origin": "http://other.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-yasgui-custom, authorization"})
    assert status == 204 and body == b""
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-headers"] == "content-type, x-yasgui-custom, authorization"
    assert "POST" in headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize("size,status", [(62_000, 414), (70_000, 400)])
def test_long_url_errors_are_plain_text_with_cors(ro, size, status):
    """kg answers 414 up to what the HTTP parser can read; past 65,535 bytes uvicorn's parser
    refuses the request line itself (400): both plain text, both with CORS."""
    got, headers, body = call(ro, "GET", path="/sparql?query=" + "A" * size)
    assert got == status and headers["access-control-allow-origin"] == "*"
    assert headers["content-type"].startswith("text/plain") and b"<html" not in body.lower()


def test_errors_carry_cors_and_no_html(ro):
    for method, path in (("GET", "/nowhere"), ("PUT", "/sparql"), ("POST", "/query"), ("PROPFIND", "/sparql")):
        status, headers, body = call(ro, method, path=path, body="x")
        assert status in (404, 405), (method, path, status)
        assert headers["access-control-allow-origin"] == "*" and b"<html" not in body.lower()


def test_predefined_prefixes_and_short_prefix_errors(ro):
    assert select(ro, "SELECT (COUNT(*) AS ?n) WHERE { ?s a kgo:Company }") == ["0"]
    status, _, body = call(ro, "GET", params={"query": "SELECT * WHERE { ?s nope:x ?o }"})
    assert status == 400 and b"'nope:' is not declared" in body and len(body) < 250


def test_head_has_no_body(ro):
    status, headers, body = call(ro, "HEAD", params={"query": "ASK {}"})
    assert status == 200 and body == b"" and headers["content-type"].startswith(JSON_RES)
