"""kg serve and kg query give Oxigraph's answers for datasets, and standard clients work with them.

Reference: the Oxigraph server itself (`oxigraph serve-read-only`, the dev dependency) on the
same store directory, for every query that names its dataset (FROM, FROM NAMED, GRAPH, the
protocol's default-graph-uri / named-graph-uri); pyoxigraph with the union default graph for
queries that name none.  Clients: SPARQLWrapper (addDefaultGraph / addNamedGraph, GET and POST,
updates with a token) and rdflib's SPARQLStore (`Graph(SPARQLStore(url), identifier=G)`,
contexts).  The store is built from the project's own articles (no ../shared needed).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from kg.store import KGStore

from .conftest import ROOT, running, stop_process

OXIGRAPH = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
KGD = "https://w3id.org/kg/doc/"
NOWHERE = "http://example.org/no-such-graph"


@pytest.fixture(scope="module")
def graphs(project_store_path) -> list[str]:
    store = KGStore(str(project_store_path), read_only=True, create=False)
    docs = store.documents()
    assert len(docs) >= 3
    return docs[:3]


@pytest.fixture(scope="module")
def kg_url(project_store_path):
    with running(KGStore(str(project_store_path), read_only=True, create=False)) as s:
        yield s.url + "sparql"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_url(project_store_path, tmp_path_factory):
    if OXIGRAPH is None:
        pytest.skip("the oxigraph server (dev dependency `oxigraph`) is not installed")
    copy = tmp_path_factory.mktemp("oxigraph") / "store"
    shutil.copytree(project_store_path, copy)
    port = _free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(copy), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/query"
    try:
        end = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > end:
                    pytest.fail(f"oxigraph server did not start: {proc.stderr.read().decode()[:300]}")
                time.sleep(0.2)
        yield url
    finally:
        stop_process(proc)


def answer(url: str, query: str, params: list[tuple[str, str]] = ()) -> list[tuple]:
    """A SELECT answer as a sorted list of rows (blank nodes as `_`), via the protocol's GET."""
    q = urllib.parse.urlencode([("query", query), *params])
    req = urllib.request.Request(f"{url}?{q}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        data = json.loads(r.read())
    return _rows(data)


def _rows(data: dict) -> list[tuple]:
    names = data["head"]["vars"]
    return sorted(tuple("_" if b.get(v, {}).get("type") == "bnode" else b.get(v, {}).get("value") for v in names)
                  for b in data["results"]["bindings"])


def dataset_cases(g: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    per_graph = "SELECT ?g (COUNT(*) AS ?n) {} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    return [
        (count.format(f"FROM <{NOWHERE}>"), []),
        (count.format(f"FROM <{g[0]}>"), []),
        (count.format(f"FROM <{g[0]}> FROM <{g[1]}>"), []),
        ("SELECT DISTINCT ?s ?p ?o " f"FROM <{g[1]}> WHERE {{ ?s ?p ?o }}", []),
        (per_graph.format(f"FROM NAMED <{g[0]}> FROM NAMED <{g[2]}>"), []),
        (per_graph.format(""), []),
        (f"SELECT ?o WHERE {{ GRAPH <{g[1]}> {{ <{g[1]}> ?p ?o }} }}", []),
        (count.format(f"FROM NAMED <{g[0]}>"), []),  # FROM NAMED alone: an empty default graph
        (count.format(""), [("default-graph-uri", g[2])]),
        (count.format(f"FROM <{g[0]}>"), [("default-graph-uri", g[1])]),  # the request's dataset wins
        (per_graph.format(""), [("named-graph-uri", g[0]), ("named-graph-uri", g[1])]),
        (per_graph.format(f"FROM NAMED <{g[2]}>"), [("named-graph-uri", g[1])]),
        ("SELECT ?g ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } } "
         "OPTIONAL { SELECT ?g WHERE { GRAPH ?g { } } } }", [("default-graph-uri", g[0]), ("named-graph-uri", g[2])]),
    ]


def test_dataset_answers_equal_oxigraph_server(kg_url, oxigraph_url, graphs):
    for query, params in dataset_cases(graphs):
        ours, theirs = answer(kg_url, query, params), answer(oxigraph_url, query, params)
        assert ours == theirs, (query, params)
    # and they are not trivially empty
    assert answer(kg_url, f"SELECT (COUNT(*) AS ?n) FROM <{graphs[0]}> WHERE {{ ?s ?p ?o }}")[0][0] != "0"


def test_no_dataset_means_the_union(kg_url, project_store_path):
    db = ox.Store.read_only(str(project_store_path))
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    expected = next(iter(db.query(q, use_default_graph_as_union=True)))["n"].value
    assert answer(kg_url, q) == [(expected,)]
    assert expected != "0"


def test_kg_query_gives_oxigraphs_dataset_answers(project_store_path, oxigraph_url, graphs):
    for query, params in dataset_cases(graphs):
        if params:
            continue
        r = subprocess.run([sys.executable, "-m", "kg.cli", "query", "--store", str(project_store_path),
                            "--format", "json", query], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert _rows(json.loads(r.stdout)) == answer(oxigraph_url, query), query


# --- SPARQLWrapper -------------------------------------------------------------------------------


def wrapper(url: str, query: str, method: str = "GET") -> SPARQLWrapper:
    sw = SPARQLWrapper(url)
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    sw.setMethod(method)
    sw.setTimeout(30)
    return sw


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_dataset_parameters(kg_url, oxigraph_url, graphs, method):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    sw = wrapper(kg_url, count, method)
    sw.addDefaultGraph(graphs[0])
    assert _rows(sw.queryAndConvert()) == answer(oxigraph_url, count, [("default-graph-uri", graphs[0])])
    per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    sw = wrapper(kg_url, per_graph, method)
    sw.addNamedGraph(graphs[1])
    sw.addNamedGraph(graphs[2])
    rows = _rows(sw.queryAndConvert())
    assert [r[0] for r in rows] == sorted(graphs[1:3])
    assert rows == answer(oxigraph_url, per_graph, [("named-graph-uri", graphs[1]), ("named-graph-uri", graphs[2])])


def test_sparqlwrapper_update_with_token(project_store_path, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(project_store_path, copy)
    with running(KGStore(str(copy), create=False), allow_update=True, token="t0k") as s:
        url = s.url + "sparql"
        sw = SPARQLWrapper(url)
        sw.setMethod(POST)
        sw.setQuery("INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> kgo:validates <http://example.org/b> } }")
        sw.addCustomHttpHeader("Authorization", "Bearer t0k")
        sw.query()
        ask = wrapper(url, "ASK { <http://example.org/a> kgo:validates ?b }")
        assert ask.queryAndConvert()["boolean"] is True


# --- rdflib SPARQLStore --------------------------------------------------------------------------


def test_rdflib_sparqlstore_graph_with_identifier(kg_url, oxigraph_url, graphs):
    store = SPARQLStore(kg_url, returnFormat="json")
    g = rdflib.Graph(store, identifier=rdflib.URIRef(graphs[0]))
    expected = answer(oxigraph_url, f"SELECT (COUNT(*) AS ?n) FROM <{graphs[0]}> WHERE {{ ?s ?p ?o }}")[0][0]
    assert len(g) == int(expected)
    assert len(list(g.triples((None, None, None)))) == int(expected)
    doc_type = rdflib.URIRef("https://w3id.org/kg/ontology#Document")
    assert set(g.objects(rdflib.URIRef(graphs[0]), rdflib.RDF.type)) == {doc_type}
    assert set(g.subjects(rdflib.RDF.type, doc_type)) == {rdflib.URIRef(graphs[0])}  # only its own graph
    other = rdflib.Graph(SPARQLStore(kg_url, returnFormat="json"), identifier=rdflib.URIRef(graphs[1]))
    assert set(other.subjects(rdflib.RDF.type, doc_type)) == {rdflib.URIRef(graphs[1])}
    rows = list(g.query("SELECT ?doc WHERE { ?doc a kgo:Document }"))
    assert [str(r[0]) for r in rows] == [graphs[0]]


def test_rdflib_sparqlstore_dataset_contexts(kg_url, project_store_path):
    names = {str(c) for c in SPARQLStore(kg_url, returnFormat="json").contexts()}
    expected = {g.value for g in ox.Store.read_only(str(project_store_path)).named_graphs()}
    assert names == expected
