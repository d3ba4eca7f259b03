"""Endpoint rows of the benchmark (issue 14): query latency through `kg serve` vs the Oxigraph
server (`oxigraph serve-read-only --union-default-graph`) on the same store and the same queries
(bench/run.py's QUERIES plus a one-row ASK, which is all request overhead).

Each query is sent over one keep-alive connection per server, alternating between the two
servers so that load from other processes hits both alike; the median of `reps` requests is
taken (SPARQL Results JSON, the usual client format).  Target: kg within 1.5x of Oxigraph.

    python bench/endpoint.py [--triples 100000] [--reps 5]     # standalone
    bench_endpoint(sz, store)                                  # from bench/run.py, store built there
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402

ASK = ("one-row ASK (request overhead)", "ASK { ?s ?p ?o }")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen, what: str) -> None:
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"{what} did not start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start within 120 s")


def _timed(conn: http.client.HTTPConnection, path: str, query: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    conn.request("GET", f"{path}?{urllib.parse.urlencode({'query': query})}",
                 headers={"Accept": "application/sparql-results+json"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"{path}: HTTP {r.status}: {body[:200]!r}")
    return time.perf_counter() - t0, body


def bench_endpoint(store: Path, reps: int, label: str) -> None:
    """Start both servers on copies of `store`, time every query on each, print one row per query."""
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if oxigraph is None:
        bench.row("endpoint latency", "-", "-", None, "<= 1.5x", None, "oxigraph server not installed")
        return
    with tempfile.TemporaryDirectory(prefix="kg-bench-endpoint-") as tmp:
        copy = Path(tmp) / "ox-store"
        shutil.copytree(store, copy)
        kg_port, ox_port = _free_port(), _free_port()
        procs = [
            subprocess.Popen([*bench.KG, "serve", "--store", str(store), "--port", str(kg_port), "--quiet",
                              "--timeout", "600", "--max-rows", "100000000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([oxigraph, "serve-read-only", "--location", str(copy), "--union-default-graph",
                              "--bind", f"127.0.0.1:{ox_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        try:
            _wait(kg_port, procs[0], "kg serve")
            _wait(ox_port, procs[1], "oxigraph server")
            kg = http.client.HTTPConnection("127.0.0.1", kg_port, timeout=900)
            ox = http.client.HTTPConnection("127.0.0.1", ox_port, timeout=900)
            queries = [ASK] + [(name, q) for name, (_, q) in bench.QUERIES.items()]
            for name, q in queries:
                _timed(kg, "/sparql", q), _timed(ox, "/query", q)  # warm both
                t_kg, t_ox = [], []
                for _ in range(reps):
                    t, body_kg = _timed(kg, "/sparql", q)
                    t_kg.append(t)
                    t, body_ox = _timed(ox, "/query", q)
                    t_ox.append(t)
                m_kg, m_ox = statistics.median(t_kg), statistics.median(t_ox)
                same = _rows(body_kg) == _rows(body_ox)
                bench.row(f"endpoint {label}: {name}, kg serve vs oxigraph server", _ms(m_kg), _ms(m_ox),
                          m_kg / m_ox, "<= 1.5x", m_kg / m_ox <= 1.5 and same,
                          "" if same else "answers differ!")
        finally:
            for p in procs:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def _ms(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 0.1 else bench.secs(s)


def _rows(body: bytes) -> int | bool:
    import json

    data = json.loads(body)
    return data["boolean"] if "boolean" in data else len(data["results"]["bindings"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="kg serve vs the Oxigraph server: query latency")
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)
    data = bench.OUT / "data"
    _, nq = bench.gen.write_graph(data, args.triples)
    with tempfile.TemporaryDirectory(prefix="kg-bench-store-") as tmp:
        store = Path(tmp) / "store"
        bench.run([*bench.KG, "import", str(nq), "--store", str(store)])
        label = f"{args.triples // 1000}k" if args.triples < 10**6 else f"{args.triples / 1e6:g}M"
        bench_endpoint(store, args.reps, label)
    return 0


if __name__ == "__main__":
    sys.exit(main())
