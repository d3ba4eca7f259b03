"""Graph: one document's entities, facts and provenance as RDF quads in its own named graph.

Keeping each document in its own graph is what makes re-ingest exact: replacing a document
is dropping its graph and writing the new one, and an entity that no other document names
disappears with it.  Statement and sentence IRIs are derived from the facts and offsets, never
from counters or blank nodes, so the same input always gives byte-identical N-Quads.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from . import lexicon as lexmod
from .model import Doc
from .resolve import Entity, labels

KGO = "https://w3id.org/kg/ontology#"
KGD = "https://w3id.org/kg/doc/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"
OWL = "http://www.w3.org/2002/07/owl#"
WD = "http://www.wikidata.org/entity/"
ONTOLOGY_GRAPH = "https://w3id.org/kg/ontology"
PREFIXES = {
    "kgo": KGO, "kgr": "https://w3id.org/kg/id/", "kgd": KGD, "rdf": RDF, "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD, "skos": SKOS, "prov": PROV, "dcterms": DCT, "schema": SCHEMA, "owl": OWL,
}

_TYPE = NamedNode(RDF + "type")


def doc_iri(doc_id: str) -> str:
    from .resolve import iri_safe

    return KGD + iri_safe(doc_id).replace("%2F", "/")


def _lit(v: str | int | float | Decimal, dt: str | None = None, lang: str | None = None) -> Literal:
    if lang:
        return Literal(str(v), language=lang)
    if dt:
        return Literal(str(v), datatype=NamedNode(XSD + dt))
    return Literal(str(v))


def _num(v: float) -> Literal:
    if float(v).is_integer():
        return _lit(int(v), "integer")
    return _lit(Decimal(repr(v)).normalize(), "decimal")


def doc_quads(doc: Doc, entities: list[Entity], lex: lexmod.Lexicon, fingerprint: str = "") -> list[Quad]:
    """All quads one document contributes, in its named graph, in a stable order."""
    d = doc_iri(doc.doc_id)
    g = NamedNode(d)
    D = NamedNode(d)
    out: list[tuple] = []

    def add(s, p: str, o) -> None:
        out.append((s if isinstance(s, NamedNode) else NamedNode(s), NamedNode(p), o))

    add(D, RDF + "type", NamedNode(KGO + "Document"))
    add(D, KGO + "contentHash", _lit(doc.content_hash))
    add(D, KGO + "sourcePath", _lit(doc.path))
    if fingerprint:
        add(D, KGO + "pipeline", _lit(fingerprint))
    if doc.title:
        add(D, DCT + "title", _lit(doc.title))
    if doc.date:
        add(D, DCT + "date", _lit(doc.date, "date"))
    if doc.lang:
        add(D, DCT + "language", _lit(doc.lang))
    if doc.url:
        add(D, DCT + "source", _lit(doc.url))

    ment_ent = {}
    for ent in entities:
        for i in ent.mentions:
            ment_ent[i] = ent
    for ent in entities:
        e = NamedNode(ent.iri)
        add(D, SCHEMA + "mentions", e)
        add(e, RDF + "type", NamedNode(KGO + ent.cls))
        pref, alts = labels(ent, lex)
        for lang, name in sorted(pref.items()):
            add(e, SKOS + "prefLabel", _lit(name, lang=lang))
        for name, lang in alts:
            add(e, SKOS + "altLabel", _lit(name, lang=lang))
        if ent.lexicon_id:
            qid = lex.entries[ent.lexicon_id].wikidata
            if qid:
                add(e, OWL + "sameAs", NamedNode(WD + qid))

    pub = next((e for e in entities if e.key == doc.publisher_key), None)
    if pub is not None:
        add(D, DCT + "publisher", NamedNode(pub.iri))

    sentences_used: set[int] = set()
    structural_done: set[tuple[str, str, str]] = set()
    for r in doc.relations:
        s_ent, o_ent = ment_ent.get(r.subj), ment_ent.get(r.obj)
        if s_ent is None or o_ent is None or s_ent.key == o_ent.key:
            continue
        if r.rule.startswith("name."):  # a name states its fact once, however often it recurs
            if (s_ent.key, r.pred, o_ent.key) in structural_done:
                continue
            structural_done.add((s_ent.key, r.pred, o_ent.key))
        s, o, p = NamedNode(s_ent.iri), NamedNode(o_ent.iri), KGO + r.pred
        add(s, p, o)
        sent = doc.sentences[r.sentence]
        sid = f"{d}#char={sent.start},{sent.end}"
        sentences_used.add(r.sentence)
        h = hashlib.sha1(f"{s_ent.iri} {p} {o_ent.iri} {sid} {r.rule}".encode()).hexdigest()[:16]
        st = NamedNode(f"{d}#fact-{h}")
        add(st, RDF + "type", NamedNode(RDF + "Statement"))
        add(st, RDF + "subject", s)
        add(st, RDF + "predicate", NamedNode(p))
        add(st, RDF + "object", o)
        add(st, PROV + "wasDerivedFrom", NamedNode(sid))
        add(st, KGO + "rule", _lit(r.rule))
        add(st, KGO + "confidence", _lit(Decimal(str(r.confidence)), "decimal"))
        if r.role:
            add(st, KGO + "roleTitle", _lit(r.role, lang=doc.lang if doc.lang and doc.lang != "en" else "en"))

    for q in doc.quantities:
        ent = ment_ent.get(q.about)
        if ent is None:
            continue
        sent = doc.sentences[q.sentence]
        sid = f"{d}#char={sent.start},{sent.end}"
        sentences_used.add(q.sentence)
        node = NamedNode(f"{d}#q-{q.start}-{q.end}")
        add(NamedNode(ent.iri), KGO + "hasMeasurement", node)
        add(node, RDF + "type", NamedNode(SCHEMA + "QuantitativeValue"))
        add(node, SCHEMA + "value", _num(q.value))
        add(node, SCHEMA + "unitText", _lit(q.unit))
        add(node, KGO + "quantityKind", _lit(q.kind))
        add(node, KGO + "rule", _lit(q.rule))
        add(node, PROV + "wasDerivedFrom", NamedNode(sid))
        if q.year:
            add(node, KGO + "year", _lit(q.year, "gYear"))

    for si in sorted(sentences_used):
        sent = doc.sentences[si]
        sn = NamedNode(f"{d}#char={sent.start},{sent.end}")
        add(sn, RDF + "type", NamedNode(KGO + "Sentence"))
        add(sn, KGO + "text", _lit(doc.text[sent.start : sent.end]))
        add(sn, KGO + "start", _lit(sent.start, "integer"))
        add(sn, KGO + "end", _lit(sent.end, "integer"))
        add(sn, DCT + "isPartOf", D)

    uniq = sorted(set(out), key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    return [Quad(s, p, o, g) for s, p, o in uniq]
