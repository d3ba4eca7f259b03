"""What the endpoint says about itself: the SPARQL 1.1 Service Description, the offline query
page and the saved questions (queries/*.rq) it offers."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from ..query import KG_PREFIXES
from .base import HTTPFail, ServeConfig, one_line
from .negotiate import GRAPH_FORMATS

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
QUERY_PAGE = "query.html"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
SH = "http://www.w3.org/ns/shacl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def service_description(endpoint: str, config: ServeConfig, fmt_key: str) -> bytes:
    """sd:Service for `endpoint`.  The predefined prefixes are stated with SHACL's prefix
    vocabulary (sh:declare / sh:prefix / sh:namespace), the one standard way to list them."""
    svc = ox.BlankNode("service")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    triples = [ox.Triple(svc, rdf_type, sd("Service")), ox.Triple(svc, sd("endpoint"), ox.NamedNode(endpoint)),
               ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
               ox.Triple(svc, ox.NamedNode(RDFS + "comment"), ox.Literal(
                   "kg knowledge graph. The default graph is the union of all graphs unless the query (FROM) or "
                   "the request (default-graph-uri, named-graph-uri) names a dataset. The prefixes declared "
                   "with sh:declare are predefined: queries may use them without PREFIX lines."))]
    if config.allow_update:
        triples.append(ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Update")))
    if config.allow_service:
        triples.append(ox.Triple(svc, sd("feature"), sd("BasicFederatedQuery")))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(svc, sd("resultFormat"), ox.NamedNode(FORMATS_NS + f)))
    for name, iri in KG_PREFIXES.items():
        decl = ox.BlankNode(f"prefix-{name}")
        triples += [ox.Triple(svc, ox.NamedNode(SH + "declare"), decl),
                    ox.Triple(decl, ox.NamedNode(SH + "prefix"), ox.Literal(name)),
                    ox.Triple(decl, ox.NamedNode(SH + "namespace"), ox.Literal(iri, datatype=ox.NamedNode(XSD + "anyURI")))]
    fmt = GRAPH_FORMATS[fmt_key][1]
    if fmt == ox.RdfFormat.TURTLE:
        return ox.serialize(triples, format=fmt, prefixes={"sd": SD, "format": FORMATS_NS, "sh": SH, "rdfs": RDFS})
    return ox.serialize(triples, format=fmt)


def query_page() -> bytes:
    return (STATIC_DIR / QUERY_PAGE).read_bytes()


def saved_queries_json() -> bytes:
    from ..query import saved_queries

    out = []
    for name, (path, what) in saved_queries().items():
        try:
            out.append({"name": name, "title": what, "query": path.read_text("utf-8")})
        except (OSError, UnicodeDecodeError):
            continue
    return json.dumps(out, ensure_ascii=False).encode("utf-8")


def viewer():
    """kg.view.render_html when that module exists, else None (then / serves the query page)."""
    try:
        from .. import view
    except ModuleNotFoundError as e:
        if e.name in ("kg.view", "view"):
            return None
        raise
    return getattr(view, "render_html", None)


def render_view(render, store, params: dict[str, list[str]]) -> str:
    """The viewer with the page's own options (focus, lang, depth); never a free SPARQL query,
    which would bypass the SERVICE check."""
    options: dict = {}
    for name in ("focus", "lang"):
        if params.get(name):
            options[name] = params[name][0]
    if params.get("depth"):
        try:
            options["depth"] = max(0, min(int(params["depth"][0]), 6))
        except ValueError:
            raise HTTPFail(400, "depth must be a whole number") from None
    try:
        return render(store, **options)
    except Exception as e:
        if type(e).__name__ == "ViewError":
            raise HTTPFail(400, one_line(e)) from None
        raise
