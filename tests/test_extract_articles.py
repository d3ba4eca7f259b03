"""Extraction on the project's own short articles (tests/articles), one per pattern family,
in traditional and simplified Chinese and in English, against tests/articles/expected.json."""

from __future__ import annotations

import json

import pytest

from .articles_eval import ARTICLES, score_all, score_file

EXPECTED = json.loads((ARTICLES / "expected.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def scores():
    return score_all()


def test_entity_recall(scores):
    found = sum(s.ents_found for s in scores)
    total = sum(s.ents_expected for s in scores)
    assert found / total >= 0.90, [(s.name, s.missing_entities) for s in scores if s.missing_entities]


def test_relation_recall(scores):
    found = sum(s.rels_found for s in scores)
    total = sum(s.rels_expected for s in scores)
    assert found / total >= 0.78, [(s.name, s.missing) for s in scores if s.missing]


def test_relation_precision(scores):
    found = sum(s.rels_found for s in scores)
    extra = sum(len(s.extra) for s in scores)
    assert found / (found + extra) >= 0.95, [(s.name, s.extra) for s in scores if s.extra]


def test_negations_and_rumours_give_no_relation(scores):
    assert [(s.name, s.forbidden) for s in scores if s.forbidden] == []


@pytest.mark.parametrize("relation", sorted({r["p"] for e in EXPECTED.values() for r in e["relations"]}))
def test_every_relation_pattern_fires(scores, relation):
    """Each relation type is found at least once in the articles written for it."""
    hits = 0
    for fs in scores:
        exp = EXPECTED[fs.name]
        wanted = [r for r in exp["relations"] if r["p"] == relation]
        missing = [m for m in fs.missing if f" {relation} " in m]
        hits += len(wanted) - len(missing)
    assert hits >= 1


@pytest.mark.parametrize(
    "fname",
    ["executive.zh-Hant.txt", "executive.zh-Hans.txt", "validate.zh-Hans.txt", "acquire.en.txt", "founder.en.txt",
     "unknown-org.zh-Hant.txt", "shortname.zh-Hant.txt", "location.en.txt"],
)
def test_key_files_complete_entities(fname):
    fs = score_file(fname, EXPECTED[fname])
    assert fs.missing_entities == []
