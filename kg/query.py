"""Query: run SPARQL against the store and write results as a table, CSV, TSV or JSON.

Results stream from Oxigraph straight into the chosen format (pyoxigraph serialises CSV, TSV
and SPARQL Results JSON itself), so large result sets are never turned into rdflib terms.

The dataset (issue 14): a query that names its own (FROM / FROM NAMED), or a request that gives
one (the protocol's default-graph-uri / named-graph-uri, which win over FROM), is answered over
exactly that; only a query with neither sees the union of all graphs as its default graph.  The
project's prefixes (KG_PREFIXES) are predefined, so `kgo:x` works without a PREFIX line; a query's
own PREFIX declarations take precedence.  `kg query` and `kg serve` both go through run_query.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pyoxigraph as ox

QUERY_DIR = Path(__file__).resolve().parent / "queries"


# Spelled out (not imported from kg.graph, which loads the lexicon): `kg query` starts fast.
KG_PREFIXES = {
    "kgo": "https://w3id.org/kg/ontology#", "kgr": "https://w3id.org/kg/id/", "kgd": "https://w3id.org/kg/doc/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/", "schema": "http://schema.org/", "sh": "http://www.w3.org/ns/shacl#",
}


class QueryError(Exception):
    """A query that cannot run; the message is one line (with line and column when known)."""


def run_query(db: ox.Store, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, base_iri: str | None = None):
    """Run a query on a pyoxigraph store with kg's dataset rules and predefined prefixes.

    `default_graphs` / `named_graphs` (IRIs) are the protocol's dataset parameters; when either is
    given they replace the query's FROM / FROM NAMED (Protocol §2.1.4), as Oxigraph's server does.
    Raises SyntaxError (bad query), ValueError (a dataset IRI that is not an IRI) or OSError."""
    from .serve.text import declares_dataset

    options: dict = {"prefixes": KG_PREFIXES}
    if base_iri:
        options["base_iri"] = base_iri
    if default_graphs or named_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []]
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
    elif not declares_dataset(sparql):
        options["use_default_graph_as_union"] = True
    return db.query(sparql, **options)


def execute(store, sparql: str):
    """Run a query on a KGStore (kg's dataset rules, run_query) or on a remote store (as given)."""
    db = getattr(store, "ox", None)
    try:
        return run_query(db, sparql) if isinstance(db, ox.Store) else store.query(sparql)
    except SyntaxError as e:
        from .serve.text import short_syntax_error

        raise QueryError(f"invalid SPARQL: {short_syntax_error(str(e), sparql)}") from None
    except (OSError, ValueError, RuntimeError) as e:
        raise QueryError(f"query failed: {_one_line(str(e))}") from None


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


def write_results(results, fmt: str, out=None) -> int:
    """Write query results; returns the number of rows (or triples) written."""
    out = out or sys.stdout
    if isinstance(results, bool):
        out.write(("true" if results else "false") + "\n")
        return 1
    if isinstance(results, ox.QueryBoolean):
        out.write(("true" if bool(results) else "false") + "\n")
        return 1
    if isinstance(results, ox.QueryTriples):
        fmt_rdf = {"table": ox.RdfFormat.TURTLE, "json": ox.RdfFormat.JSON_LD, "csv": ox.RdfFormat.N_TRIPLES,
                   "tsv": ox.RdfFormat.N_TRIPLES}.get(fmt, ox.RdfFormat.TURTLE)
        data = results.serialize(format=fmt_rdf)
        out.write(data.decode("utf-8"))
        return data.count(b"\n")
    if fmt in ("csv", "tsv", "json", "xml"):
        f = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
             "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}[fmt]
        target = getattr(out, "buffer", None)
        if target is None:  # a text stream without bytes underneath (tests): go through memory
            buf = io.BytesIO()
            results.serialize(buf, format=f)
            data = buf.getvalue()
            out.write(data.decode("utf-8"))
            return max(0, data.count(b"\n") - 1)
        out.flush()
        sink = _LineCounter(target)  # stream straight to the file: memory stays flat at any size
        results.serialize(sink, format=f)
        target.flush()
        return max(0, sink.lines - 1)
    from .output import write  # the table: one implementation, kg/output.py

    return write(results, "table", out)


class _LineCounter:
    """A binary sink that forwards to `target` and counts the lines written."""

    def __init__(self, target) -> None:
        self.target, self.lines = target, 0

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


def term_text(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.Literal):
        return t.value
    if isinstance(t, ox.NamedNode):
        return _short(t.value)
    return str(t)


_SHORT = [
    ("https://w3id.org/kg/id/", "kgr:"), ("https://w3id.org/kg/ontology#", "kgo:"), ("https://w3id.org/kg/doc/", "kgd:"),
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"), ("http://www.w3.org/2004/02/skos/core#", "skos:"),
    ("http://schema.org/", "schema:"), ("http://purl.org/dc/terms/", "dcterms:"), ("http://www.w3.org/ns/prov#", "prov:"),
]


def _short(iri: str) -> str:
    for long, short in _SHORT:
        if iri.startswith(long):
            return short + iri[len(long):]
    return iri


_RICH_ONLY = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]|:[\w+-]+:")


def _plain_table(names: list[str], rows: list[list[str]], width: int) -> str | None:
    """The table exactly as rich draws it when it fits in `width` columns without wrapping, else
    None.  Saves importing rich (slower than a small query) for the usual piped `kg query`."""
    import unicodedata

    def cells(s: str) -> int:
        n = 0
        for c in s:
            if unicodedata.combining(c):
                return -1
            n += 2 if unicodedata.east_asian_width(c) in "WF" else 1
        return n

    if not names:
        return None
    widths = []
    for i, h in enumerate(names):
        w = cells(h)
        for r in rows:
            if _RICH_ONLY.search(r[i]):
                return None
            w = max(w, cells(r[i]))
            if w < 0:
                return None
        widths.append(w)
    if sum(widths) + 3 * len(widths) + 1 > width or cells("".join(names)) < 0:
        return None

    def line(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right + "\n"

    def row(vals: list[str], bar: str) -> str:
        return bar + bar.join(" " + v + " " * (w - cells(v)) + " " for v, w in zip(vals, widths, strict=True)) + bar + "\n"

    out = [line("┏", "━", "┳", "┓"), row(names, "┃"), line("┡", "━", "╇", "┩")]
    out += [row(r, "│") for r in rows]
    out.append(line("└", "─", "┴", "┘"))
    return "".join(out)


def saved_queries() -> dict[str, tuple[Path, str]]:
    """queries/*.rq with the first comment line as what each answers."""
    out = {}
    for p in sorted(QUERY_DIR.glob("*.rq")):
        first = ""
        for line in p.read_text("utf-8").splitlines():
            if line.startswith("#"):
                first = re.sub(r"^#+\s*", "", line).strip()
                break
        out[p.stem] = (p, first)
    return out
