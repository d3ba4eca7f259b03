"""kg serve under hostile or heavy use: auth, SERVICE, limits, traversal, runaway queries, load."""

from __future__ import annotations

import csv
import http.client
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.serve import uses_keyword
from kg.store import KGStore

from ..conftest import ROOT, http_request, require_shared, running
from ..conftest import SEED as ARTICLE

KGO = "https://w3id.org/kg/ontology#"
EX = "http://example.org/"
TOKEN = "s3cret-token-for-tests"
PREFIXES = f"PREFIX kgo: <{KGO}>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
COUNT_DOCS = PREFIXES + "SELECT (COUNT(?d) AS ?n) WHERE { ?d a kgo:Document }"
MARK = f"ASK {{ <{EX}added> <{EX}by> <{EX}update> }}"
INSERT = f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}added> <{EX}by> <{EX}update> }} }}"


# --- helpers -----------------------------------------------------------------------------------


request = http_request  # one raw request (the path goes out exactly as given): tests/conftest.py


def query(server, sparql: str, accept: str = "application/sparql-results+json", **kw):
    return request(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": sparql}), headers={"Accept": accept}, **kw)


def update(server, sparql: str, headers: dict | None = None, form: bool = False):
    if form:
        body = urllib.parse.urlencode({"update": sparql}).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        body = sparql.encode("utf-8")
        h = {"Content-Type": "application/sparql-update"}
    return request(server, "POST", "/sparql", body=body, headers={**h, **(headers or {})})


def ask(server, sparql: str) -> bool:
    status, _, body = query(server, sparql)
    assert status == 200, body
    return json.loads(body)["boolean"]


def wait_idle(server, limit: float = 60.0) -> None:
    end = time.monotonic() + limit
    while server.slots.active and time.monotonic() < end:
        time.sleep(0.05)
    assert server.slots.active == 0


@contextmanager
def listener():
    """A TCP port that records every connection made to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.05)
    hits: list[float] = []
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                c, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            hits.append(time.monotonic())
            c.close()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield sock.getsockname()[1], hits
    finally:
        stop.set()
        t.join(2)
        sock.close()


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    require_shared()  # the seed article: one skip reason for every test that needs ../shared
    d = tmp_path_factory.mktemp("endpoint") / "seed"
    r = subprocess.run([sys.executable, "-m", "kg.cli", "build", str(ARTICLE), "--store", str(d), "--quiet"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return d


@pytest.fixture(scope="module")
def ro_store(seed):
    return KGStore(str(seed), read_only=True, create=False)


@pytest.fixture(scope="module")
def ro(ro_store):
    with running(ro_store) as s:
        yield s


@pytest.fixture(scope="module")
def rw(seed, tmp_path_factory):
    copy = tmp_path_factory.mktemp("endpoint-rw") / "store"
    shutil.copytree(seed, copy)
    store = KGStore(str(copy), create=False)
    with running(store, allow_update=True, token=TOKEN) as s:
        yield s


@pytest.fixture(scope="module")
def slow_store(tmp_path_factory):
    """~20k synthetic triples: enough for cross joins that run for seconds."""
    store = KGStore(str(tmp_path_factory.mktemp("endpoint-slow") / "store"))
    g = ox.NamedNode(EX + "g")
    store.ox.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p{i % 7}"), ox.Literal(i), g)
                    for i in range(20_000))
    return store


# A 2857 x 20000 cross join that streams a few thousand rows a second: the worker stops at the deadline.
STREAMING = f"SELECT ?a ?c WHERE {{ ?a <{EX}p0> ?b . ?c ?q ?d . FILTER(?d > ?b && ?d - ?b < 20) }}"
SIMPLE_ASK = f"ASK {{ <{EX}s1> <{EX}p1> 1 }}"


# --- updates -----------------------------------------------------------------------------------


def test_update_without_token_is_403(rw):
    for form in (False, True):
        status, _, body = update(rw, INSERT, form=form)
        assert status == 403, body
    assert ask(rw, MARK) is False


@pytest.mark.parametrize("auth", [
    f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", f"Basic {TOKEN}", TOKEN, f"Bearer{TOKEN}",
    f"Token {TOKEN}",
])
def test_update_with_wrong_token_is_403(rw, auth):
    status, _, body = update(rw, INSERT, headers={"Authorization": auth})
    assert status == 403 and b"token" in body
    assert ask(rw, MARK) is False


def test_update_with_token_changes_data(rw):
    status, _, body = update(rw, INSERT, headers={"Authorization": f"Bearer {TOKEN}"})
    assert 200 <= status < 300, body
    assert ask(rw, MARK) is True
    status, _, _ = update(rw, f"DELETE DATA {{ GRAPH <{EX}g> {{ <{EX}added> <{EX}by> <{EX}update> }} }}",
                          headers={"Authorization": f"Bearer {TOKEN}"}, form=True)
    assert 200 <= status < 300
    assert ask(rw, MARK) is False


def test_update_refused_on_read_only_server(ro):
    status, _, body = update(ro, INSERT, headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 403 and b"disabled" in body
    assert ask(ro, MARK) is False


def test_update_cannot_sneak_through_get_or_query(rw):
    status, _, _ = request(rw, "GET", "/sparql?" + urllib.parse.urlencode({"update": INSERT}),
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 405
    status, _, body = query(rw, INSERT)
    assert status == 400 and b"invalid SPARQL" in body
    status, _, _ = request(rw, "POST", "/sparql", body=INSERT.encode(),
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 400
    assert ask(rw, MARK) is False


def test_update_service_description_mentions_update(rw):
    status, _, body = request(rw, "GET", "/sparql")
    assert status == 200 and b"SPARQL11Update" in body


# --- SERVICE -----------------------------------------------------------------------------------


SNEAKY = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICESILENT<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o .SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p trueSERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p 5SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p \"x\"SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "PREFIX x: <{base}> SELECT * WHERE {{ SERVICEx:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p <http://e/\\u006F#> . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * # comment\nWHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
]


def test_service_refused_without_connecting(ro):
    with listener() as (port, hits):
        base = f"http://127.0.0.1:{port}/"
        for template in SNEAKY + ["SELECT * WHERE {{ SERVICE <http://127.0.0.1:9/sparql> {{ ?s ?p ?o }} }}"]:
            q = template.format(url=base + "sparql", base=base)
            status, _, body = query(ro, q)
            assert status == 400, q
            assert b"SERVICE" in body and b"--allow-service" in body
            status, _, body = request(ro, "POST", "/sparql", body=q.encode(),
                                      headers={"Content-Type": "application/sparql-query"})
            assert status == 400, q
        time.sleep(0.2)
        assert hits == []


def test_sneaky_service_forms_really_are_service_clauses():
    """The refused forms are what pyoxigraph itself reads as SERVICE (so refusing them matters)."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.NamedNode("http://e/o")))
    port9 = "http://127.0.0.1:9/"
    for template in SNEAKY[:4] + SNEAKY[8:9]:
        q = template.format(url=port9 + "sparql", base=port9)
        assert uses_keyword(q, "SERVICE")
        try:
            list(store.query(q))
        except SyntaxError:
            pytest.fail(f"pyoxigraph does not parse {q!r}")
        except OSError:
            pass  # it tried to call the service (port 9 is refused by its HTTP client)


@pytest.mark.parametrize("sparql", [
    'SELECT * WHERE { ?s ?p "this text mentions SERVICE <http://127.0.0.1:9/sparql> { }" } LIMIT 1',
    "SELECT * WHERE { ?s ?p '''SERVICE\nSERVICE''' } LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/sparql> is not used\nLIMIT 1",
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    "PREFIX schema: <http://schema.org/> SELECT * WHERE { ?s schema:serviceType ?o } LIMIT 1",
    "SELECT * WHERE { ?s ?p <http://example.org/SERVICE> } LIMIT 1",
])
def test_service_word_elsewhere_is_fine(ro, sparql):
    status, _, body = query(ro, sparql)
    assert status == 200, body


def test_service_check_is_linear_on_hostile_input():
    # 200 kB each.  A backtracking string pattern took 19 s on 40 kB of `"\\"\\"...` (holding the GIL).
    n = 200_000
    hostile = ['"' + '\\"' * (n // 2), '"\\"' * (n // 2), "ex:" + "SERVICE" * (n // 7), "'''" + "a" * n, "<a" * (n // 2),
               "'''\\" * (n // 4), '"' + "\\" * n]
    for text in hostile:
        t0 = time.monotonic()
        uses_keyword(text, "SERVICE")
        assert time.monotonic() - t0 < 2.0, text[:20]


def test_allow_service_really_reaches_out(ro_store):
    """With --allow-service pyoxigraph's own HTTP client calls the service: the refusal is not moot."""
    with listener() as (port, hits), running(ro_store, allow_service=True, timeout=5) as s:
        q = f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        status, _, body = query(s, q)
        assert status == 200, body
        assert hits


def test_load_refused_in_updates(rw):
    with listener() as (port, hits):
        status, _, body = update(rw, f"LOAD <http://127.0.0.1:{port}/data.ttl>",
                                 headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 400 and b"LOAD" in body
        status, _, body = update(rw, f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                                 headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 400 and b"SERVICE" in body
        time.sleep(0.2)
        assert hits == []


# --- request size and paths -----------------------------------------------------------------------


def test_oversized_body_is_413(ro):
    big = urllib.parse.urlencode({"query": "ASK {}" + " " * (2 << 20)}).encode()
    status, headers, body = request(ro, "POST", "/sparql", body=big,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and b"--max-body" in body
    assert headers.get("access-control-allow-origin") == "*"
    status, _, _ = request(ro, "POST", "/sparql", body=b"ASK {}" + b" " * (2 << 20),
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 413


def test_body_limit_boundary(ro_store):
    with running(ro_store, max_body=300) as s:
        q = "ASK { ?s ?p ?o }"
        ok = q + " " * (300 - len(q))
        status, _, _ = request(s, "POST", "/sparql", body=ok.encode(), headers={"Content-Type": "application/sparql-query"})
        assert status == 200
        status, _, _ = request(s, "POST", "/sparql", body=(ok + " ").encode(),
                               headers={"Content-Type": "application/sparql-query"})
        assert status == 413


def _raw_post(server, rest: bytes) -> bytes:
    """A POST /sparql written byte by byte (headers after Content-Type, then any body); the
    first bytes of the answer."""
    with socket.create_connection(server.server_address[:2], timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n" + rest)
        return sock.recv(4096)


def test_expect_continue_gets_413_before_the_body(ro):
    head = _raw_post(ro, b"Content-Length: 50000000\r\nExpect: 100-continue\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")


def test_chunked_body_is_read_within_the_limit(ro_store):
    with running(ro_store, max_body=300) as s:
        head = _raw_post(s, b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        chunk = b"ASK {}" + b" " * 200
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(3)) + b"0\r\n\r\n"
        head = _raw_post(s, b"Transfer-Encoding: chunked\r\n\r\n" + body)
        assert head.startswith(b"HTTP/1.1 413")


TRAVERSALS = [
    "/../../etc/passwd", "/static/..%2f..%2fetc/passwd", "/static/..%2F..%2F..%2Fetc%2Fpasswd",
    "/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%5c..%5cetc%5cpasswd",
    "/static/%252e%252e/%252e%252e/etc/passwd", "/query/../../../etc/passwd", "/query/..%2f..%2fkg%2fserve.py",
    "//etc/passwd", "/static/query.html", "/query.html/../../../../etc/passwd", "/kg/serve.py",
    "/static/../serve.py", "/..\\..\\etc\\passwd", "/sparql/../../etc/passwd", "/etc/passwd",
    "/%00/etc/passwd", "/static/viewer.js", "http://127.0.0.1/../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_404(ro, path):
    status, _, body = request(ro, "GET", path)
    assert status == 404, path
    assert b"root:" not in body and b"import " not in body and b"<html" not in body.lower()
    assert len(body) < 100


# --- result limits ---------------------------------------------------------------------------------


def test_row_limit_fails_instead_of_truncating(ro_store):
    with running(ro_store, max_rows=5) as s:
        status, _, body = query(s, "SELECT * WHERE { ?s ?p ?o }")
        assert status == 422 and b"--max-rows" in body and b"LIMIT" in body
        status, _, body = query(s, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
        status, _, body = query(s, "SELECT * WHERE { ?s ?p ?o } LIMIT 5", accept="text/csv")
        assert status == 200 and len(list(csv.reader(io.StringIO(body.decode())))) == 6
        status, _, body = query(s, "CONSTRUCT WHERE { ?s ?p ?o }", accept="text/turtle")
        assert status == 422
        status, _, body = query(s, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5", accept="application/n-triples")
        assert status == 200 and len(body.decode().strip().splitlines()) == 5


# --- time limit and concurrency ----------------------------------------------------------------------


# 2000^4 = 1.6e13 combinations counted inside one native call: no machine finishes it within any
# time limit, so the test below holds on a fast machine and on a loaded one alike.
NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"


@pytest.fixture(scope="module")
def never_store(tmp_path_factory) -> Path:
    """2000 triples in a closed store directory, for a server in a child process."""
    path = tmp_path_factory.mktemp("endpoint-never") / "store"
    store = KGStore(str(path))
    g = ox.NamedNode(EX + "g")
    store.ox.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p{i % 7}"), ox.Literal(i), g)
                    for i in range(2000))
    store.flush()
    del store
    return path


def _get(base: str, sparql: str):
    host, port = urllib.parse.urlsplit(base).netloc.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": sparql}),
                     headers={"Accept": "application/sparql-results+json"})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_runaway_query_times_out_while_others_are_answered(never_store):
    """A query that never ends gets 503 at the time limit; others are answered meanwhile; its
    worker keeps its slot (Oxigraph cannot interrupt a native call), so once every slot holds a
    runaway, further queries get 503 busy instead of waiting.  The server runs in a child
    process, stopped at the end: the runaway workers burn CPU until then."""
    from ..test_serve import cli_server

    limit = 2.0
    with cli_server(never_store, "--quiet", "--timeout", str(limit), "--max-queries", "3") as (_proc, base):
        out: dict[int, tuple] = {}

        def runaway(i: int) -> None:
            t0 = time.monotonic()
            out[i] = (*_get(base, NEVER_ENDS), time.monotonic() - t0)

        first = threading.Thread(target=runaway, args=(0,))
        first.start()
        for _ in range(3):  # answered while the runaway runs (it never stops)
            status, _, body = _get(base, SIMPLE_ASK)
            assert status == 200 and json.loads(body)["boolean"] is True
        first.join(60)
        status, _, body, elapsed = out[0]
        assert status == 503 and b"time limit" in body, body
        assert elapsed >= limit * 0.9  # never answered before the limit; no upper bound (machine speed)
        status, _, body = _get(base, SIMPLE_ASK)  # its worker is still running: two slots are left
        assert status == 200, body
        more = [threading.Thread(target=runaway, args=(i,)) for i in (1, 2)]
        for t in more:
            t.start()
        for t in more:
            t.join(60)
        assert [out[i][0] for i in (1, 2)] == [503, 503]
        status, headers, body = _get(base, SIMPLE_ASK)  # three runaways hold the three slots
        assert status == 503 and b"busy" in body and headers.get("retry-after")


def test_streaming_runaway_stops_at_the_deadline(slow_store):
    """Whether the deadline comes before the first 256 kB are sent (503) or after (the stream is
    cut, so the client sees an incomplete answer, never a clean partial one) depends on the
    machine's speed; both stop the runaway at the deadline."""
    import http.client

    with running(slow_store, timeout=1.0) as s:
        t0 = time.monotonic()
        try:
            status, _, body = query(s, STREAMING)
            assert status == 503 and b"time limit" in body
        except http.client.IncompleteRead:
            pass  # streaming had started: the connection was cut at the deadline
        assert time.monotonic() - t0 < 3.0
        # the worker notices the deadline at its next write and gives its thread back soon after
        end = time.monotonic() + 3.0
        while s.slots.active and time.monotonic() < end:
            time.sleep(0.05)
        assert s.slots.active == 0


def test_all_slots_busy_is_503(slow_store):
    with running(slow_store, timeout=1.0, max_queries=1, queue_wait=0.3) as s:
        t = threading.Thread(target=query, args=(s, STREAMING))
        t.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        status, headers, body = query(s, SIMPLE_ASK)
        assert status == 503 and b"busy" in body and headers.get("retry-after")
        assert time.monotonic() - t0 < 1.5
        t.join(10)
        wait_idle(s, 5)
        assert ask(s, SIMPLE_ASK) is True


def test_bounded_load(ro):
    """8 clients for ~5 s of simple queries: every answer complete and correct, server fine after."""
    persons_q = PREFIXES + "SELECT DISTINCT ?p WHERE { ?p a kgo:Person } ORDER BY ?p"
    status, _, body = query(ro, persons_q)
    persons = [b["p"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert status == 200 and persons
    construct_q = PREFIXES + "CONSTRUCT { ?p kgo:executiveOf ?o } WHERE { ?p kgo:executiveOf ?o }"
    status, _, body = query(ro, construct_q, accept="application/n-triples")
    n_exec = len(body.decode().strip().splitlines())

    def check(kind: str, status: int, body: bytes) -> None:
        assert status == 200, (kind, status, body[:200])
        if kind == "count":
            assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1"
        elif kind == "persons":
            assert [b["p"]["value"] for b in json.loads(body)["results"]["bindings"]] == persons
        elif kind == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            assert rows[0] == ["p"] and [r[0] for r in rows[1:]] == persons
        elif kind == "ask":
            assert json.loads(body)["boolean"] is True
        elif kind == "construct":
            assert len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == n_exec

    jobs = [
        ("count", COUNT_DOCS, "application/sparql-results+json"),
        ("persons", persons_q, "application/sparql-results+json"),
        ("csv", persons_q, "text/csv"),
        ("ask", PREFIXES + "ASK { ?d a kgo:Document }", "application/sparql-results+json"),
        ("construct", construct_q, "text/turtle"),
    ]
    errors: list = []
    done = [0] * 8
    stop_at = time.monotonic() + 5.0
    host, port = ro.server_address[:2]

    def client(i: int) -> None:
        keep_alive = i % 2 == 0
        conn = http.client.HTTPConnection(host, port, timeout=20)
        n = 0
        try:
            while time.monotonic() < stop_at:
                kind, q, accept = jobs[(i + n) % len(jobs)]
                if not keep_alive:
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=20)
                if n % 2:
                    conn.request("POST", "/sparql", body=urllib.parse.urlencode({"query": q}),
                                 headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
                else:
                    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": q}), headers={"Accept": accept})
                r = conn.getresponse()
                body = r.read()
                assert int(r.getheader("Content-Length")) == len(body)
                check(kind, r.status, body)
                n += 1
        except Exception as e:  # collected and reported below
            errors.append((i, n, repr(e)))
        finally:
            conn.close()
            done[i] = n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    print("requests per client:", done)
    assert all(n >= 5 for n in done), done
    assert sum(done) >= 100, done
    t0 = time.monotonic()
    assert ask(ro, PREFIXES + "ASK { ?d a kgo:Document }") is True
    assert time.monotonic() - t0 < 1.0
    wait_idle(ro, 10)  # a slot is given back just after its answer is sent: on a loaded machine, a moment later


def test_connection_cap(ro_store):
    """Past --max-connections a request gets 503 at once (with CORS, from uvicorn itself); once
    the idle connections go, requests are answered again."""
    with running(ro_store, max_connections=2) as s:
        host, port = s.server_address[:2]
        idle = [socket.create_connection((host, port), timeout=5) for _ in range(2)]
        try:
            time.sleep(0.2)
            with socket.create_connection((host, port), timeout=5) as extra:
                extra.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := extra.recv(4096):
                    data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503"), data
            assert b"access-control-allow-origin: *" in head.lower()
        finally:
            for sock in idle:
                sock.close()
        end = time.monotonic() + 5
        while True:
            try:
                assert ask(s, "ASK { ?s ?p ?o }") is True
                break
            except (AssertionError, OSError, http.client.HTTPException):
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)


def test_idle_connections_do_not_stop_answers(ro):
    """Many open sockets that never send a request (slowloris) hold no thread: queries go on."""
    host, port = ro.server_address[:2]
    idle = [socket.create_connection((host, port), timeout=5) for _ in range(100)]
    try:
        for sock in idle[:50]:
            sock.sendall(b"GET /sparql?query=ASK")  # half a request line
        assert ask(ro, "ASK { ?s ?p ?o }") is True
    finally:
        for sock in idle:
            sock.close()
