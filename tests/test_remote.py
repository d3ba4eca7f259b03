"""Remote stores (kg.remote): a real Oxigraph server must give exactly what the embedded store gives.

Each test starts its own `oxigraph serve --union-default-graph` on a free port (it is up in a
fraction of a second) and stops it at teardown.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.remote import RemoteStore, default_endpoints
from kg.store import KGStore, StoreError, export_bytes

from .conftest import SEED, stop_process

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
OXIGRAPH = Path(sys.executable).with_name("oxigraph")

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not OXIGRAPH.exists(), reason="the oxigraph server (pip install oxigraph) is not installed"),
]

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, location: Path, union: bool = True) -> None:
        self.port = free_port()
        args = [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        if union:
            args.append("--union-default-graph")
        # The log goes to a file: a pipe nobody reads could fill up and stall the server.
        self.log = location.with_name(location.name + ".log")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        self.query = self.url + "/query"
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(self.query + "?query=ASK%7B%7D", timeout=1) as r:
                    r.read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    err = self.log.read_text(errors="replace")
                    pytest.fail(f"oxigraph server did not start: {err}")
                time.sleep(0.05)

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "oxigraph")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """examples/ (and the seed article when ../shared is there) in one folder of our own (tests
    edit files in it)."""
    d = tmp_path_factory.mktemp("corpus")
    if SEED.exists():
        shutil.copy(SEED, d / SEED.name)
    shutil.copytree(EXAMPLES, d / "examples")
    return d


@pytest.fixture(scope="module")
def n_docs(corpus) -> int:
    from kg.ingest import iter_sources

    n = len(list(iter_sources([str(corpus)])))
    assert n >= 5
    return n


@pytest.fixture(scope="module")
def embedded(corpus, tmp_path_factory) -> Path:
    """An embedded store built from the same corpus, once for the module."""
    path = tmp_path_factory.mktemp("emb") / "store"
    res = runner.invoke(app, ["build", str(corpus), "--store", str(path), "-q"])
    assert res.exit_code == 0, res.output
    return path


def kg(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, f"kg {' '.join(args)} -> {res.exit_code}: {res.output} {res.exception!r}"
    return res.stdout


def nquads(*where: str) -> list[str]:
    return sorted(line for line in kg("export", "--format", "nquads", *where).splitlines() if line.strip())


def by_graph(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for q in ox.parse("\n".join(lines).encode(), format=ox.RdfFormat.N_QUADS):
        out[q.graph_name.value].append(f"{q.subject} {q.predicate} {q.object}")
    return {g: sorted(v) for g, v in out.items()}


# --- the same graph through --endpoint as in the embedded store ------------------------------


def test_build_through_endpoint_gives_the_same_nquads(server, corpus, embedded, n_docs):
    out = kg("build", str(corpus), "--endpoint", server.query, "-q")
    assert f"built {n_docs} document(s)" in out and server.query in out
    remote = nquads("--endpoint", server.query)
    assert len(remote) > 500
    assert remote == nquads("--store", str(embedded))
    assert kg("stats", "--endpoint", server.query) == kg("stats", "--store", str(embedded))
    # A second build sees every document unchanged (content hash and fingerprint read back remotely).
    assert f"built 0 document(s), {n_docs} unchanged" in kg("build", str(corpus), "--endpoint", server.query, "-q")
    assert nquads("--endpoint", server.query) == remote


QUERIES = [
    # entities by class
    "SELECT ?e ?c WHERE { ?e a ?c . FILTER(STRSTARTS(STR(?e), 'https://w3id.org/kg/id/')) } ORDER BY ?e ?c",
    # facts with provenance, labels in one script
    """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
       PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
       PREFIX kgo: <https://w3id.org/kg/ontology#>
       SELECT ?s ?p ?o ?rule ?l WHERE {
         ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kgo:rule ?rule .
         OPTIONAL { ?s skos:prefLabel ?l FILTER(langMatches(lang(?l), "zh-Hant")) }
       } ORDER BY ?s ?p ?o ?rule ?l""",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
]


def test_query_through_endpoint_returns_the_same_rows(server, corpus, embedded):
    kg("build", str(corpus), "--endpoint", server.query, "-q")
    for q in QUERIES:
        for fmt in ("csv", "json", "table"):
            assert kg("query", q, "--format", fmt, "--endpoint", server.query) == kg(
                "query", q, "--format", fmt, "--store", str(embedded)
            ), (q, fmt)
    construct = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c FILTER(isIRI(?s)) }"
    assert sorted(kg("query", construct, "--format", "csv", "--endpoint", server.query).splitlines()) == sorted(
        kg("query", construct, "--format", "csv", "--store", str(embedded)).splitlines()
    )
    ask = "ASK { ?s a <https://w3id.org/kg/ontology#Company> }"
    assert kg("query", ask, "--endpoint", server.query) == "true\n"
    # Saved questions run remotely too.
    for name in ("most-mentioned", "supply-chain"):
        assert kg("query", "-f", name, "--format", "csv", "--endpoint", server.query) == kg(
            "query", "-f", name, "--format", "csv", "--store", str(embedded)
        ), name


def test_bad_query_is_a_usage_error(server):
    res = runner.invoke(app, ["query", "SELEC ?x", "--endpoint", server.query])
    assert res.exit_code == 2
    assert res.stderr.startswith("kg: invalid SPARQL:") and res.stderr.count("\n") == 1


def test_rebuilding_an_edited_document_replaces_only_its_graph(server, corpus, tmp_path, n_docs):
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work)
    emb = tmp_path / "emb"
    kg("build", str(work), "--endpoint", server.query, "-q")
    kg("build", str(work), "--store", str(emb), "-q")
    before = by_graph(nquads("--endpoint", server.query))

    edited = work / "examples" / "calder-robotics-series-b-2025-07-22.en.txt"
    edited.write_text(edited.read_text("utf-8") + "\nNvidia supplies chips to Calder Robotics.\n", "utf-8")
    out = kg("build", str(work), "--endpoint", server.query, "-q")
    assert f"built 1 document(s), {n_docs - 1} unchanged" in out
    kg("build", str(work), "--store", str(emb), "-q")

    after_lines = nquads("--endpoint", server.query)
    assert after_lines == nquads("--store", str(emb))
    after = by_graph(after_lines)
    changed = {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}
    assert len(changed) == 1
    doc = changed.pop()
    assert doc.startswith("https://w3id.org/kg/doc/") and doc.endswith("/calder-robotics-series-b-2025-07-22.en")

    # Removing a document drops exactly its graph.
    store = RemoteStore(server.query)
    assert doc in store.documents()
    kg("remove", doc.removeprefix("https://w3id.org/kg/doc/"), "--endpoint", server.query)
    assert not store.remove_document(doc)
    assert doc not in store.documents() and len(store.documents()) == n_docs - 1
    assert {g: v for g, v in by_graph(nquads("--endpoint", server.query)).items()} == {
        g: v for g, v in after.items() if g != doc
    }


# --- writes: batching, splitting, Graph Store Protocol --------------------------------------


@pytest.fixture(scope="module")
def docs(corpus) -> list[tuple[str, list[ox.Quad]]]:
    """The corpus as (graph IRI, quads), extracted once: the write tests compare stores fed the same quads."""
    from kg.ingest import iter_sources
    from kg.pipeline import _parse_nquads, fingerprint, process

    fp = fingerprint()
    out = []
    for src in iter_sources([str(corpus)]):
        res = process(src, fp)
        assert res.error is None, res.error
        out.append((res.iri, _parse_nquads(res.nquads)))
    assert len(out) >= 5
    return out


def embedded_nquads(docs, tmp_path) -> bytes:
    emb = KGStore(str(tmp_path / "emb-docs"))
    emb.replace_documents(docs)
    return export_bytes(emb, "nquads")


def test_graph_store_protocol_and_split_updates(server, docs, tmp_path, monkeypatch):
    want = embedded_nquads(docs, tmp_path)
    calls: list[tuple[str, str]] = []
    real = RemoteStore._request

    def spy(self, method, url, *a, **kw):
        calls.append((method, url.split("?")[0]))
        return real(self, method, url, *a, **kw)

    monkeypatch.setattr(RemoteStore, "_request", spy)

    # Several documents to one update request ...
    store = RemoteStore(server.query)
    store.replace_documents(docs)
    assert export_bytes(store, "nquads") == want
    assert calls.count(("POST", server.url + "/update")) == 1

    # ... or every document alone in its own update request when they exceed max_update_bytes.
    calls.clear()
    store = RemoteStore(server.query, max_update_bytes=1, gsp_min_bytes=10**12)
    store.replace_documents(docs)
    assert export_bytes(store, "nquads") == want
    assert calls.count(("POST", server.url + "/update")) == len(docs)
    assert not any(m == "PUT" for m, _ in calls)

    # Every document through PUT /store?graph=..., replacing what is there.
    calls.clear()
    store = RemoteStore(server.query, gsp_min_bytes=0)
    store.replace_documents(docs)
    assert export_bytes(store, "nquads") == want
    assert calls.count(("PUT", server.url + "/store")) == len(docs)
    assert ("POST", server.url + "/update") not in calls

    # Replacing with an edited document (fewer quads) through either path leaves no stale quads.
    iri, quads = docs[0]
    for s in (RemoteStore(server.query), RemoteStore(server.query, gsp_min_bytes=0)):
        s.replace_documents([(iri, quads[: len(quads) // 2])])
        assert sorted(map(str, (q for q in s.all_quads() if q.graph_name.value == iri))) == sorted(
            map(str, quads[: len(quads) // 2])
        )
        s.replace_documents([(iri, quads)])
    assert export_bytes(store, "nquads") == want


def test_missing_graph_store_endpoint_falls_back_to_update(server, docs, tmp_path):
    # A guessed Graph Store URL that the server lacks is dropped; SPARQL UPDATE does the work.
    store = RemoteStore(server.query, gsp_min_bytes=0)
    store.store_url = server.url + "/x/data"
    store.replace_documents(docs)
    assert store.store_url is None
    assert export_bytes(store, "nquads") == embedded_nquads(docs, tmp_path)
    # A Graph Store URL given explicitly that fails is an error.
    bad = RemoteStore(server.query, store_url=server.url + "/nothing", gsp_min_bytes=0)
    with pytest.raises(StoreError, match=r"/nothing\?graph=.*: HTTP 404"):
        bad.replace_documents(docs[:1])


# --- errors ---------------------------------------------------------------------------------


def test_dead_endpoint_is_one_line_and_exit_1(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/query"
    kg_bin = Path(sys.executable).with_name("kg")
    cmd = [str(kg_bin)] if kg_bin.exists() else [sys.executable, "-m", "kg.cli"]
    for args in (["query", "ASK {}"], ["export", "--format", "nquads"], ["stats"], ["build", str(EXAMPLES), "-q"]):
        p = subprocess.run([*cmd, *args, "--endpoint", dead], capture_output=True, text=True, timeout=60)
        assert p.returncode == 1, (args, p.stderr)
        assert "Traceback" not in p.stderr
        assert p.stderr.count("\n") == 1 and p.stderr.startswith(f"kg: {dead}: cannot connect"), p.stderr
        assert p.stdout == ""


def test_server_gone_half_way_is_one_line(server):
    store = RemoteStore(server.query)
    assert store.documents() == []
    server.stop()
    with pytest.raises(StoreError, match=r"^http://127\.0\.0\.1:\d+/query: cannot connect"):
        store.stats()


def test_http_errors_carry_the_servers_message(server):
    res = runner.invoke(app, ["query", "ASK {}", "--endpoint", server.url + "/nothing"])
    assert res.exit_code == 1
    assert res.stderr.startswith(f"kg: {server.url}/nothing: HTTP 404") and res.stderr.count("\n") == 1
    res = runner.invoke(app, ["stats", "--store", "x", "--endpoint", server.query])
    assert res.exit_code == 2
    res = runner.invoke(app, ["stats", "--update-endpoint", server.url + "/update"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["stats", "--endpoint", "ftp://example.com/sparql"])
    assert res.exit_code == 1 and "not a valid http(s) endpoint URL" in res.stderr


def test_warns_without_union_default_graph(tmp_path, corpus):
    s = Server(tmp_path / "plain", union=False)
    try:
        kg("build", str(corpus / "examples"), "--endpoint", s.query, "-q")
        res = runner.invoke(app, ["stats", "--endpoint", s.query])
        assert res.exit_code == 0
        assert "kg: warning:" in res.stderr and "union" in res.stderr
    finally:
        s.stop()


def test_default_endpoints():
    assert default_endpoints("http://h:7878/query") == ("http://h:7878/update", "http://h:7878/store")
    assert default_endpoints("http://h:3030/ds/sparql") == ("http://h:3030/ds/update", "http://h:3030/ds/data")
    assert default_endpoints("http://h:3030/ds/query") == ("http://h:3030/ds/update", "http://h:3030/ds/data")
    assert default_endpoints("http://h:7200/repositories/kg") == (
        "http://h:7200/repositories/kg/statements", "http://h:7200/repositories/kg/rdf-graphs/service",
    )
    assert default_endpoints("http://h:8890/sparql") == ("http://h:8890/sparql", None)
    s = RemoteStore("http://u%40x:p%3Aw@h:8890/sparql", update_url="http://h:8890/sparql-auth")
    assert s.query_url == "http://h:8890/sparql" and s._auth == {"user": "u@x", "password": "p:w"}
    assert "p:w" not in repr(s)



def test_update_passes_through(server):
    store = RemoteStore(server.query)
    store.update('INSERT DATA { GRAPH <https://w3id.org/kg/doc/u> { <https://w3id.org/kg/doc/u> a <https://w3id.org/kg/ontology#Document> } }')
    assert store.documents() == ["https://w3id.org/kg/doc/u"]
    with pytest.raises(SyntaxError):
        store.update("INSERT NOTHING")
    with pytest.raises(SyntaxError):
        store.query("SELECT WHERE")
