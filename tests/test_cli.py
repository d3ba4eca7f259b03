"""The kg command end to end: build, export in every format, query formats, stats, validate."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import rdflib

from .conftest import ROOT, SEED

KG = [sys.executable, "-m", "kg.cli"]


def kg(*args, check=True, **kw):
    res = subprocess.run([*KG, *map(str, args)], capture_output=True, text=True, cwd=ROOT, **kw)
    if check and res.returncode != 0:
        raise AssertionError(f"kg {' '.join(map(str, args))} -> {res.returncode}\n{res.stderr}")
    return res


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "store"
    res = kg("build", SEED, ROOT / "examples", "--store", d)
    assert "built 7 document(s)" in res.stdout
    return d


def test_build_summary_and_rebuild_is_noop(store):
    res = kg("build", SEED, "--store", store)
    assert "0 document(s), 1 unchanged" in res.stdout


@pytest.mark.parametrize("fmt,rdflib_fmt", [("turtle", "turtle"), ("trig", "trig"), ("nquads", "nquads"),
                                             ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_export_formats_parse(store, tmp_path, fmt, rdflib_fmt):
    out = tmp_path / f"out.{fmt}"
    kg("export", "--store", store, "--format", fmt, "-o", out)
    g = rdflib.Dataset() if fmt in ("trig", "nquads", "jsonld") else rdflib.Graph()
    g.parse(out, format=rdflib_fmt)
    assert len(g) > 500 if not isinstance(g, rdflib.Dataset) else sum(1 for _ in g.quads()) > 500


def test_query_json_is_sparql_results(store):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <https://w3id.org/kg/ontology#Document> }"
    res = kg("query", q, "--store", store, "--format", "json")
    data = json.loads(res.stdout)
    assert data["head"]["vars"] == ["n"]
    assert data["results"]["bindings"][0]["n"]["value"] == "7"


def test_query_csv_and_table(store):
    q = "SELECT ?t WHERE { ?d a <https://w3id.org/kg/ontology#Document> ; <http://purl.org/dc/terms/title> ?t } ORDER BY ?t"
    csv = kg("query", q, "--store", store, "--format", "csv").stdout.splitlines()
    assert csv[0].strip() == "t" and len(csv) == 8
    table = kg("query", q, "--store", store).stdout
    assert "7 rows" in table


def test_bad_query_is_one_line_exit_2(store):
    res = kg("query", "SELECT WHERE {", "--store", store, check=False)
    assert res.returncode == 2
    assert res.stderr.startswith("kg: invalid SPARQL") and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_stats(store):
    out = kg("stats", "--store", store).stdout
    assert "documents      7" in out


def test_validate_passes_on_built_graph(store):
    res = kg("validate", "--store", store, check=False)
    assert res.returncode == 0, res.stdout[-3000:]
    assert "Conforms: True" in res.stdout


def test_validate_fails_on_broken_graph(tmp_path):
    d = tmp_path / "broken"
    kg("build", SEED, "--store", d)
    bad = tmp_path / "bad.nq"
    bad.write_text(
        '<https://w3id.org/kg/id/X> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/kg/ontology#Company> <https://w3id.org/kg/doc/bad> .\n'
        '<https://w3id.org/kg/id/X> <http://www.w3.org/2004/02/skos/core#prefLabel> "no language tag" <https://w3id.org/kg/doc/bad> .\n'
        '<https://w3id.org/kg/id/X> <https://w3id.org/kg/ontology#speaksAt> <https://w3id.org/kg/id/Wuxi> <https://w3id.org/kg/doc/bad> .\n',
        "utf-8",
    )
    kg("import", bad, "--store", d)
    res = kg("validate", "--store", d, check=False)
    assert res.returncode == 1
    assert "Conforms: False" in res.stdout
    assert "https://w3id.org/kg/id/X" in res.stdout


def test_help_on_every_command():
    for cmd in ["build", "export", "query", "stats", "validate", "remove", "import"]:
        assert "Usage" in kg(cmd, "--help").stdout
