"""The saved analyst questions (queries/*.rq) on the seed article's graph.

Every question must run and answer with the rows an analyst expects from the seed article
(wuxi-compute-2025-09-06.zh-Hant).  Assertions name entities by label, in any script, never by
IRI, and only use facts the article states plainly (extraction is still improving).  Questions
the seed article has no data for (supply chains) also run on a small hand-written graph.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.ingest import iter_sources
from kg.normalise import fold_key
from kg.pipeline import build
from kg.query import saved_queries
from kg.store import KGStore

from .conftest import SEED, read_only, require_shared

SEED_TITLE = "AI催生算力大變局,無錫給出“芯解法”"

REQUIRED = {
    "validated", "supply-chain", "in-city", "people", "entity-facts", "single-source", "most-mentioned",
    "newest-facts", "measurements", "events", "sources-of-validation",
}


def _build(store_dir: Path, paths: list[Path]) -> KGStore:
    store = KGStore(str(store_dir))
    report = build(store, list(iter_sources([str(p) for p in paths])))
    assert report.documents == len(paths) and not report.skipped
    return read_only(store)


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> KGStore:
    require_shared()
    return _build(tmp_path_factory.mktemp("seed") / "store", [SEED])


@pytest.fixture(scope="module")
def two_docs(tmp_path_factory) -> KGStore:
    """The seed article plus a copy of it dated two weeks later: every fact has two sources."""
    require_shared()
    d = tmp_path_factory.mktemp("two")
    copy = d / "wuxi-compute-copy-2025-09-20.zh-Hant.txt"
    text = SEED.read_text("utf-8")
    assert "2025-09-06 23:01:00" in text
    copy.write_text(text.replace("2025-09-06 23:01:00", "2025-09-20 08:00:00", 1), "utf-8")
    shutil.copy(SEED, d / SEED.name)
    return _build(d / "store", [d / SEED.name, copy])


def run(store: KGStore, name: str) -> list[dict[str, str]]:
    """A saved question's rows as {variable: value} (unbound variables left out)."""
    sparql = saved_queries()[name][0].read_text("utf-8")
    res = store.query(sparql)
    names = [v.value for v in res.variables]
    return [{n: sol[n].value for n in names if sol[n] is not None} for sol in res]


def entities(store: KGStore, name: str) -> set[str]:
    """IRIs of the entities one of whose labels is `name` (folded: any script, case, width)."""
    key = fold_key(name)
    q = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT DISTINCT ?e ?l WHERE { ?e skos:prefLabel|skos:altLabel ?l FILTER(STRSTARTS(STR(?e), "https://w3id.org/kg/id/")) }"""
    found = {r["e"].value for r in store.query(q) if fold_key(r["l"].value) == key}
    assert found, f"no entity labelled {name!r} in the store"
    return found


# --- every question ------------------------------------------------------------------------


def test_required_questions_exist():
    assert REQUIRED <= set(saved_queries()), REQUIRED - set(saved_queries())
    assert len(set(saved_queries()) - {"demo"}) >= 10


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_question_is_documented_and_runs(project_store, name):
    path, what = saved_queries()[name]
    first = path.read_text("utf-8").splitlines()[0]
    assert first.startswith("# ") and len(what) > 15, f"{path.name}: first line must be '# what it answers'"
    run(project_store, name)  # raises on a bad query


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_questions_filter_languages_with_langmatches(name):
    """Oxigraph lower-cases language tags: lang(?l) = "zh-Hant" would never match."""
    text = saved_queries()[name][0].read_text("utf-8")
    assert not re.search(r"lang\(\s*\?\w+\s*\)\s*(=|!=|IN\b)", text, re.I)


def test_cli_lists_saved_questions():
    from typer.testing import CliRunner

    from kg.cli import app

    r = CliRunner().invoke(app, ["query", "--list"])
    assert r.exit_code == 0
    for name in REQUIRED:
        assert name in r.stdout


def test_cli_resolves_saved_questions(seed):
    from typer.testing import CliRunner

    from kg.cli import app

    r = CliRunner().invoke(app, ["query", "--store", seed.path, "-f", "sources-of-validation", "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert "驗證環境" in r.stdout


# --- answers on the seed article -----------------------------------------------------------


def test_validated(seed):
    rows = run(seed, "validated")
    centre = entities(seed, "无锡城市智算云中心节点")
    moore = entities(seed, "摩爾線程")
    hits = [r for r in rows if r["centre"] in centre and r["validated"] in moore]
    assert len(hits) == 1, rows
    assert hits[0]["documents"] == "1"
    assert hits[0]["validatedType"] in ("Company", "Chip")


def test_sources_of_validation(seed):
    rows = run(seed, "sources-of-validation")
    assert rows, "no source for: the Wuxi central node validates Moore Threads"
    r = rows[0]
    assert "摩爾線程" in r["sentence"] and "驗證環境" in r["sentence"]
    assert r["doc"].endswith("/wuxi-compute-2025-09-06.zh-Hant")
    assert r["title"] == SEED_TITLE
    assert r["date"] == "2025-09-06"
    assert int(r["start"]) < int(r["end"])
    assert r["centre"] in entities(seed, "无锡城市智算云中心节点")
    assert r["company"] in entities(seed, "Moore Threads" if _has_label(seed, "Moore Threads") else "摩尔线程")


def _has_label(store: KGStore, name: str) -> bool:
    try:
        return bool(entities(store, name))
    except AssertionError:
        return False


def test_people(seed):
    rows = run(seed, "people")
    zhang, moore = entities(seed, "張建中"), entities(seed, "摩尔线程")
    zhang_rows = {r["relation"]: r for r in rows if r["person"] in zhang and r["organisation"] in moore}
    assert {"founderOf", "executiveOf"} <= set(zhang_rows)
    assert "首席執行官" in zhang_rows["executiveOf"]["roles"]
    bai = [r for r in rows if r["person"] in entities(seed, "白鵬") and r["relation"] == "executiveOf"]
    assert bai and any("華虹" in r["organisationName"] or "华虹" in r["organisationName"]
                       or "hua hong" in r["organisationName"].lower() for r in bai), rows
    assert "總裁" in bai[0]["roles"]


def test_entity_facts(seed):
    rows = run(seed, "entity-facts")  # the saved question asks about Moore Threads
    moore = entities(seed, "摩尔线程")
    assert rows and all(r["subject"] in moore or r["object"] in moore for r in rows)
    assert all(r["date"] == "2025-09-06" and r["document"] == SEED_TITLE and r["sentence"] for r in rows)
    by_rel = {(r["relation"], r["subject"] in moore) for r in rows}
    assert ("validates", False) in by_rel and ("founderOf", False) in by_rel
    founder = next(r for r in rows if r["relation"] == "founderOf")
    assert founder["subject"] in entities(seed, "张建中") and "張建中" in founder["sentence"]
    assert "首席執行官" in founder["role"]


def test_single_source(seed, two_docs):
    rows = run(seed, "single-source")
    n_facts = int(next(iter(seed.query(
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> SELECT (COUNT(*) AS ?n) WHERE "
        "{ SELECT DISTINCT ?s ?p ?o WHERE { ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } }"
    )))["n"].value)
    assert len(rows) == n_facts > 0  # one article: every fact rests on it alone
    assert all(r["document"] == SEED_TITLE and r["sentence"] for r in rows)
    assert run(two_docs, "single-source") == []  # the same facts from two documents


def test_most_mentioned(seed, two_docs):
    rows = run(seed, "most-mentioned")
    moore = entities(seed, "摩尔线程")
    assert any(r["company"] in moore and r["documents"] == "1" for r in rows)
    counts = [int(r["documents"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    rows2 = run(two_docs, "most-mentioned")
    top = [r for r in rows2 if r["company"] in entities(two_docs, "摩尔线程")]
    assert top and top[0]["documents"] == "2" and top[0]["lastSeen"] == "2025-09-20"


def test_newest_facts(seed, two_docs):
    rows = run(seed, "newest-facts")
    assert rows and all(r["date"] == "2025-09-06" for r in rows)
    rows2 = run(two_docs, "newest-facts")
    dates = [r["date"] for r in rows2]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2025-09-20"


def test_measurements(seed):
    rows = run(seed, "measurements")
    cards = [r for r in rows if r["value"] == "11000"]
    assert cards, rows
    assert cards[0]["unit"] == "cards" and cards[0]["year"] == "2025" and "11000" in cards[0]["sentence"]
    assert any(r["value"] == "12000" and r["unit"] == "PFLOPS" for r in rows)
    assert all(r.get("unit") and r.get("year") for r in rows)


def test_events(seed):
    rows = run(seed, "events")
    conference = {r["event"] for r in rows if "创新发展大会" in r["eventName"] or "創新發展大會" in r["eventName"]}
    assert conference
    speakers = {r["who"] for r in rows if r["event"] in conference and r["role"] == "speaker"}
    for person in ("张建中", "白鹏", "杜小刚"):
        assert speakers & entities(seed, person), person
    launched = {r["who"] for r in rows if r["event"] in conference and r["role"] == "launched"}
    assert launched & entities(seed, "无锡城市智算云中心节点")


def test_in_city_seed(seed):
    rows = run(seed, "in-city")
    for r in rows:
        assert any(w in r["placeName"].lower() for w in ("wuxi", "无锡", "無錫")), r
    # The article's central node is the Wuxi city computing cloud's, launched in Wuxi.
    assert {r["entity"] for r in rows} & entities(seed, "无锡城市智算云中心节点"), rows


def test_supply_chain_seed_runs(seed):
    for r in run(seed, "supply-chain"):
        assert r["supplier"] != r["customer"]


# --- questions the seed has no data for, on a small hand-written graph ---------------------

SMALL = """
@prefix kgo: <https://w3id.org/kg/ontology#> .
@prefix kgr: <https://w3id.org/kg/id/> .
@prefix kgd: <https://w3id.org/kg/doc/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
kgd:small {
  kgr:Wuxi a kgo:City ; skos:prefLabel "Wuxi"@en, "无锡"@zh-Hans, "無錫"@zh-Hant ; kgo:locatedIn kgr:Jiangsu .
  kgr:Jiangsu a kgo:Province ; skos:prefLabel "Jiangsu"@en, "江苏"@zh-Hans .
  kgr:NewDistrict a kgo:District ; skos:prefLabel "新吳區"@zh-Hant ; kgo:locatedIn kgr:Wuxi .
  kgr:Beijing a kgo:City ; skos:prefLabel "Beijing"@en, "北京"@zh-Hans .
  kgr:Node a kgo:ComputeCenter ; skos:prefLabel "無錫中心節點"@zh-Hant ; kgo:locatedIn kgr:NewDistrict .
  kgr:Fab a kgo:Company ; skos:prefLabel "Fab One"@en ; kgo:locatedIn kgr:NewDistrict ; kgo:supplies kgr:Packer .
  kgr:Startup a kgo:Company ; skos:prefLabel "初創公司"@zh-Hant ; kgo:hostedAt kgr:Node .
  kgr:Packer a kgo:Company ; skos:prefLabel "封測廠"@zh-Hant ; kgo:locatedIn kgr:Beijing ; kgo:supplies kgr:Cloud .
  kgr:Cloud a kgo:Company ; skos:prefLabel "Cloud Co"@en .
  kgr:Lab a kgo:Company ; skos:prefLabel "Lab"@en ; kgo:customerOf kgr:Cloud .
}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> KGStore:
    store = KGStore(str(tmp_path_factory.mktemp("small") / "store"))
    store.ensure_ontology()
    quads = list(ox.parse(SMALL.encode("utf-8"), format=ox.RdfFormat.TRIG))
    store.replace_documents([("https://w3id.org/kg/doc/small", quads)])
    return read_only(store)


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def test_supply_chain_is_transitive(small):
    rows = run(small, "supply-chain")
    pairs = {(_short(r["supplier"]), _short(r["customer"])): r["direct"] for r in rows}
    assert pairs == {
        ("Fab", "Packer"): "true", ("Packer", "Cloud"): "true", ("Cloud", "Lab"): "true",
        ("Fab", "Cloud"): "false", ("Fab", "Lab"): "false", ("Packer", "Lab"): "false",
    }


def test_in_city_follows_districts_and_hosting(small):
    rows = run(small, "in-city")
    found = {_short(r["entity"]): r for r in rows}
    assert set(found) == {"NewDistrict", "Node", "Fab", "Startup"}
    assert found["Startup"]["relation"] == "hostedAt" and found["Startup"]["viaName"] == "無錫中心節點"
    assert found["Fab"]["relation"] == "locatedIn" and found["Fab"]["placeName"] == "Wuxi"


# --- scale: labels repeated in many document graphs ----------------------------------------


@pytest.fixture(scope="module")
def repeated(seed, tmp_path_factory) -> KGStore:
    """The seed plus 40 more document graphs that repeat its entity triples (labels, types, facts),
    as when 40 articles name the same entities: in the union default graph every label of
    every entity then matches 41 times.  (Statements and sentences have per-document IRIs, so
    they are never repeated.)"""
    from kg.store import export_bytes

    quads = list(ox.parse(export_bytes(seed, "nquads"), format=ox.RdfFormat.N_QUADS))
    about_entities = [q for q in quads if q.subject.value.startswith("https://w3id.org/kg/id/")]
    store = KGStore(str(tmp_path_factory.mktemp("repeated") / "store"))
    store.ensure_ontology()
    docs = [(quads[0].graph_name.value, quads)]
    for i in range(40):
        g = ox.NamedNode(f"https://w3id.org/kg/doc/copy-{i}")
        docs.append((g.value, [ox.Quad(q.subject, q.predicate, q.object, g) for q in about_entities]))
    store.replace_documents(docs)
    return read_only(store)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_questions_stay_linear_when_labels_repeat(seed, repeated, name):
    """Label lookups are de-duplicated per entity before they are joined: joining three OPTIONAL
    prefLabel patterns per entity instead would give 40^6 rows per fact here."""
    import time

    t = time.perf_counter()
    rows = run(repeated, name)
    assert time.perf_counter() - t < 10
    key = {
        "validated": ("centre", "validated"), "supply-chain": ("supplier", "customer"), "in-city": ("entity",),
        "people": ("person", "organisation", "relation"), "entity-facts": ("subject", "relation", "object"),
        "single-source": ("subject", "relation", "object"), "most-mentioned": ("company",),
        "newest-facts": ("subject", "relation", "object"), "measurements": ("entity", "value", "unit"),
        "events": ("event", "role", "who"), "sources-of-validation": ("sentence", "doc"),
    }[name]
    once = {tuple(r.get(k) for k in key) for r in run(seed, name)}
    assert {tuple(r.get(k) for k in key) for r in rows} == once
    assert len(rows) == len({tuple(r.get(k) for k in key) for r in rows})  # no duplicated answers
