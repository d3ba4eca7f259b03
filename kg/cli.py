"""cli: the `kg` command.  Each command imports only what it needs, so `kg query` starts fast.

Errors are one line on stderr and a non-zero exit code: 1 for failures, 2 for bad usage or
bad queries, 3 when a build skipped some inputs but wrote the rest.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build, query and explore a knowledge graph of the AI-compute and semiconductor industry from news articles.",
    pretty_exceptions_enable=False,
)

StoreOpt = Annotated[str | None, typer.Option("--store", help="Store directory (default ./kg-store or $KG_STORE).")]


def fail(msg: str, code: int = 1) -> None:
    typer.echo(f"kg: {msg}", err=True)
    raise typer.Exit(code)


def open_store(path: str | None, read_only: bool = False, create: bool = False):
    from .store import KGStore, StoreError

    try:
        return KGStore(path, read_only=read_only, create=create)
    except StoreError as e:
        fail(str(e))


def _atomic_write(path: str, data: bytes) -> None:
    """Write to a temporary file beside the target and rename, so no half-written output."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        fail(f"{path}: cannot write ({e.strerror or e})")


@app.command()
def build(
    paths: Annotated[list[str], typer.Argument(help="Article files (.txt, .md, .html) or folders of them.")],
    store: StoreOpt = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes for extraction.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Re-extract documents even when unchanged.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Extract entities, relations and numbers from articles into the store (one named graph per document)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .ingest import iter_sources
    from .pipeline import build as run_build

    errors: list[str] = []
    sources = list(iter_sources(paths, errors))
    for e in errors:
        typer.echo(f"kg: skipped {e}", err=True)
    if not sources:
        fail("no .txt, .md or .html files to build", 1)
    kg_store = open_store(store, create=True)
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, disable=quiet or not console.is_terminal, transient=True,
    ) as bar:
        task = bar.add_task("build", total=len(sources))
        report = run_build(kg_store, sources, jobs=jobs, force=force, progress=lambda _: bar.advance(task))
    for msg in report.skipped:
        typer.echo(f"kg: skipped {msg}", err=True)
    s = kg_store.stats()
    typer.echo(
        f"built {report.documents} document(s), {report.unchanged} unchanged, {len(report.skipped) + len(errors)} skipped; "
        f"store now holds {s['documents']} documents, {s['entities']} entities, {s['relations']} relations, "
        f"{s['measurements']} measurements ({s['triples']} quads) in {kg_store.path}"
    )
    if report.skipped or errors:
        raise typer.Exit(3)


EXPORT_FORMATS = ["turtle", "trig", "nquads", "ntriples", "jsonld", "rdfxml"]


@app.command()
def export(
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle, trig, nquads, ntriples, jsonld or rdfxml.")] = "trig",
    output: Annotated[str | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    with_ontology: Annotated[bool, typer.Option("--with-ontology", help="Include the ontology graph.")] = False,
) -> None:
    """Write the whole graph in an RDF format (triple formats get the union of all documents)."""
    from .store import export_bytes

    if fmt not in EXPORT_FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}", 2)
    kg_store = open_store(store, read_only=True)
    data = export_bytes(kg_store, fmt, with_ontology)
    if output:
        _atomic_write(output, data)
    else:
        sys.stdout.buffer.write(data)


@app.command()
def query(
    sparql: Annotated[str | None, typer.Argument(help="A SPARQL query (or use -f FILE.rq).")] = None,
    store: StoreOpt = None,
    file: Annotated[str | None, typer.Option("--file", "-f", help="Read the query from a .rq file (or a saved question's name).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv, tsv, json (SPARQL 1.1 Results JSON) or xml.")] = "table",
    list_saved: Annotated[bool, typer.Option("--list", help="List the saved questions in queries/.")] = False,
) -> None:
    """Run a SPARQL query over the union of all documents."""
    from .query import QueryError, execute, saved_queries, write_results

    if list_saved:
        for name, (path, what) in saved_queries().items():
            typer.echo(f"{name:28} {what}")
        return
    if fmt not in ("table", "csv", "tsv", "json", "xml"):
        fail(f"unknown format {fmt!r}; choose table, csv, tsv, json or xml", 2)
    if file:
        p = Path(file)
        if not p.exists():
            saved = saved_queries()
            if file in saved:
                p = saved[file][0]
            else:
                fail(f"{file}: no such file or saved question", 2)
        try:
            sparql = p.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            fail(f"{file}: cannot read ({e})", 2)
    if not sparql:
        fail("give a SPARQL query or -f FILE.rq", 2)
    kg_store = open_store(store, read_only=True)
    try:
        res = execute(kg_store, sparql)
        write_results(res, fmt)
    except QueryError as e:
        fail(str(e), 2)


@app.command()
def stats(store: StoreOpt = None) -> None:
    """Counts of documents, entities, relations and quads in the store."""
    kg_store = open_store(store, read_only=True)
    for k, v in kg_store.stats().items():
        typer.echo(f"{k:14} {v}")


@app.command()
def validate(store: StoreOpt = None) -> None:
    """Check the graph against the SHACL shapes; exit 1 and list the violations if any."""
    from .validate import validate as run

    kg_store = open_store(store, read_only=True)
    ok, report = run(kg_store)
    typer.echo(report)
    if not ok:
        raise typer.Exit(1)


@app.command()
def remove(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (as in kgd:ID) or source paths.")],
    store: StoreOpt = None,
) -> None:
    """Remove documents and every fact and entity that only they supported."""
    from .graph import doc_iri
    from .ingest import iter_sources

    kg_store = open_store(store)
    missing = []
    for d in doc_ids:
        ids = [d]
        if Path(d).exists():
            ids = [s.doc_id for s in iter_sources([d])]
        for i in ids:
            if not kg_store.remove_document(doc_iri(i)):
                missing.append(i)
    kg_store.flush()
    for m in missing:
        typer.echo(f"kg: no document {m!r} in the store", err=True)
    if missing:
        raise typer.Exit(1)


@app.command("import")
def import_(
    files: Annotated[list[str], typer.Argument(help="RDF files: .nt .nq .ttl .trig .rdf/.owl/.xml .jsonld")],
    store: StoreOpt = None,
    graph: Annotated[str | None, typer.Option("--graph", help="Named graph for triple formats (default: one per file).")] = None,
) -> None:
    """Bulk-load existing RDF into the store with Oxigraph's loader (all or nothing per file)."""
    from .store import ImportError_, import_file

    kg_store = open_store(store, create=True)
    for f in files:
        try:
            n = import_file(kg_store, f, graph)
        except ImportError_ as e:
            fail(str(e), 1)
        typer.echo(f"imported {f}: {n} quads")


# --- analyse commands (neighbors, path, rank, communities) ---------------------------------


# --- view commands (viz) -------------------------------------------------------------------


# --- serve commands (serve) ----------------------------------------------------------------


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("kg: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
