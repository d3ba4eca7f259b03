"""The benchmark (bench/run.py, `make bench`) at a tiny sizing, so its code cannot rot.

It checks that every measurement row is printed, not the timings (a tiny run on a shared machine
says nothing about performance)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROWS = [
    "triples (N-Triples): kg import vs pyoxigraph bulk_load",
    "triples (N-Quads): kg import vs pyoxigraph bulk_load",
    "triples (N-Triples): kg import vs rdflib default store",
    "kg import vs pyoxigraph bulk_load into the default graph",
    "peak memory loading",
    "scan (label filter), kg query vs raw pyoxigraph",
    "aggregation (facts per predicate), kg query vs raw pyoxigraph",
    "aggregation (most-mentioned entities), kg query vs raw pyoxigraph",
    "aggregation + labels (top subjects), kg query vs raw pyoxigraph",
    "large result (facts, 2x OPTIONAL), kg query vs raw pyoxigraph",
    "peak memory of kg query over the",
    "scan (label filter), kg query path vs rdflib default store",
    "aggregation (facts per predicate), kg query path vs rdflib default store",
    "aggregation (most-mentioned entities), kg query path vs rdflib default store",
    "aggregation + labels (top subjects), kg query path vs rdflib default store",
    "large result (facts, 2x OPTIONAL), kg query path vs rdflib default store",
    "kg query start-up, small store (vs python -c 'import pyoxigraph')",
    "kg query start-up, small store (vs raw pyoxigraph",
    "--jobs 2 vs jieba.posseg.cut on 1 core",
    "peak memory of kg build",
    "add 1 article to the",
    "extraction with the trained models, 1 process",
    "kg serve vs oxigraph server",
]


def test_bench_smoke() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    table = out[out.index("| measurement | kg | baseline | ratio | target | pass |"):]
    assert "Machine:" in out and "CPUs" in out
    lines = [ln for ln in table.splitlines() if ln.startswith("| ") and not ln.startswith("| measurement")]
    for name in ROWS:
        hits = [ln for ln in lines if name in ln]
        assert hits, f"row missing from the benchmark table: {name}"
        for ln in hits:
            cells = [c.strip() for c in ln.strip("|").split("|")]
            assert len(cells) == 6 and cells[5] in ("PASS", "FAIL", "n/a"), ln
    assert (ROOT / "bench" / "out" / "results-smoke.md").exists()
