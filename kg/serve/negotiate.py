"""Content negotiation: which result format answers a request (format= / output= / results=
parameter first, then the Accept header, q-values and specificity honoured; 406 when nothing
asked for fits the query form)."""

from __future__ import annotations

import pyoxigraph as ox

from .base import HTTPFail

RESULT_FORMATS = {  # key: (media type, pyoxigraph format)
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}
GRAPH_FORMATS = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
_NAMES = {
    "results": {
        "json": "json", "srj": "json", "application/sparql-results+json": "json", "application/json": "json",
        "xml": "xml", "srx": "xml", "application/sparql-results+xml": "xml", "application/xml": "xml",
        "text/xml": "xml", "csv": "csv", "text/csv": "csv", "tsv": "tsv", "text/tab-separated-values": "tsv",
    },
    "graph": {
        "turtle": "turtle", "ttl": "turtle", "n3": "turtle", "text/turtle": "turtle", "application/turtle": "turtle",
        "application/x-turtle": "turtle", "text/n3": "turtle", "ntriples": "ntriples", "nt": "ntriples",
        "n-triples": "ntriples", "application/n-triples": "ntriples", "text/plain": "ntriples",
        "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld", "application/ld+json": "jsonld",
        "application/x-json+ld": "jsonld", "application/json": "jsonld", "rdfxml": "rdfxml", "rdf+xml": "rdfxml",
        "rdf": "rdfxml", "xml": "rdfxml", "application/rdf+xml": "rdfxml", "application/xml": "rdfxml",
        "text/xml": "rdfxml",
    },
}
_DEFAULT = {"results": "json", "graph": "turtle"}


def choose_format(kind: str, format_values: list[str], accept: str | None) -> str:
    """The format key for a result kind ('results' or 'graph'); HTTPFail(406) when none fits."""
    names = _NAMES[kind]
    tables = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
    offered = ", ".join(tables)
    tokens = [t.split(";")[0].strip().lower() for v in format_values for t in v.split(",") if t.strip()]
    if tokens:
        for t in tokens:
            if t in names:
                return names[t]
        raise HTTPFail(406, f"format {', '.join(tokens)!s} is not available for this query form; use one of {offered}")
    if not accept or not accept.strip():
        return _DEFAULT[kind]
    ranges = []
    for n, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mime, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if mime and q > 0:
            specific = 2 if mime == "*/*" else 1 if mime.endswith("/*") else 0
            ranges.append((-q, specific, n, mime))
    for *_, mime in sorted(ranges):
        if mime in names:
            return names[mime]
        if mime == "*/*":
            return _DEFAULT[kind]
        if mime.endswith("/*"):
            for key, (media, _) in tables.items():
                if media.startswith(mime[:-1]):
                    return key
    media = ", ".join(m for m, _ in tables.values())
    raise HTTPFail(406, f"cannot answer with {accept!r} for this query form; acceptable: {media}")


