"""kg/ontology/kg.ttl and kg/ontology/shapes.ttl against docs/design.md.

Validation is run exactly as the rest of kg should run it:

    pyshacl.validate(data, shacl_graph=SHAPES, ont_graph=ONTOLOGY, inference="none")

The ontology must be mixed in (sh:class / sh:targetClass follow rdfs:subClassOf only through
triples in the data graph) and inference must stay off (RDFS domain/range inference would type
every subject and object as the property expects and hide domain/range errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SH, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_PATH = ROOT / "kg" / "ontology" / "kg.ttl"
SHAPES_PATH = ROOT / "kg" / "ontology" / "shapes.ttl"
DESIGN_PATH = ROOT / "docs" / "design.md"

KGO = Namespace("https://w3id.org/kg/ontology#")
KGR = Namespace("https://w3id.org/kg/id/")
KGD = Namespace("https://w3id.org/kg/doc/")
SCHEMA = Namespace("http://schema.org/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # plain Namespace: no pytest attribute warnings
ORG = Namespace("http://www.w3.org/ns/org#")
ONTOLOGY_IRI = URIRef("https://w3id.org/kg/ontology")

LANGS = ("en", "zh-Hans", "zh-Hant")

# pyshacl's own Dataset handling calls a deprecated rdflib accessor.
pytestmark = pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")

CLASSES = [
    "Organization", "Company", "ResearchInstitute", "GovernmentBody", "University", "Publisher",
    "Investor", "Person", "Place", "Country", "Province", "City", "District", "ComputeCenter",
    "Facility", "Product", "Chip", "AIModel", "Technology", "Event", "Project", "Document",
    "Sentence",
]  # fmt: skip
OBJECT_PROPERTIES = [
    "supplies", "customerOf", "hostedAt", "validates", "locatedIn", "partOf", "subsidiaryOf",
    "develops", "manufactures", "builds", "operates", "investsIn", "partnerOf", "acquires",
    "founderOf", "executiveOf", "employeeOf", "speaksAt", "launchedAt", "heldWith", "deploys",
    "competesWith", "listedOn", "hasMeasurement",
]  # fmt: skip
DATATYPE_PROPERTIES = [
    "roleTitle", "rule", "confidence", "text", "start", "end", "sourcePath", "contentHash",
    "quantityKind", "year",
]  # fmt: skip

DOC_ID = "wuxi-compute-2025-09-06.zh-Hant"
DOC = KGD[DOC_ID]
SENT = URIRef(f"{DOC}#char=120,180")
SENT2 = URIRef(f"{DOC}#char=181,230")
FACT = URIRef(f"{DOC}#fact-3f2a")
FACT_ROLE = URIRef(f"{DOC}#fact-77c1")
QV = URIRef(f"{DOC}#q-150")

# One document's contribution, written the way docs/design.md shows it.
VALID_DOC = f"""
@prefix kgo: <https://w3id.org/kg/ontology#> .
@prefix kgr: <https://w3id.org/kg/id/> .
@prefix kgd: <https://w3id.org/kg/doc/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <http://schema.org/> .

<{DOC}> a kgo:Document ; dcterms:title "無錫智算中心為國產芯片提供適配驗證環境" ;
    dcterms:date "2025-09-06"^^xsd:date ;
    dcterms:publisher kgr:Publisher21CBH ; dcterms:language "zh-Hant" ;
    kgo:sourcePath "corpus/wuxi-compute-2025-09-06.zh-Hant.txt" ;
    kgo:contentHash "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ;
    schema:mentions kgr:MooreThreads , kgr:WuxiCentralNode , kgr:Wuxi , kgr:张建中 , kgr:WAIC2025 .

kgr:MooreThreads a kgo:Company ;
    skos:prefLabel "摩爾線程"@zh-Hant , "摩尔线程"@zh-Hans , "Moore Threads"@en ;
    skos:altLabel "摩爾線程智能科技(北京)股份有限公司"@zh-Hant ;
    owl:sameAs <http://www.wikidata.org/entity/Q108006183> .

kgr:WuxiCentralNode a kgo:ComputeCenter ;
    skos:prefLabel "無錫中心節點"@zh-Hant , "无锡中心节点"@zh-Hans .

kgr:Wuxi a kgo:City ; skos:prefLabel "無錫"@zh-Hant , "无锡"@zh-Hans , "Wuxi"@en .

kgr:张建中 a kgo:Person ; skos:prefLabel "張建中"@zh-Hant , "张建中"@zh-Hans .

kgr:WAIC2025 a kgo:Event ; skos:prefLabel "2025世界人工智能大會"@zh-Hant .

kgr:Publisher21CBH a kgo:Publisher ; skos:prefLabel "21世紀經濟報道"@zh-Hant .

kgr:WuxiCentralNode kgo:validates kgr:MooreThreads ;
    kgo:locatedIn kgr:Wuxi ;
    kgo:hasMeasurement <{QV}> .
kgr:张建中 kgo:executiveOf kgr:MooreThreads ; kgo:speaksAt kgr:WAIC2025 .

<{FACT}> a rdf:Statement ;
    rdf:subject kgr:WuxiCentralNode ; rdf:predicate kgo:validates ; rdf:object kgr:MooreThreads ;
    prov:wasDerivedFrom <{SENT}> ;
    kgo:rule "zh.validates.provide-env" ; kgo:confidence 0.9 .

<{FACT_ROLE}> a rdf:Statement ;
    rdf:subject kgr:张建中 ; rdf:predicate kgo:executiveOf ; rdf:object kgr:MooreThreads ;
    prov:wasDerivedFrom <{SENT2}> ;
    kgo:rule "zh.executive.title-name" ; kgo:confidence 0.8 ;
    kgo:roleTitle "創始人兼CEO"@zh-Hant .

<{SENT}> a kgo:Sentence ; kgo:text "無錫中心節點為摩爾線程提供了適配驗證環境。" ;
    kgo:start 120 ; kgo:end 180 ; dcterms:isPartOf <{DOC}> .

<{SENT2}> a kgo:Sentence ; kgo:text "摩爾線程創始人兼CEO張建中表示。" ;
    kgo:start 181 ; kgo:end 230 ; dcterms:isPartOf <{DOC}> .

<{QV}> a schema:QuantitativeValue ; schema:value 11000 ; schema:unitText "cards" ;
    kgo:quantityKind "accelerator cards" ; kgo:year "2025"^^xsd:gYear ;
    prov:wasDerivedFrom <{SENT}> ; kgo:rule "num.cards" .
"""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_PATH, format="turtle")


def valid_graph() -> Graph:
    return Graph().parse(data=VALID_DOC, format="turtle")


def validate(data: Graph | Dataset, shapes: Graph, ontology: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none")
    return conforms, report, text


def results(report: Graph) -> set[tuple]:
    """(focus node, result path or None, constraint component) of every validation result."""
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.add(
            (
                report.value(r, SH.focusNode),
                report.value(r, SH.resultPath),
                report.value(r, SH.sourceConstraintComponent),
            )
        )
    return out


# --- the ontology -------------------------------------------------------------------------------


def test_files_parse(ontology: Graph, shapes: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.title) is not None
    assert len(list(shapes.subjects(RDF.type, SH.NodeShape))) >= 8


def _design_terms() -> tuple[set[str], set[str], set[str], set[str]]:
    """Class, object-property and data-property names from the design's lists, and every kgo:
    term used in its Turtle example."""
    text = DESIGN_PATH.read_text(encoding="utf-8")
    classes_par = text.split("## Classes (kgo:)", 1)[1].split("##", 1)[0]
    props_par = text.split("## Object properties (kgo:)", 1)[1].split("##", 1)[0]
    obj_par, data_par = props_par.split("Data properties:", 1)
    classes = set(re.findall(r"\b[A-Z][A-Za-z]+\b", classes_par))

    def names(par: str) -> set[str]:
        par = re.sub(r"\([^)]*\)", "", par)
        found = (n.strip().rstrip(".").strip() for n in par.split(","))
        return {n for n in found if n}

    example = text.split("```turtle", 1)[1].split("```", 1)[0]
    used = set(re.findall(r"\bkgo:([A-Za-z]+)", example))
    return classes, names(obj_par), names(data_par), used


def test_design_lists_are_what_this_test_expects() -> None:
    classes, obj, data, _ = _design_terms()
    assert classes == set(CLASSES)
    assert obj | data == set(OBJECT_PROPERTIES) | set(DATATYPE_PROPERTIES)


def test_every_design_term_is_declared(ontology: Graph) -> None:
    classes, obj, data, used = _design_terms()
    for name in classes | {"Document", "Sentence"}:
        assert (KGO[name], RDF.type, OWL.Class) in ontology, name
    for name in obj | data | used - classes:
        assert name in OBJECT_PROPERTIES or name in DATATYPE_PROPERTIES, f"design uses kgo:{name}"
    for name in OBJECT_PROPERTIES:
        assert (KGO[name], RDF.type, OWL.ObjectProperty) in ontology, name
    for name in DATATYPE_PROPERTIES:
        assert (KGO[name], RDF.type, OWL.DatatypeProperty) in ontology, name


def _kgo_terms(ontology: Graph) -> set[URIRef]:
    terms = set()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        terms |= {t for t in ontology.subjects(RDF.type, kind) if str(t).startswith(str(KGO))}
    return terms


def test_every_term_has_labels_and_comments_in_three_scripts(ontology: Graph) -> None:
    terms = _kgo_terms(ontology)
    assert len(terms) >= len(CLASSES) + len(OBJECT_PROPERTIES) + len(DATATYPE_PROPERTIES)
    for term in sorted(terms):
        for prop in (RDFS.label, RDFS.comment):
            langs = [o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)]
            for lang in LANGS:
                assert langs.count(lang) == 1, f"{term} {prop} @{lang}: {langs}"


def test_every_property_has_domain_and_range(ontology: Graph) -> None:
    for term in _kgo_terms(ontology):
        if (term, RDF.type, OWL.Class) in ontology:
            continue
        assert ontology.value(term, RDFS.domain) is not None, term
        assert ontology.value(term, RDFS.range) is not None, term


def test_class_hierarchy_and_alignment(ontology: Graph) -> None:
    sub = RDFS.subClassOf
    for child, parent in [
        (KGO.Company, KGO.Organization),
        (KGO.Investor, KGO.Organization),
        (KGO.City, KGO.Place),
        (KGO.Facility, KGO.Place),
        (KGO.ComputeCenter, KGO.Facility),
        (KGO.Chip, KGO.Product),
        (KGO.AIModel, KGO.Product),
        (KGO.Organization, ORG.Organization),
        (KGO.Organization, SCHEMA.Organization),
        (KGO.Person, SCHEMA.Person),
        (KGO.Person, PROV.Agent),
        (KGO.Document, SCHEMA.NewsArticle),
        (KGO.Document, PROV.Entity),
        (KGO.Sentence, PROV.Entity),
        (KGO.Company, SCHEMA.Corporation),
        (KGO.Technology, SKOS.Concept),
    ]:
        assert (child, sub, parent) in ontology, (child, parent)
    assert (KGO.ComputeCenter, sub, KGO.Organization) not in ontology


def test_property_characteristics(ontology: Graph) -> None:
    for name in ("locatedIn", "partOf"):
        assert (KGO[name], RDF.type, OWL.TransitiveProperty) in ontology
    for name in ("partnerOf", "heldWith", "competesWith"):
        assert (KGO[name], RDF.type, OWL.SymmetricProperty) in ontology
    assert (KGO.customerOf, OWL.inverseOf, KGO.supplies) in ontology
    assert (KGO.executiveOf, RDFS.subPropertyOf, KGO.affiliatedWith) in ontology
    assert (KGO.employeeOf, RDFS.subPropertyOf, KGO.affiliatedWith) in ontology
    assert (KGO.employeeOf, RDFS.subPropertyOf, SCHEMA.worksFor) in ontology
    assert (KGO.subsidiaryOf, RDFS.subPropertyOf, ORG.subOrganizationOf) in ontology
    assert (KGO.hasMeasurement, RDFS.range, SCHEMA.QuantitativeValue) in ontology
    assert (KGO.confidence, RDFS.range, XSD.decimal) in ontology
    assert (KGO.roleTitle, RDFS.domain, RDF.Statement) in ontology
    assert (KGO.year, RDFS.range, XSD.gYear) in ontology


# --- the shapes ---------------------------------------------------------------------------------


def test_valid_document_conforms(shapes: Graph, ontology: Graph) -> None:
    conforms, _, text = validate(valid_graph(), shapes, ontology)
    assert conforms, text


def test_valid_document_conforms_as_named_graph_in_dataset(shapes: Graph, ontology: Graph) -> None:
    ds = Dataset()
    ds.graph(DOC).parse(data=VALID_DOC, format="turtle")
    ont = ds.graph(ONTOLOGY_IRI)
    for t in ontology:
        ont.add(t)
    conforms, _, text = pyshacl.validate(ds, shacl_graph=shapes, inference="none")
    assert conforms, text


def test_dataset_broken_document_fails(shapes: Graph, ontology: Graph) -> None:
    ds = Dataset()
    g = ds.graph(DOC)
    g.parse(data=VALID_DOC, format="turtle")
    g.remove((DOC, KGO.contentHash, None))
    conforms, report, _ = pyshacl.validate(ds, shacl_graph=shapes, ont_graph=ontology, inference="none")
    assert not conforms
    assert (DOC, KGO.contentHash, SH.MinCountConstraintComponent) in results(report)


def _drop(s, p, o=None) -> Callable[[Graph], None]:
    return lambda g: g.remove((s, p, o))


def _replace(s, p, old, new) -> Callable[[Graph], None]:
    def edit(g: Graph) -> None:
        g.remove((s, p, old))
        g.add((s, p, new))

    return edit


def _add(*triples) -> Callable[[Graph], None]:
    def edit(g: Graph) -> None:
        for t in triples:
            g.add(t)

    return edit


def _rename_sentence(g: Graph) -> None:
    wrong = URIRef(f"{DOC}#char=0,60")
    for p, o in list(g.predicate_objects(SENT)):
        g.remove((SENT, p, o))
        g.add((wrong, p, o))
    for s, p in list(g.subject_predicates(SENT)):
        g.remove((s, p, SENT))
        g.add((s, p, wrong))


MOORE = KGR.MooreThreads

BROKEN = {
    "statement without source sentence": (
        _drop(FACT, PROV.wasDerivedFrom),
        {(FACT, PROV.wasDerivedFrom, SH.MinCountConstraintComponent)},
    ),
    "statement derived from a non-sentence": (
        _replace(FACT, PROV.wasDerivedFrom, SENT, DOC),
        {(FACT, PROV.wasDerivedFrom, SH.ClassConstraintComponent)},
    ),
    "prefLabel without language tag": (
        _replace(MOORE, SKOS.prefLabel, Literal("Moore Threads", lang="en"), Literal("Moore Threads")),
        {(MOORE, SKOS.prefLabel, SH.DatatypeConstraintComponent)},
    ),
    "two prefLabels in one language": (
        _add((MOORE, SKOS.prefLabel, Literal("MTT", lang="en"))),
        {(MOORE, SKOS.prefLabel, SH.UniqueLangConstraintComponent)},
    ),
    "entity without prefLabel": (
        _drop(KGR.Wuxi, SKOS.prefLabel),
        {(KGR.Wuxi, SKOS.prefLabel, SH.MinCountConstraintComponent)},
    ),
    "speaksAt from an Organization": (
        _add((MOORE, KGO.speaksAt, KGR.WAIC2025)),
        {(MOORE, None, SH.ClassConstraintComponent)},
    ),
    "speaksAt to a non-event": (
        _add((KGR["张建中"], KGO.speaksAt, KGR.Wuxi)),
        {(KGR["张建中"], KGO.speaksAt, SH.ClassConstraintComponent)},
    ),
    "executiveOf to a place": (
        _add((KGR["张建中"], KGO.executiveOf, KGR.Wuxi)),
        {(KGR["张建中"], KGO.executiveOf, SH.ClassConstraintComponent)},
    ),
    "locatedIn a company": (
        _add((KGR.WuxiCentralNode, KGO.locatedIn, MOORE)),
        {(KGR.WuxiCentralNode, KGO.locatedIn, SH.ClassConstraintComponent)},
    ),
    "validates from a city": (
        _add((KGR.Wuxi, KGO.validates, MOORE)),
        {(KGR.Wuxi, None, SH.OrConstraintComponent)},
    ),
    "Document without contentHash": (
        _drop(DOC, KGO.contentHash),
        {(DOC, KGO.contentHash, SH.MinCountConstraintComponent)},
    ),
    "contentHash not sha256 hex": (
        _replace(DOC, KGO.contentHash, None, Literal("abc")),
        {(DOC, KGO.contentHash, SH.PatternConstraintComponent)},
    ),
    "two titles": (
        _add((DOC, DCTERMS.title, Literal("another title"))),
        {(DOC, DCTERMS.title, SH.MaxCountConstraintComponent)},
    ),
    "date as a plain string": (
        _replace(DOC, DCTERMS.date, None, Literal("2025-09-06")),
        {(DOC, DCTERMS.date, SH.DatatypeConstraintComponent)},
    ),
    "confidence 1.5": (
        _replace(FACT, KGO.confidence, None, Literal("1.5", datatype=XSD.decimal)),
        {(FACT, KGO.confidence, SH.MaxInclusiveConstraintComponent)},
    ),
    "confidence as xsd:double": (
        _replace(FACT, KGO.confidence, None, Literal(0.9)),
        {(FACT, KGO.confidence, SH.DatatypeConstraintComponent)},
    ),
    "statement without rule": (
        _drop(FACT, KGO.rule),
        {(FACT, KGO.rule, SH.MinCountConstraintComponent)},
    ),
    "roleTitle on a validates statement": (
        _add((FACT, KGO.roleTitle, Literal("總裁", lang="zh-Hant"))),
        {(FACT, None, SH.OrConstraintComponent)},
    ),
    "reified fact not asserted": (
        _drop(KGR.WuxiCentralNode, KGO.validates, MOORE),
        {(FACT, None, SH.SPARQLConstraintComponent)},
    ),
    "sentence end before start": (
        _replace(SENT, KGO.end, None, Literal(100)),
        {
            (SENT, KGO.start, SH.LessThanConstraintComponent),
            (SENT, None, SH.SPARQLConstraintComponent),  # IRI says char=120,180
        },
    ),
    "sentence without document": (
        _drop(SENT, DCTERMS.isPartOf),
        {(SENT, DCTERMS.isPartOf, SH.MinCountConstraintComponent)},
    ),
    "sentence IRI disagrees with offsets": (
        _rename_sentence,
        {(URIRef(f"{DOC}#char=0,60"), None, SH.SPARQLConstraintComponent)},
    ),
    "measurement without unit": (
        _drop(QV, SCHEMA.unitText),
        {(QV, SCHEMA.unitText, SH.MinCountConstraintComponent)},
    ),
    "measurement value not numeric": (
        _replace(QV, SCHEMA.value, None, Literal("11000")),
        {(QV, SCHEMA.value, SH.OrConstraintComponent)},
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_document_fails(case: str, shapes: Graph, ontology: Graph) -> None:
    edit, expected = BROKEN[case]
    g = valid_graph()
    edit(g)
    conforms, report, text = validate(g, shapes, ontology)
    assert not conforms
    assert results(report) == expected, text


def test_rdfs_inference_would_hide_domain_errors(shapes: Graph, ontology: Graph) -> None:
    """Why inference must stay "none": RDFS infers the subject of speaksAt is a Person."""
    g = valid_graph()
    g.add((MOORE, KGO.speaksAt, KGR.WAIC2025))
    conforms, _, _ = pyshacl.validate(g, shacl_graph=shapes, ont_graph=ontology, inference="rdfs")
    assert conforms
    conforms, _, _ = validate(g, shapes, ontology)
    assert not conforms
