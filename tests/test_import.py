"""`kg import` of line-based RDF in pieces on several threads (kg.store._bulk_load, issue 6).

The pieces are made small here so that a test file of a few hundred kilobytes is cut many times;
the result must equal one bulk load of the whole file, and a bad line must name its line in the
file and leave the store as it was."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import store as kgstore


@pytest.fixture
def small_pieces(monkeypatch):
    monkeypatch.setattr(kgstore, "IMPORT_CHUNK", 64 << 10)
    monkeypatch.setattr(kgstore.os, "cpu_count", lambda: 2)


def _triples(n: int) -> str:
    return "".join(f'<http://example.org/e{i}> <http://example.org/p{i % 7}> "value {i} ünïcödé"@de .\n'
                   for i in range(n))


def _dump(db: ox.Store) -> set[str]:
    return {str(q) for q in db}


def test_pieces_load_the_same_quads_as_one_bulk_load(small_pieces, tmp_path):
    nt = tmp_path / "data.nt"
    nt.write_text(_triples(6000), "utf-8")
    assert nt.stat().st_size > 6 * (64 << 10)  # really cut into pieces
    s = kgstore.KGStore(str(tmp_path / "store"))
    n = kgstore.import_file(s, str(nt), "http://example.org/g")
    ref = ox.Store()
    ref.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://example.org/g"))
    assert n == len(ref) == 6000
    assert _dump(s.ox) == _dump(ref)


def test_nquads_in_pieces_keep_their_graphs(small_pieces, tmp_path):
    nq = tmp_path / "data.nq"
    nq.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> <http://example.org/o{i % 50}> "
                          f"<http://example.org/g{i % 13}> .\n" for i in range(8000)), "utf-8")
    s = kgstore.KGStore(str(tmp_path / "store"))
    assert kgstore.import_file(s, str(nq)) == 8000
    assert len({q.graph_name for q in s.ox}) == 13


def test_bad_line_in_a_late_piece_names_its_line_and_changes_nothing(small_pieces, tmp_path):
    nt = tmp_path / "bad.nt"
    lines = _triples(6000).splitlines(keepends=True)
    lines[5000] = "<http://example.org/x> <http://example.org/p> not-a-term .\n"
    nt.write_text("".join(lines), "utf-8")
    s = kgstore.KGStore(str(tmp_path / "store"))
    before = _dump(s.ox)
    with pytest.raises(kgstore.ImportError_) as err:
        kgstore.import_file(s, str(nt), "http://example.org/g")
    assert "line 5001" in str(err.value), err.value
    assert _dump(s.ox) == before
    assert not s.ox.contains_named_graph(ox.NamedNode("http://example.org/g"))


def test_blank_nodes_stay_one_node_across_the_whole_file(small_pieces, tmp_path):
    nt = tmp_path / "bnodes.nt"
    body = _triples(3000)
    nt.write_text("_:shared <http://example.org/first> <http://example.org/a> .\n" + body
                  + "_:shared <http://example.org/last> <http://example.org/b> .\n", "utf-8")
    s = kgstore.KGStore(str(tmp_path / "store"))
    kgstore.import_file(s, str(nt), "http://example.org/g")
    rows = list(s.query("SELECT ?x WHERE { ?x <http://example.org/first> ?a ; <http://example.org/last> ?b }"))
    assert len(rows) == 1
