"""Hostile text and hostile queries: the pipeline and the query layer fail only in their own way.

Any text (CJK, Latin, brackets, quotes, escapes, control characters, entity names run together)
either becomes quads that survive N-Quads and the store's SPARQL-update write path unchanged, or
is refused with IngestError.  Any string as a query either runs or raises QueryError."""

from __future__ import annotations

import os

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import lexicon as lexmod
from kg.graph import doc_quads
from kg.ingest import IngestError, parse_bytes
from kg.pipeline import run
from kg.query import QueryError, execute
from kg.store import KGStore

from .helpers import write_corpus

# KG_PROP_EXAMPLES=5000 for a longer hunt; the suite default stays quick
SETTINGS = settings(max_examples=int(os.environ.get("KG_PROP_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = ["摩尔线程", "摩爾線程", "华虹半导体", "Moore Threads", "Huawei", "北京", "無錫", "寒武纪", "有限公司",
         "股份有限公司", "Inc.", "Ltd", "董事长", "总经理", "张建中", "以下简称", "供货", "客户", "投资", "部署",
         "亿元", "张", "2025年6月", "EFLOPS", "Published 2025-01-02 by Semi Daily", "来源：", "# ", "---\ntitle: x\n---\n"]
CHARS = st.characters(codec="utf-8", exclude_categories=["Cs"])  # every code point a file can hold
PIECE = st.one_of(
    st.text(CHARS, max_size=12),
    st.text(alphabet="()（）[]【】「」『』《》\"'“”‘’<>{}\\|#%&;:：，。！？、.,!?\n\r\t \u3000\u200b\ufeff@^`~*_-=+/",
            max_size=6),
    st.sampled_from(NAMES),
    st.from_regex(r"\\u[0-9A-Fa-f]{4}|\\U000[0-9A-F]{5}|&[a-z]+;|<[a-z]+>", fullmatch=True),
    st.integers(0, 10**12).map(str),
)
TEXT = st.lists(PIECE, max_size=40).map("".join)


def _nq(q: ox.Quad) -> str:
    return f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n"


@pytest.fixture(scope="module")
def write_store(tmp_path_factory):
    return KGStore(str(tmp_path_factory.mktemp("prop") / "w"))


@SETTINGS
@given(text=TEXT, fmt=st.sampled_from(["txt", "md", "html"]), wrap=st.booleans())
def test_any_text_gives_valid_quads_or_ingest_error(write_store, text, fmt, wrap):
    if fmt == "html" and wrap:
        text = f"<html><head><title>{text[:20]}</title></head><body><article><p>{text}</p></article></body></html>"
    lex = lexmod.load()
    try:
        doc = parse_bytes(text.encode("utf-8", errors="surrogatepass"), "prop/doc 1", "x." + fmt, fmt)
    except IngestError:
        return
    doc, entities = run(doc, lex)
    quads = doc_quads(doc, entities, lex, "fp")
    assert quads, "a document always has at least its own description"
    nq = "".join(_nq(q) for q in quads)
    back = list(ox.parse(nq.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    assert back == quads
    graph = quads[0].graph_name
    assert all(q.graph_name == graph for q in quads)
    # the write path (SPARQL update text) must carry every term unchanged too
    write_store.replace_documents([(graph.value, quads)])
    stored = sorted(write_store.ox.quads_for_pattern(None, None, None, graph), key=_nq)
    assert stored == sorted(quads, key=_nq)
    for q in quads:  # offsets stay inside the text they index
        if q.predicate.value.endswith("#start") or q.predicate.value.endswith("#end"):
            assert 0 <= int(q.object.value) <= len(doc.text)


@pytest.fixture(scope="module")
def query_store(tmp_path_factory):
    from kg.ingest import iter_sources
    from kg.pipeline import build

    d = tmp_path_factory.mktemp("propq")
    write_corpus(d / "c", 6)
    store = KGStore(str(d / "s"))
    build(store, list(iter_sources([d / "c"])))
    return store


TOKENS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH",
          "BIND", "AS", "VALUES", "GROUP BY", "ORDER BY", "LIMIT", "OFFSET", "DISTINCT", "COUNT", "SUM", "regex",
          "REPLACE", "STRLEN", "SUBSTR", "xsd:integer", "IRI", "BNODE", "UUID", "NOW", "LANG", "langMatches",
          "EXISTS", "NOT", "IN", "PREFIX", "BASE", "INSERT", "DELETE", "DATA", "LOAD", "CLEAR", "DROP", "SERVICE",
          "?s", "?p", "?o", "?x", "*", "{", "}", "(", ")", ".", ";", ",", "a", "=", "!=", "<", ">", "&&", "||",
          "+", "-", "/", "^", "|", "<http://example.org/x>", "kgo:", "kgo:supplies", "rdf:type", '"摩尔线程"',
          '"x"@zh-Hant', '"1"^^xsd:integer', "1", "-1", "0.5", "1e999", "_:b", "[]", "#", "\n", '"""', "'",
          "\\u0022", "PREFIX kgo: <https://w3id.org/kg/ontology#>", "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>"]
QUERY = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join),
    st.lists(st.one_of(st.sampled_from(TOKENS), st.text(CHARS, max_size=4)), max_size=20).map(" ".join),
)


@SETTINGS
@given(sparql=QUERY)
def test_any_query_string_runs_or_raises_query_error(query_store, sparql):
    try:
        res = execute(query_store, sparql)
    except QueryError as e:
        assert "\n" not in str(e)
        return
    assert res is not None


@pytest.mark.parametrize("char", ["\x7f", "\x85", "\x9f", "\u200b", "\ufffd", "\ue000", "\ufdd0", "\uffff", "\U0010ffff"])
def test_publisher_names_with_characters_iris_forbid(char):
    """The publisher line becomes an entity IRI: control, private-use and non-characters go."""
    lex = lexmod.load()
    text = f"来源：星河{char}日报\n\n摩尔线程是华虹半导体的重要客户。华虹半导体宣布与摩尔线程达成战略合作。\n"
    doc = parse_bytes(text.encode("utf-8"), "d", "d.txt", "txt")
    doc, entities = run(doc, lex)
    quads = doc_quads(doc, entities, lex, "fp")
    publisher = [q.object for q in quads if q.predicate.value == "http://purl.org/dc/terms/publisher"]
    assert len(publisher) == 1 and "星河" in publisher[0].value and char not in publisher[0].value
