"""Bad SPARQL and bad RDF: a one-line message, the right exit code, and the store untouched.

Hostile RDF/XML (external entities reading local files, billion laughs) and JSON-LD (remote
contexts) is refused without reading the file system or the network and in bounded memory."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import threading
from pathlib import Path

import pytest

from .helpers import assert_clean_stderr, kg, kg_measured, sorted_nquads, write_corpus

GOOD_TTL = """@prefix ex: <http://example.org/> .
ex:a ex:knows ex:b .
ex:b ex:name "B" .
"""
PASSWD_MARK = "root:x:0:0"  # the first line of /etc/passwd on every Linux


@pytest.fixture(scope="module")
def base_store(tmp_path_factory):
    d = tmp_path_factory.mktemp("rdf")
    write_corpus(d / "corpus", 6)
    res = kg("build", d / "corpus", "--store", d / "store")
    assert res.returncode == 0, res.stderr
    (d / "data.ttl").write_text(GOOD_TTL, "utf-8")
    res = kg("import", d / "data.ttl", "--store", d / "store")
    assert res.returncode == 0, res.stderr
    return d / "store"


@pytest.fixture
def store(base_store, tmp_path):
    s = tmp_path / "store"
    shutil.copytree(base_store, s)
    return s


# --- SPARQL ------------------------------------------------------------------------------------

BAD_QUERIES = [
    ("PREFIX ex: <http://example.org/>\nSELECT ?s\nWHERE { ?s ?p }", 3, 16),
    ("SELECT * WHERE { ?s foo:bar ?o }", 1, None),
    ("SELEC * WHERE { ?s ?p ?o }", 1, None),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT -1", 1, None),
    ("DROP ALL", 1, None),  # an update is not a query, and kg query never writes
    ("SELECT * WHERE {\n  ?s ?p \"unterminated\n}", 2, None),
]


@pytest.mark.parametrize("sparql,line,col", BAD_QUERIES)
def test_invalid_sparql_gives_parser_position_and_exit_2(store, sparql, line, col):
    before = sorted_nquads(store)
    res = kg("query", "--store", store, sparql)
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert_clean_stderr(res.stderr)
    assert len(res.stderr.splitlines()) == 1
    m = re.search(r"invalid SPARQL: .*?(\d+):(\d+)", res.stderr)
    assert m, res.stderr
    assert int(m.group(1)) == line
    if col is not None:
        assert int(m.group(2)) == col
    assert res.stdout == ""
    assert sorted_nquads(store) == before


def test_query_failing_while_results_stream_is_one_line(store):
    """Errors that appear only when results are read (here a SERVICE nobody answers)."""
    with socket.socket() as s:  # a local port with nothing listening: connection refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = kg("query", "--store", store, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}")
    assert res.returncode in (1, 2), res.stderr
    assert_clean_stderr(res.stderr)
    assert len(res.stderr.splitlines()) == 1


def test_query_file_that_is_not_utf8(store, tmp_path):
    q = tmp_path / "q.rq"
    q.write_bytes("SELECT * WHERE { ?s ?p \"摩尔线程\" }".encode("gb18030"))
    res = kg("query", "--store", store, "-f", q)
    assert res.returncode == 2, res.stderr
    assert_clean_stderr(res.stderr)


# --- kg import of malformed RDF ----------------------------------------------------------------

MALFORMED = {
    "bad.ttl": "@prefix ex: <http://example.org/> .\n" + "ex:s ex:p ex:o .\n" * 2000 + "ex:d ex:e \n",
    "bad.nt": "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n" * 2000
    + "<http://example.org/a> <http://example.org/b> .\n",
    "bad.nq": "<http://example.org/a> <http://example.org/b> <http://example.org/c> <http://example.org/g> .\n" * 2000
    + "<http://example.org/a> <http://example.org/b> \"unterminated <http://example.org/g> .\n",
    "bad.trig": "@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b ex:c . }\nex:h { ex:a ex:b \n",
    "bad.rdf": '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://example.org/">' + '<rdf:Description rdf:about="http://example.org/a"><ex:b>x</ex:b></rdf:Description>' * 500
    + '<rdf:Description rdf:about="http://example.org/z"><ex:b>x</ex:c></rdf:RDF>\n',
    "bad.jsonld": '{"@id": "http://example.org/a", "http://example.org/b": [1, 2, }',
    "data.ttl": "@prefix ex: <http://example.org/> .\nex:a ex:knows ex:c .\nex:broken ex:name \"unterminated .\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_rdf_is_refused_and_store_unchanged(store, tmp_path, name):
    """data.ttl is the name of a graph already imported: a broken re-import must keep the old one."""
    f = tmp_path / name
    f.write_text(MALFORMED[name], "utf-8")
    before = sorted_nquads(store)
    res = kg("import", f, "--store", store)
    assert res.returncode != 0
    assert_clean_stderr(res.stderr)
    assert len(res.stderr.splitlines()) == 1 and str(f) in res.stderr
    assert "not valid" in res.stderr
    assert sorted_nquads(store) == before


def test_malformed_file_after_good_ones_keeps_the_good_ones(store, tmp_path):
    """Several files: each is all or nothing; the good one before the bad one stays in."""
    good = tmp_path / "extra.nt"
    good.write_text("<http://example.org/x> <http://example.org/y> <http://example.org/z> .\n", "utf-8")
    bad = tmp_path / "bad.nt"
    bad.write_text(MALFORMED["bad.nt"], "utf-8")
    before = sorted_nquads(store)
    res = kg("import", good, bad, "--store", store)
    assert res.returncode == 1
    assert_clean_stderr(res.stderr)
    after = sorted_nquads(store)
    added = set(after) - set(before)
    assert added == {"<http://example.org/x> <http://example.org/y> <http://example.org/z> "
                     "<https://w3id.org/kg/import/extra.nt> ."}
    assert set(before) <= set(after)


def test_import_odd_names_and_graph_iris(store, tmp_path):
    f = tmp_path / "my data [v2].nt"
    f.write_text("<http://example.org/x> <http://example.org/y> \"z\" .\n", "utf-8")
    res = kg("import", f, "--store", store)
    assert res.returncode == 0, res.stderr
    before = sorted_nquads(store)
    res = kg("import", f, "--store", store, "--graph", "not an iri")
    assert res.returncode != 0
    assert_clean_stderr(res.stderr)
    assert sorted_nquads(store) == before


# --- hostile RDF -------------------------------------------------------------------------------

RDF_OPEN = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
            '<rdf:Description rdf:about="http://example.org/a"><ex:b>{}</ex:b></rdf:Description></rdf:RDF>\n')


def _hostile(tmp_path: Path) -> dict[str, str]:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "utf-8")
    lol = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)]
    return {
        "xxe.rdf": '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
        + RDF_OPEN.format("&xxe;"),
        "xxe-param.owl": '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY % p SYSTEM "file:///etc/passwd"> %p; ]>\n'
        + RDF_OPEN.format("x"),
        "xxe-dtd.xml": f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "file://{dtd}">\n' + RDF_OPEN.format("&xxe;"),
        "lol.rdf": '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(lol) + "\n]>\n" + RDF_OPEN.format("&lol9;"),
    }


@pytest.mark.parametrize("name", ["xxe.rdf", "xxe-param.owl", "xxe-dtd.xml", "lol.rdf"])
def test_hostile_rdfxml_is_refused_without_reading_files_or_memory(store, tmp_path, name):
    assert PASSWD_MARK in Path("/etc/passwd").read_text()
    f = tmp_path / name
    f.write_text(_hostile(tmp_path)[name], "utf-8")
    before = sorted_nquads(store)
    res = kg_measured("import", f, "--store", store, timeout=30)
    assert res.returncode != 0
    assert_clean_stderr(res.stderr)
    assert PASSWD_MARK not in res.stderr + res.stdout
    assert res.max_rss_mb < 400, res.max_rss_mb
    after = sorted_nquads(store)
    assert after == before
    assert not any(PASSWD_MARK in q or "lollollol" in q for q in after)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        _Recorder.hits.append(self.path)
        body = b'{"@context": {"name": "http://example.org/name"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def test_jsonld_remote_contexts_are_never_fetched(store, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ctx.jsonld"
        before = sorted_nquads(store)
        for i, ctx in enumerate([url, "file:///etc/passwd"]):
            f = tmp_path / f"remote{i}.jsonld"
            f.write_text(json.dumps({"@context": ctx, "@id": "http://example.org/a", "name": "x"}), "utf-8")
            res = kg("import", f, "--store", store, timeout=60)
            assert res.returncode != 0
            assert_clean_stderr(res.stderr)
            assert PASSWD_MARK not in res.stderr
        assert _Recorder.hits == []
        assert sorted_nquads(store) == before
    finally:
        server.shutdown()
        server.server_close()
