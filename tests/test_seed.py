"""The spine's acceptance on the seed article: gold scores, script independence, provenance."""

from __future__ import annotations

import json
import subprocess
import sys

import opencc
import pytest

from kg.store import export_bytes

from .conftest import GOLD, ROOT, SEED, SHARED, build_store


@pytest.fixture(scope="module")
def scores(seed_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("score") / "seed.trig"
    out.write_bytes(export_bytes(seed_store, "trig"))
    res = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "score.py"), str(out), str(GOLD), "--json"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(res.stdout)


def test_entity_recall(scores):
    assert scores["entity_recall"] >= 0.90, scores["entities_missing"]


def test_core_relation_recall(scores):
    assert scores["relation_recall_core"] >= 0.85, scores["relations_missing"]


def test_relation_precision(scores):
    assert scores["relation_precision_between_gold"] >= 0.85


def test_type_accuracy(scores):
    assert scores["type_accuracy"] >= 0.90


def test_no_noise_and_no_splits(scores):
    assert scores["noise_labels"] == []
    assert scores["entities_split"] == {}


def _entity_iris(store):
    q = "SELECT DISTINCT ?e WHERE { ?d <http://schema.org/mentions> ?e }"
    return {r["e"].value for r in store.query(q)}


def test_simplified_copy_gives_same_entities(seed_store, tmp_path):
    simp = tmp_path / "wuxi-simplified.zh-Hans.txt"
    simp.write_text(opencc.OpenCC("t2s").convert(SEED.read_text("utf-8")), "utf-8")
    other = build_store([simp], tmp_path / "s")
    assert _entity_iris(other) == _entity_iris(seed_store)


def test_validation_fact_traces_to_sentence(seed_store):
    q = (ROOT / "tests" / "data" / "validation-source.rq").read_text("utf-8")
    rows = list(seed_store.query(q))
    assert rows, "no provenance for the central node validating Moore Threads"
    sentence = rows[0]["sentence"].value
    assert "驗證環境" in sentence and "摩爾線程" in sentence
    assert rows[0]["doc"].value.endswith("wuxi-compute-2025-09-06.zh-Hant")
    assert rows[0]["title"].value.startswith("AI催生算力大變局")


def test_numeric_facts_are_typed_with_unit_and_year(seed_store):
    q = """PREFIX kgo: <https://w3id.org/kg/ontology#> PREFIX schema: <http://schema.org/>
    SELECT ?e ?v ?u ?y WHERE { ?e kgo:hasMeasurement ?m . ?m schema:value ?v ; schema:unitText ?u .
    OPTIONAL { ?m kgo:year ?y } }"""
    rows = {(r["e"].value.rsplit("/", 1)[-1], float(r["v"].value), r["u"].value, r["y"].value if r["y"] else None)
            for r in seed_store.query(q)}
    assert ("无锡城市智算云中心节点", 11000.0, "cards", None) in rows
    assert ("无锡城市智算云中心节点", 12000.0, "PFLOPS", None) in rows
    assert ("Chiplet", 3.1, "billion USD", "2023") in rows
    assert ("Chiplet", 107.0, "billion USD", "2033") in rows
    assert ("CPO", 20.0, "percent", "2030") in rows
