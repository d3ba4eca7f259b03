"""Same input, same graph: rebuilds are byte-identical, edits touch one graph, removal is exact."""

from __future__ import annotations

import shutil

import pytest

from .helpers import (
    KGD,
    KGR,
    ROOT,
    assert_clean_stderr,
    by_graph,
    kg,
    read_quads,
    sorted_nquads,
    write_corpus,
)

ONLY_A = "鸿翎精密材料"  # named by a.txt only
SHARED = "MooreThreads"  # named by a.txt and b.txt
A = "鸿翎精密材料有限公司已向摩尔线程稳定供货电子特气三年。截至2025年6月，摩尔线程在北京部署了3000张国产加速卡。\n"
B = "摩尔线程是华虹半导体的重要客户。华虹半导体宣布与摩尔线程达成战略合作。\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("idem")
    c = d / "corpus"
    shutil.copytree(ROOT / "tests" / "articles", c / "articles", ignore=shutil.ignore_patterns("*.json"))
    write_corpus(c / "gen", 20)
    (c / "a.txt").write_text(A, "utf-8")
    (c / "b.txt").write_text(B, "utf-8")
    res = kg("build", c, "--store", d / "first")
    assert res.returncode == 0, res.stderr
    return c, d / "first", sorted_nquads(d / "first")


def test_second_clean_build_is_byte_identical(corpus, tmp_path):
    """A fresh process (another hash seed) on a fresh store gives the same N-Quads."""
    c, first, reference = corpus
    res = kg("build", c, "--store", tmp_path / "s")
    assert res.returncode == 0, res.stderr
    assert sorted_nquads(tmp_path / "s") == reference


def test_jobs_2_gives_the_same_graph_as_jobs_1(corpus, tmp_path):
    c, first, reference = corpus
    res = kg("build", c, "--store", tmp_path / "s", "--jobs", "2")
    assert res.returncode == 0, res.stderr
    assert sorted_nquads(tmp_path / "s") == reference


@pytest.mark.parametrize("extra", [[], ["--force"], ["--force", "--jobs", "2"]])
def test_rebuild_in_place_is_byte_identical(corpus, tmp_path, extra):
    c, first, reference = corpus
    store = tmp_path / "s"
    shutil.copytree(first, store)
    res = kg("build", c, "--store", store, *extra)
    assert res.returncode == 0, res.stderr
    n = len(list(c.rglob("*.txt")))
    assert (f"built {n} document(s), 0 unchanged" if extra else f"built 0 document(s), {n} unchanged") in res.stdout
    assert sorted_nquads(store) == reference


def test_editing_one_document_changes_only_its_graph(corpus, tmp_path):
    c, first, reference = corpus
    src = tmp_path / "corpus"
    shutil.copytree(c, src)
    store = tmp_path / "s"
    shutil.copytree(first, store)
    before = by_graph(read_quads(store))
    edited = src / "gen" / "gen-004.zh-Hant.txt"
    edited.write_text(edited.read_text("utf-8").replace("。", "。壁仞科技是沐曦的重要客戶。", 1), "utf-8")
    res = kg("build", src, "--store", store)
    assert res.returncode == 0, res.stderr
    assert "built 1 document(s)" in res.stdout
    after = by_graph(read_quads(store))
    changed = {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}
    assert changed == {f"<{KGD}gen/gen-004.zh-Hant>"}
    assert any(f"<{KGR}Biren>" in t for t in after[f"<{KGD}gen/gen-004.zh-Hant>"])


def _mentions(quads, key: str) -> list[str]:
    iri = f"<{KGR}{key}>"
    return [f"{q.subject} {q.predicate} {q.object} {q.graph_name}" for q in quads if iri in (str(q.subject), str(q.object))]


def test_remove_takes_facts_and_orphaned_entities_only(corpus, tmp_path):
    c, first, reference = corpus
    store = tmp_path / "s"
    shutil.copytree(first, store)
    quads = read_quads(store)
    assert {str(q.graph_name) for q in quads if str(q.object) == f"<{KGR}{ONLY_A}>"} == {f"<{KGD}a>"}
    shared_graphs = {str(q.graph_name) for q in quads if str(q.object) == f"<{KGR}{SHARED}>"}
    assert {f"<{KGD}a>", f"<{KGD}b>"} <= shared_graphs
    res = kg("remove", "a", "--store", store)
    assert res.returncode == 0, res.stderr
    assert_clean_stderr(res.stderr)
    after = read_quads(store)
    assert not any(str(q.graph_name) == f"<{KGD}a>" for q in after)
    assert _mentions(after, ONLY_A) == []  # no fact, label or type of an entity only a.txt named
    kept = _mentions(after, SHARED)
    assert any("prefLabel" in m for m in kept) and any("#type>" in m for m in kept)
    assert any(f"<{KGD}b>" in m for m in kept)
    # everything else is exactly as before
    assert sorted_nquads(store) == sorted(line for line in reference if not line.endswith(f"<{KGD}a> ."))
    # and building again puts it back byte for byte
    res = kg("build", c, "--store", store)
    assert res.returncode == 0 and "built 1 document(s)" in res.stdout
    assert sorted_nquads(store) == reference


def test_remove_by_path_and_unknown_id(corpus, tmp_path):
    c, first, reference = corpus
    store = tmp_path / "s"
    shutil.copytree(first, store)
    res = kg("remove", "no-such-document", "--store", store)
    assert res.returncode == 1
    assert_clean_stderr(res.stderr)
    assert res.stderr.strip() == "kg: no document 'no-such-document' in the store"
    assert sorted_nquads(store) == reference
    res = kg("remove", c / "b.txt", "--store", store)
    assert res.returncode == 0, res.stderr
    assert sorted_nquads(store) == sorted(line for line in reference if not line.endswith(f"<{KGD}b> ."))
