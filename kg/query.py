"""Query: run SPARQL against the store and write results as a table, CSV, TSV or JSON.

Results stream from Oxigraph straight into the chosen format (pyoxigraph serialises CSV, TSV
and SPARQL Results JSON itself), so large result sets are never turned into rdflib terms.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pyoxigraph as ox

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"


class QueryError(Exception):
    """A query that cannot run; the message is one line (with line and column when known)."""


def execute(store, sparql: str):
    try:
        return store.query(sparql)
    except SyntaxError as e:
        raise QueryError(f"invalid SPARQL: {_one_line(str(e))}") from None
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
        buf = io.BytesIO()
        results.serialize(buf, format=f)
        data = buf.getvalue()
        out.write(data.decode("utf-8"))
        return max(0, data.count(b"\n") - 1)
    return _table(results, out)


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


def _table(results, out) -> int:
    from rich.console import Console
    from rich.table import Table

    names = [v.value for v in results.variables]
    table = Table(*names, show_lines=False)
    n = 0
    for sol in results:
        table.add_row(*[_cell(term_text(sol[v])) for v in names])
        n += 1
    Console(file=out, width=200 if not hasattr(out, "isatty") or not out.isatty() else None).print(table)
    out.write(f"{n} row{'s' if n != 1 else ''}\n")
    return n


def _cell(s: str) -> str:
    s = s.replace("[", r"\[")
    return s if len(s) <= 120 else s[:117] + "..."


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
