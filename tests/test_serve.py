"""kg serve: the SPARQL 1.1 Protocol endpoint answers standard clients (SPARQLWrapper) correctly."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper

from kg.store import KGStore

from .conftest import ROOT, require_shared, running, stop_process
from .conftest import SEED as ARTICLE

KGO = "https://w3id.org/kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SD = "http://www.w3.org/ns/sparql-service-description#"
PREFIXES = f"PREFIX kgo: <{KGO}>\nPREFIX skos: <{SKOS}>\n"


def build_store(directory: Path) -> Path:
    require_shared()  # the seed article: one skip reason for every test that needs ../shared
    r = subprocess.run([sys.executable, "-m", "kg.cli", "build", str(ARTICLE), "--store", str(directory), "--quiet"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return directory


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("serve") / "store")


@pytest.fixture(scope="module")
def server(seed):
    store = KGStore(str(seed), read_only=True, create=False)
    with running(store) as s:
        yield s


@pytest.fixture(scope="module")
def endpoint(server) -> str:
    return server.url + "sparql"


def wrapper(endpoint: str, query: str, fmt, method: str = "GET") -> SPARQLWrapper:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    sw.setTimeout(20)
    return sw


def fetch(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers, r.read()  # case-insensitive, as HTTP headers are
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def moore_threads(endpoint: str) -> str:
    q = PREFIXES + 'SELECT ?m WHERE { ?m a kgo:Company ; skos:prefLabel ?l FILTER(STR(?l) = "Moore Threads") }'
    rows = wrapper(endpoint, q, JSON).queryAndConvert()["results"]["bindings"]
    assert len(rows) == 1, rows
    return rows[0]["m"]["value"]


EXEC_QUERY = PREFIXES + 'SELECT DISTINCT ?p ?org WHERE { ?p skos:prefLabel ?l ; kgo:executiveOf ?org FILTER(STR(?l) = "张建中") }'
COUNT_DOCS = PREFIXES + "SELECT (COUNT(?d) AS ?n) WHERE { ?d a kgo:Document }"


def test_json_select_counts_documents_and_finds_executive(endpoint):
    res = wrapper(endpoint, COUNT_DOCS, JSON).queryAndConvert()
    assert res["head"]["vars"] == ["n"]
    assert res["results"]["bindings"][0]["n"]["value"] == "1"
    mt = moore_threads(endpoint)
    rows = wrapper(endpoint, EXEC_QUERY, JSON).queryAndConvert()["results"]["bindings"]
    assert [r["org"]["value"] for r in rows] == [mt]
    assert rows[0]["p"]["type"] == "uri"


def test_xml_select(endpoint):
    doc = wrapper(endpoint, EXEC_QUERY, XML).queryAndConvert()
    uris = [u.firstChild.data for b in doc.getElementsByTagName("binding") if b.getAttribute("name") == "org"
            for u in b.getElementsByTagName("uri")]
    assert uris == [moore_threads(endpoint)]
    doc = wrapper(endpoint, COUNT_DOCS, XML).queryAndConvert()
    assert doc.getElementsByTagName("literal")[0].firstChild.data == "1"


def test_csv_and_tsv_select(endpoint):
    data = wrapper(endpoint, EXEC_QUERY, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == ["p", "org"]
    assert [r[1] for r in rows[1:]] == [moore_threads(endpoint)]
    data = wrapper(endpoint, COUNT_DOCS, TSV).queryAndConvert()
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "?n" and lines[1].startswith("1")


def test_post_through_sparqlwrapper(endpoint):
    sw = wrapper(endpoint, COUNT_DOCS, JSON, method="POST")
    assert sw.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "1"


def test_ask(endpoint):
    q = PREFIXES + 'ASK { ?p kgo:executiveOf ?o ; skos:prefLabel ?l FILTER(STR(?l) = "张建中") }'
    assert wrapper(endpoint, q, JSON).queryAndConvert()["boolean"] is True
    q2 = PREFIXES + "ASK { ?p kgo:executiveOf ?p }"
    assert wrapper(endpoint, q2, JSON).queryAndConvert()["boolean"] is False
    doc = wrapper(endpoint, q, XML).queryAndConvert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "true"


def test_construct_turtle(endpoint):
    mt = moore_threads(endpoint)
    q = PREFIXES + "CONSTRUCT { ?p kgo:executiveOf ?o } WHERE { ?p kgo:executiveOf ?o }"
    data = wrapper(endpoint, q, TURTLE).queryAndConvert()
    triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    assert any(t.object == ox.NamedNode(mt) and t.predicate == ox.NamedNode(KGO + "executiveOf") for t in triples)
    assert b"@prefix kgr:" in data  # readable Turtle


@pytest.mark.parametrize("fmt,ctype,rdf_format", [
    ("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_other_formats(endpoint, fmt, ctype, rdf_format):
    q = PREFIXES + "CONSTRUCT { ?p kgo:executiveOf ?o } WHERE { ?p kgo:executiveOf ?o }"
    status, headers, body = fetch(endpoint + "?" + urllib.parse.urlencode({"query": q, "format": fmt}))
    assert status == 200 and headers["Content-Type"].startswith(ctype)
    assert len(list(ox.parse(body, format=rdf_format))) == 4
    status, headers, body = fetch(endpoint + "?" + urllib.parse.urlencode({"query": q}), headers={"Accept": ctype})
    assert status == 200 and headers["Content-Type"].startswith(ctype)


def test_describe(endpoint):
    mt = moore_threads(endpoint)
    status, headers, body = fetch(endpoint + "?" + urllib.parse.urlencode({"query": f"DESCRIBE <{mt}>"}))
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    assert triples and all(t.subject == ox.NamedNode(mt) for t in triples)


def test_service_description(server, endpoint):
    status, headers, body = fetch(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    svc = [t.subject for t in triples if t.object == ox.NamedNode(SD + "Service")]
    assert len(svc) == 1

    def values(p):
        return {t.object.value for t in triples if t.subject == svc[0] and t.predicate == ox.NamedNode(SD + p)}

    assert values("endpoint") == {endpoint}
    assert values("supportedLanguage") == {SD + "SPARQL11Query"}  # no update on a read-only server
    assert SD + "UnionDefaultGraph" in values("feature")
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in values("resultFormat")
    # no Accept at all: still Turtle
    status, headers, _ = fetch(endpoint)
    assert headers["Content-Type"].startswith("text/turtle")


def test_cors(endpoint):
    status, headers, _ = fetch(endpoint + "?" + urllib.parse.urlencode({"query": COUNT_DOCS}),
                               headers={"Origin": "http://example.org"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    status, headers, body = fetch(endpoint, method="OPTIONS", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"})
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "authorization" in allowed
    # errors carry the header too, so browser pages can read the message
    status, headers, _ = fetch(endpoint + "?query=SELEKT", headers={"Origin": "http://example.org"})
    assert status == 400 and headers["Access-Control-Allow-Origin"] == "*"


def _count(body: bytes) -> str:
    return json.loads(body)["results"]["bindings"][0]["n"]["value"]


def test_get_and_post_forms_agree(endpoint):
    accept = {"Accept": "application/sparql-results+json"}
    s1, h1, b1 = fetch(endpoint + "?" + urllib.parse.urlencode({"query": COUNT_DOCS}), headers=accept)
    s2, h2, b2 = fetch(endpoint, data=urllib.parse.urlencode({"query": COUNT_DOCS}).encode(),
                       headers={**accept, "Content-Type": "application/x-www-form-urlencoded"})
    s3, h3, b3 = fetch(endpoint, data=COUNT_DOCS.encode("utf-8"),
                       headers={**accept, "Content-Type": "application/sparql-query"})
    assert (s1, s2, s3) == (200, 200, 200)
    assert _count(b1) == _count(b2) == _count(b3) == "1"
    for h in (h1, h2, h3):
        assert h["Content-Type"].startswith("application/sparql-results+json")


def test_negotiation(endpoint):
    url = endpoint + "?" + urllib.parse.urlencode({"query": COUNT_DOCS})
    cases = {
        "text/csv": "text/csv", "text/tab-separated-values": "text/tab-separated-values",
        "application/sparql-results+xml": "application/sparql-results+xml",
        "text/html,application/xhtml+xml,*/*;q=0.8": "application/sparql-results+json",  # a browser
        "text/csv;q=0.5, application/sparql-results+xml": "application/sparql-results+xml",
        "*/*, text/csv": "text/csv",  # the more specific range wins at equal q
        "text/*;q=0.9, application/sparql-results+xml;q=0.8": "text/csv",
    }
    for accept, ctype in cases.items():
        status, headers, _ = fetch(url, headers={"Accept": accept})
        assert status == 200 and headers["Content-Type"].startswith(ctype), accept
    status, headers, body = fetch(url + "&format=csv", headers={"Accept": "application/sparql-results+json"})
    assert headers["Content-Type"].startswith("text/csv") and body.decode().splitlines() == ["n", "1"]
    status, _, body = fetch(url, headers={"Accept": "text/turtle"})
    assert status == 406 and b"acceptable" in body
    status, _, _ = fetch(url + "&format=turtle")
    assert status == 406


def test_bad_requests(endpoint):
    status, _, body = fetch(endpoint + "?query=SELEKT%20*")
    assert status == 400 and b"invalid SPARQL" in body
    status, _, _ = fetch(endpoint, data=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = fetch(endpoint + "?query=ASK%7B%7D&query=ASK%7B%7D")
    assert status == 400
    status, _, _ = fetch(endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}", "default-graph-uri": "not an IRI"}))
    assert status == 400
    status, _, _ = fetch(endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}", "using-graph-uri": "http://x"}))
    assert status == 400  # a parameter of updates, not of queries


def test_pages(server):
    status, headers, page = fetch(server.url + "query")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    text = page.decode("utf-8")
    for external in ("src=", "href=\"http", "href='http", "@import", "url("):
        assert external not in text  # fully offline
    assert 'fetch("sparql"' in text and 'fetch("queries.json"' in text
    status, headers, body = fetch(server.url + "queries.json")
    saved = json.loads(body)
    assert status == 200 and saved and {"name", "title", "query"} <= set(saved[0])
    status, headers, body = fetch(server.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<html" in body.lower()


@contextmanager
def cli_server(store: Path, *flags: str):
    """`kg serve --store STORE --port 0 FLAGS` as a child process; yields (process, base URL)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", "0", *flags],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("kg serve: http://127.0.0.1:"), (line, proc.stderr.read() if proc.poll() else "")
        yield proc, line.split()[2]
    finally:
        stop_process(proc)


def test_cli_serve_prints_url_and_answers(seed, server):
    store = seed  # also open read-only in this process: read-only opens coexist
    with cli_server(store, "--quiet") as (proc, base):
        port = int(base.rsplit(":", 1)[1].strip("/"))
        assert port != 0
        status, _, body = fetch(base + "sparql?" + urllib.parse.urlencode({"query": COUNT_DOCS}))
        assert status == 200 and _count(body) == "1"
        # opened read-only: updates are refused even with a token header
        status, _, _ = fetch(base + "sparql", data=b"update=INSERT+DATA+%7B%3Ca%3A1%3E+%3Ca%3A2%3E+%3Ca%3A3%3E%7D",
                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                      "Authorization": "Bearer x"})
        assert status == 403


def test_cli_allow_update_needs_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KG_SERVE_TOKEN"}
    r = subprocess.run([sys.executable, "-m", "kg.cli", "serve", "--store", str(tmp_path), "--allow-update"],
                       cwd=ROOT, capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 2 and "--token" in r.stderr


def test_memory_snapshot_holds_exactly_the_stored_quads(seed):
    disk = KGStore(str(seed), read_only=True, create=False)
    on_disk = {str(q) for q in disk.ox}
    assert any(isinstance(q.subject, ox.BlankNode) for q in disk.ox)  # the ontology's lists and restrictions
    mem = KGStore(str(seed), read_only=True, create=False)
    assert mem.load_into_memory() == len(on_disk)
    assert mem.in_memory and {str(q) for q in mem.ox} == on_disk  # blank nodes keep their labels
    q = COUNT_DOCS
    assert [str(r[0]) for r in mem.query(q)] == [str(r[0]) for r in disk.query(q)]


def test_cli_serve_memory_answers_from_a_snapshot(tmp_path):
    store = build_store(tmp_path / "store")
    with cli_server(store, "--memory") as (proc, base):
        status, _, body = fetch(base + "sparql?" + urllib.parse.urlencode({"query": COUNT_DOCS}))
        assert status == 200 and _count(body) == "1"
        # The store on disk is free for a writer meanwhile; the server keeps answering from its snapshot.
        extra = tmp_path / "more"
        extra.mkdir()
        (extra / "note.txt").write_text("Hua Hong Semiconductor opened a new fab in Wuxi.\n", "utf-8")
        r = subprocess.run([sys.executable, "-m", "kg.cli", "build", str(extra), "--store", str(store), "-q"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        status, _, body = fetch(base + "sparql?" + urllib.parse.urlencode({"query": COUNT_DOCS}))
        assert status == 200 and _count(body) == "1"
        assert "quads loaded into memory" in proc.stderr.readline()


def test_cli_serve_memory_refuses_updates(tmp_path):
    r = subprocess.run([sys.executable, "-m", "kg.cli", "serve", "--store", str(tmp_path), "--memory", "--allow-update",
                        "--token", "t"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--memory" in r.stderr and "Traceback" not in r.stderr
