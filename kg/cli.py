"""cli: the `kg` command.  Each command imports only what it needs, so `kg query` starts fast.

Errors are one line on stderr and a non-zero exit code: 1 for failures, 2 for bad usage or
bad queries, 3 when a build skipped some inputs but wrote the rest.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# --- fast path for `kg query` (issue 6) ------------------------------------------------------
# Importing typer (and the pydantic it loads) takes longer than a query on a small store, so a
# plain `kg query [--store S] [--format F] [--lang L] [-f FILE | SPARQL]` run as a program is answered here,
# before typer is imported.  Anything else (help, --list, --endpoint, saved-question names,
# unknown options, any error before output starts) returns False and goes through the typer
# command below, which then gives the usual message and exit code.

def _fast_query(args: list[str]) -> bool:
    opts: dict[str, str | None] = {"--store": None, "--format": "table", "--file": None, "--lang": None}
    positional: list[str] = []
    it = iter(args)
    for a in it:
        if a == "--":
            positional.extend(it)
            break
        if a.startswith("-") and a != "-":
            name, eq, val = a.partition("=")
            name = {"-f": "--file", "-F": "--format"}.get(name, name)
            if name not in opts:
                return False
            if not eq:
                val = next(it, None)
                if val is None:
                    return False
            opts[name] = val
        else:
            positional.append(a)
    fmt, file, sparql = opts["--format"], opts["--file"], positional[0] if positional else None
    if len(positional) > 1 or fmt not in ("table", "records", "csv", "tsv", "json", "xml"):
        return False
    if opts["--lang"] is not None and opts["--lang"] not in ("en", "zh-Hans", "zh-Hant"):
        return False
    if file:
        try:
            sparql = Path(file).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return False
    if not sparql:
        return False
    from .labels import store_lang, wants_lang, with_lang
    from .output import write as write_results
    from .query import QueryError, execute
    from .store import KGStore, StoreError

    try:
        store = KGStore(opts["--store"], read_only=True, create=False)
    except StoreError:
        return False
    if wants_lang(sparql):  # a query that prints names: in --lang, else the store's language
        sparql = with_lang(sparql, opts["--lang"] or store_lang(store))
    try:
        res = execute(store, sparql)
    except QueryError:
        return False
    try:
        write_results(res, fmt)
    except QueryError as e:  # raised while streaming: output has started, so fail as typer would
        print(f"kg: {e}", file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:
        raise
    except (OSError, ValueError, RuntimeError) as e:  # met while results stream (a SERVICE that fails)
        print(f"kg: query failed: {' '.join(str(e).split())}", file=sys.stderr)
        sys.exit(2)
    return True


if sys.argv[1:2] == ["query"] and (__name__ == "__main__" or os.path.basename(sys.argv[0]) == "kg"):
    try:
        if _fast_query(sys.argv[2:]):
            sys.stdout.flush()
            sys.exit(0)
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        os._exit(0)
    except Exception as _e:  # the same one line as main() below gives
        if os.environ.get("KG_DEBUG"):
            raise
        _store_mod = sys.modules.get("kg.store")
        if _store_mod is not None and isinstance(_e, _store_mod.StoreError):
            print(f"kg: {_e}", file=sys.stderr)
        else:
            print(f"kg: internal error: {type(_e).__name__}: {' '.join(str(_e).split())[:300]}", file=sys.stderr)
        sys.exit(1)

from typing import Annotated  # noqa: E402  (after the fast path: 5 ms kg query does not need)

import typer  # noqa: E402

# Help as click prints it (as datasette's): plain text, metavars such as DIR and FILE rather than
# typer's <str>/<bool> tags, examples kept as written (a `\b` paragraph is not re-wrapped).
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["--help", "-h"], "max_content_width": 100},
)


def _plain_metavar(self, ctx) -> str | None:
    """An option's metavar as click writes it (N, FILE, or TEXT/INTEGER/FLOAT), never `<str>`."""
    if self.metavar is not None:
        return self.metavar
    bare = self.display_type(ctx).strip("<>").removesuffix(" range")
    return {"str": "TEXT", "int": "INTEGER", "float": "FLOAT"}.get(bare, bare.upper())


try:  # an argument's name is its metavar already (SPARQL, PATH...): no "<str>" after it
    typer.core.TyperArgument.display_type_rich = lambda self, ctx: None
    typer.core.TyperOption.display_type_rich = _plain_metavar
except AttributeError:  # pragma: no cover - another typer: its own help layout
    pass


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"kg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", is_eager=True, callback=_version,
                                          help="Print kg's version and exit.")] = False,
) -> None:
    """Build, query and explore a knowledge graph of the AI-compute and semiconductor industry from news articles.

    \b
    Examples:
      kg build examples/                 # articles in, one named graph per document
      kg query -f validated              # a saved question (kg query --list shows them all)
      kg neighbors "Moore Threads"       # any name, any script
      kg viz -o graph.html               # the offline viewer
    """


StoreOpt = Annotated[str | None, typer.Option("--store", metavar="DIR", help="Store directory (default ./kg-store or $KG_STORE).")]
# Remote stores (kg.remote, docs/remote.md): any SPARQL 1.1 server instead of the store directory.
EndpointOpt = Annotated[str | None, typer.Option(
    "--endpoint", metavar="URL", help="SPARQL query endpoint of a remote store, e.g. http://localhost:7878/query (instead of --store).")]
UpdateEndpointOpt = Annotated[str | None, typer.Option(
    "--update-endpoint", metavar="URL", help="SPARQL update endpoint (default: from --endpoint, e.g. /query -> /update).")]
StoreEndpointOpt = Annotated[str | None, typer.Option(
    "--store-endpoint", metavar="URL", help="Graph Store Protocol endpoint for large writes (default: from --endpoint, e.g. /store).")]
# Read-only commands still accept the update options (old scripts keep working) but do not list them.
HiddenUpdateEndpointOpt = Annotated[str | None, typer.Option("--update-endpoint", hidden=True)]
HiddenStoreEndpointOpt = Annotated[str | None, typer.Option("--store-endpoint", hidden=True)]
LangOpt = Annotated[str | None, typer.Option(
    "--lang", metavar="en|zh-Hans|zh-Hant", help="Language of the names printed (default: that of most of the store's documents).")]


def resolve_lang(lang: str | None, kg_store) -> str:
    """--lang as given (checked), else the language most of the store's documents are written in."""
    from .labels import LangError, norm_lang, store_lang

    if lang is None:
        return store_lang(kg_store)
    try:
        return norm_lang(lang)
    except LangError as e:
        fail(str(e), 2)


def check_lang(lang: str | None) -> None:
    """Refuse a bad --lang before any work is done (the store is opened later)."""
    if lang is not None:
        from .labels import LangError, norm_lang

        try:
            norm_lang(lang)
        except LangError as e:
            fail(str(e), 2)


def working(message: str):
    """A spinner with the elapsed time on stderr while a long step runs; nothing when stderr is not
    a terminal (pipes and logs get only the summary line)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(SpinnerColumn(), TextColumn(message), TimeElapsedColumn(), console=console,
                    disable=not console.is_terminal, transient=True)


def fail(msg: str, code: int = 1) -> None:
    typer.echo(f"kg: {msg}", err=True)
    raise typer.Exit(code)


def open_store(
    path: str | None, read_only: bool = False, create: bool = False,
    endpoint: str | None = None, update_endpoint: str | None = None, store_endpoint: str | None = None,
):
    """The embedded store at PATH, or a RemoteStore when an --endpoint is given."""
    from .store import KGStore, StoreError

    if (update_endpoint or store_endpoint) and not endpoint:
        fail("--update-endpoint and --store-endpoint need --endpoint", 2)
    if endpoint and path:
        fail("give either --store or --endpoint, not both", 2)
    try:
        if endpoint:
            from .remote import RemoteStore

            remote = RemoteStore(endpoint, update_endpoint, store_endpoint)
            for warning in remote.check():
                typer.echo(f"kg: warning: {warning}", err=True)
            return remote
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
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Article files (.txt, .md, .html) or folders of them.")],
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    update_endpoint: UpdateEndpointOpt = None,
    store_endpoint: StoreEndpointOpt = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help="Worker processes for extraction.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Re-extract documents even when unchanged.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Extract entities, relations and numbers from articles into the store (one named graph per document).

    \b
    Examples:
      kg build examples/ --store demo-store
      kg build news/ --jobs 2            # unchanged files are skipped
      kg build article.html --force      # re-extract even when unchanged
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .ingest import iter_sources
    from .pipeline import BuildInterrupted
    from .pipeline import build as run_build

    errors: list[str] = []
    sources = list(iter_sources(paths, errors))
    for e in errors:
        typer.echo(f"kg: skipped {e}", err=True)
    if not sources:
        fail("no .txt, .md or .html files to build", 1)
    kg_store = open_store(store, create=True, endpoint=endpoint, update_endpoint=update_endpoint, store_endpoint=store_endpoint)
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, disable=quiet or not console.is_terminal, transient=True,
    ) as bar:
        task = bar.add_task("build", total=len(sources))
        try:
            report = run_build(kg_store, sources, jobs=jobs, force=force, progress=lambda _: bar.advance(task))
        except BuildInterrupted as e:  # Ctrl-C: what was finished is written; one line, exit 130
            bar.stop()
            typer.echo(f"kg: {e}", err=True)
            raise typer.Exit(130) from None
    for msg in report.skipped:
        typer.echo(f"kg: skipped {msg}", err=True)
    done = f"built {report.documents} document(s), {report.unchanged} unchanged, {len(report.skipped) + len(errors)} skipped; "
    n_docs = len(kg_store.documents())
    if report.documents * 20 >= n_docs:
        s = kg_store.stats()
        typer.echo(
            f"{done}store now holds {s['documents']} documents, {s['entities']} entities, {s['relations']} relations, "
            f"{s['measurements']} measurements ({s['triples']} quads) in {kg_store.path}"
        )
    else:  # the full counts scan the whole store: not worth it after a small incremental build (issue 6)
        typer.echo(f"{done}store now holds {n_docs} documents in {kg_store.path} ('kg stats' counts the rest)")
    if report.skipped or errors:
        raise typer.Exit(3)


EXPORT_FORMATS = ["turtle", "trig", "nquads", "ntriples", "jsonld", "rdfxml", "graphml", "gexf", "csv"]


@app.command()
def export(
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    update_endpoint: HiddenUpdateEndpointOpt = None,
    store_endpoint: HiddenStoreEndpointOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-F", metavar="FORMAT", help="turtle, trig, nquads, ntriples, jsonld, rdfxml; graphml, gexf or csv (-o DIR) for the entity graph.")] = "trig",
    fmt_old: Annotated[str | None, typer.Option("-f", hidden=True)] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE", help="File to write (default: stdout).")] = None,
    with_ontology: Annotated[bool, typer.Option("--with-ontology", help="Include the ontology graph.")] = False,
    lang: LangOpt = None,
) -> None:
    """Write the whole graph in an RDF format (triple formats get the union of all documents).

    \b
    Examples:
      kg export --format trig -o graph.trig
      kg export --format nquads | gzip > graph.nq.gz
      kg export --format graphml -o graph.graphml --lang en   # entity graph for Gephi or yEd
      kg export --format csv -o neo4j/                        # nodes.csv and edges.csv
    """
    if fmt_old is not None:  # -f means --file in `kg query`; here it was --format (issue 13)
        typer.echo("kg: warning: `kg export -f` is deprecated, use --format (or -F)", err=True)
        fmt = fmt_old
    check_lang(lang)
    if fmt in ("graphml", "gexf", "csv"):  # the entity graph via kg.analyse; for csv -o is a directory
        return _export_projection(store, endpoint, fmt, output, lang)
    from .store import export_bytes

    if fmt not in EXPORT_FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}", 2)
    kg_store = open_store(store, read_only=True, endpoint=endpoint, update_endpoint=update_endpoint, store_endpoint=store_endpoint)
    with working(f"exporting {fmt}") as bar:
        bar.add_task("export", total=None)
        data = export_bytes(kg_store, fmt, with_ontology)
    if output:
        _atomic_write(output, data)
        what = f"{_count_statements(data, fmt)} {'quads' if fmt in ('trig', 'nquads') else 'triples'}"
        typer.echo(f"wrote {output}: {what} ({_size(len(data))}, {fmt})", err=True)
    else:
        sys.stdout.buffer.write(data)


def _size(n: int) -> str:
    return f"{n} bytes" if n < 10_000 else f"{n / 1e3:.0f} kB" if n < 10_000_000 else f"{n / 1e6:.0f} MB"


def _count_statements(data: bytes, fmt: str) -> int:
    """Triples or quads in exported RDF: lines of N-Triples/N-Quads, else parsed by Oxigraph."""
    import pyoxigraph as ox

    if fmt in ("nquads", "ntriples"):
        return sum(1 for line in data.splitlines() if line.strip() and not line.startswith(b"#"))
    rdf = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD,
           "rdfxml": ox.RdfFormat.RDF_XML}[fmt]
    return sum(1 for _ in ox.parse(data, format=rdf))


@app.command()
def query(
    sparql: Annotated[str | None, typer.Argument(metavar="SPARQL", help="A SPARQL query (or use -f FILE.rq).")] = None,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    update_endpoint: HiddenUpdateEndpointOpt = None,
    store_endpoint: HiddenStoreEndpointOpt = None,
    file: Annotated[str | None, typer.Option("--file", "-f", metavar="FILE|NAME", help="Read the query from a .rq file (or a saved question's name).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-F", metavar="FORMAT", help="table, records (one field a line), csv, tsv, json (SPARQL 1.1 Results JSON) or xml.")] = "table",
    list_saved: Annotated[bool, typer.Option("--list", help="List the saved questions.")] = False,
    lang: LangOpt = None,
) -> None:
    """Run a SPARQL query over the union of all documents.

    \b
    Examples:
      kg query 'SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10'
      kg query -f validated                    # a saved question by name
      kg query -f people --lang zh-Hant        # names in traditional Chinese
      kg query -f sources-of-validation --format records   # long sentences, one field a line
      kg query -f my.rq --format json > results.json
    """
    from .labels import wants_lang, with_lang
    from .output import FORMATS
    from .output import write as write_results
    from .query import QueryError, execute, saved_queries

    if list_saved:
        for name, (_path, what) in saved_queries().items():
            typer.echo(f"{name:28} {what}")
        return
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; choose {', '.join(FORMATS)}", 2)
    check_lang(lang)
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
    kg_store = open_store(store, read_only=True, endpoint=endpoint, update_endpoint=update_endpoint, store_endpoint=store_endpoint)
    if wants_lang(sparql):  # a query that prints names (the saved ones): in --lang or the store's language
        sparql = with_lang(sparql, resolve_lang(lang, kg_store))
    try:
        res = execute(kg_store, sparql)
        write_results(res, fmt)
    except QueryError as e:
        fail(str(e), 2)
    except BrokenPipeError:
        raise
    except (OSError, ValueError, RuntimeError) as e:  # met while results stream (a SERVICE that fails)
        fail(f"query failed: {' '.join(str(e).split())}", 2)


@app.command()
def stats(
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    update_endpoint: HiddenUpdateEndpointOpt = None,
    store_endpoint: HiddenStoreEndpointOpt = None,
) -> None:
    """Counts of documents, entities, relations and quads in the store.

    \b
    Examples:
      kg stats
      kg stats --store demo-store
      kg stats --endpoint http://localhost:7878/query
    """
    kg_store = open_store(store, read_only=True, endpoint=endpoint, update_endpoint=update_endpoint, store_endpoint=store_endpoint)
    for k, v in kg_store.stats().items():
        typer.echo(f"{k:14} {v}")


@app.command()
def validate(
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    update_endpoint: HiddenUpdateEndpointOpt = None,
    store_endpoint: HiddenStoreEndpointOpt = None,
) -> None:
    """Check the graph against the SHACL shapes; exit 1 and list the violations if any.

    \b
    Examples:
      kg validate
      kg validate --store demo-store | grep -A3 'Constraint Violation'
    """
    from .validate import validate as run

    kg_store = open_store(store, read_only=True, endpoint=endpoint, update_endpoint=update_endpoint, store_endpoint=store_endpoint)
    with working("validating against the SHACL shapes (minutes on thousands of documents)") as bar:
        bar.add_task("validate", total=None)
        ok, report = run(kg_store)
    typer.echo(report)
    if not ok:
        raise typer.Exit(1)


@app.command()
def remove(
    doc_ids: Annotated[list[str], typer.Argument(metavar="DOC...", help="Document ids (as in kgd:ID) or source paths.")],
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    update_endpoint: UpdateEndpointOpt = None,
    store_endpoint: StoreEndpointOpt = None,
) -> None:
    """Remove documents and every fact and entity that only they supported.

    \b
    Examples:
      kg remove wuxi-compute-2025-09-06         # by document id (kgd:ID)
      kg remove news/old-article.txt            # by the path it was built from
    """
    from .graph import doc_iri
    from .ingest import iter_sources

    kg_store = open_store(store, endpoint=endpoint, update_endpoint=update_endpoint, store_endpoint=store_endpoint)
    missing, removed = [], 0
    for d in doc_ids:
        ids = [d]
        if Path(d).exists():
            ids = [s.doc_id for s in iter_sources([d])]
        for i in ids:
            if kg_store.remove_document(doc_iri(i)):
                removed += 1
            else:
                missing.append(i)
    kg_store.flush()
    for m in missing:
        typer.echo(f"kg: no document {m!r} in the store", err=True)
    typer.echo(f"removed {removed} document(s); store now holds {len(kg_store.documents())} documents")
    if missing:
        raise typer.Exit(1)


@app.command("import")
def import_(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="RDF files: .nt .nq .ttl .trig .rdf/.owl/.xml .jsonld")],
    store: StoreOpt = None,
    graph: Annotated[str | None, typer.Option("--graph", metavar="IRI", help="Named graph for triple formats (default: one per file).")] = None,
) -> None:
    """Bulk-load existing RDF into the store with Oxigraph's loader (all or nothing per file).

    \b
    Examples:
      kg import dump.nq
      kg import wikidata-companies.ttl --graph https://example.org/wikidata
    """
    from .store import ImportError_, import_file

    kg_store = open_store(store, create=True)
    for f in files:
        try:
            n = import_file(kg_store, f, graph)
        except ImportError_ as e:
            fail(str(e), 1)
        typer.echo(f"imported {f}: {n} quads")


# --- analyse commands (neighbors, path, rank, communities) ---------------------------------
# The entity graph projected into networkx (kg.analyse); names resolve in any script.


def _analyse_console():
    from rich.console import Console

    # Piped output is not wrapped, so every hop and sentence stays on one greppable line.
    return Console(width=None if sys.stdout.isatty() else 4000)


def _analyse_graph(store: str | None, endpoint: str | None, lang: str | None = None):
    """The entity graph, its node labels in --lang (else the store's language), as the viewer names them."""
    from . import analyse
    from .labels import relabel_graph

    check_lang(lang)
    kg_store = open_store(store, read_only=True, endpoint=endpoint)
    with working("reading the entity graph") as bar:
        bar.add_task("project", total=None)
        G = analyse.project(kg_store)
    relabel_graph(G, resolve_lang(lang, kg_store))
    return kg_store, G


def _analyse_find(G, name: str) -> str:
    from .analyse import NodeLookupError, find_node

    try:
        return find_node(G, name)
    except NodeLookupError as e:
        fail(str(e), 2)


def _analyse_name(G, node: str, with_class: bool = True) -> str:
    from rich.markup import escape

    d = G.nodes[node]
    label = escape(d.get("label") or node)
    return f"{label} [dim]({escape(d.get('class') or '?')})[/]" if with_class else label


@app.command()
def neighbors(
    name: Annotated[str, typer.Argument(metavar="NAME", help="An entity: any of its names in any script (摩尔线程, 摩爾線程, Moore Threads) or its kgr: id.")],
    depth: Annotated[int, typer.Option("--depth", "-d", min=1, max=6, metavar="N", help="How many hops out to go.")] = 1,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    lang: LangOpt = None,
) -> None:
    """Entities linked to NAME (either direction), as a tree up to --depth hops.

    \b
    Examples:
      kg neighbors 摩尔线程
      kg neighbors "Moore Threads" --depth 2 --lang en
    """
    from rich.tree import Tree

    from .analyse import neighbors as near

    _, G = _analyse_graph(store, endpoint, lang)
    node = _analyse_find(G, name)
    found = near(G, node, depth)
    root = Tree(f"[bold]{_analyse_name(G, node)}[/] [dim]kgr:{node.rsplit('/', 1)[-1]}[/]")
    branch = {node: root}
    for nb in found:
        rels = ", ".join(f"—{r}→" if d == "out" else f"←{r}—" for d, r in nb.relations)
        branch[nb.node] = branch[nb.parent].add(f"[cyan]{rels}[/] {_analyse_name(G, nb.node)}")
    console = _analyse_console()
    console.print(root)
    if not found:
        console.print("[dim](no links to other entities)[/]")


@app.command("path")
def path_(
    a: Annotated[str, typer.Argument(metavar="FROM", help="From this entity (any name in any script, or kgr: id).")],
    b: Annotated[str, typer.Argument(metavar="TO", help="To this entity.")],
    k: Annotated[int, typer.Option("--max-paths", "-k", min=1, max=20, metavar="N", help="How many shortest paths to show.")] = 3,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    lang: LangOpt = None,
) -> None:
    """Shortest paths between two entities, hop by hop, with the sentence and document behind each hop.

    \b
    Examples:
      kg path "Moore Threads" 無錫
      kg path 光迅科技 "Lumenfold" --max-paths 1
    """
    from rich.markup import escape
    from rich.tree import Tree

    from .analyse import paths

    kg_store, G = _analyse_graph(store, endpoint, lang)
    start, end = _analyse_find(G, a), _analyse_find(G, b)
    if start == end:
        fail(f"{a!r} and {b!r} are the same entity", 2)
    found = paths(kg_store, G, start, end, k)
    if not found:
        fail(f"no path between {G.nodes[start]['label']} and {G.nodes[end]['label']} in the entity graph", 1)
    console = _analyse_console()
    for i, hops in enumerate(found, 1):
        title = (f"[bold]Path {i}[/] ({len(hops)} hop{'s' if len(hops) != 1 else ''}): "
                 + " — ".join(_analyse_name(G, n, False) for n in [hops[0].start, *(h.end for h in hops)]))
        tree = Tree(title)
        for hop in hops:
            for f in hop.facts:
                fact = tree.add(f"{_analyse_name(G, f.subject)} [cyan]—{escape(f.relation)}→[/] {_analyse_name(G, f.object)}")
                if not f.sources:
                    fact.add("[dim](no source sentence in the store)[/]")
                for src in f.sources:
                    doc = src.document.rsplit("/", 1)[-1]
                    meta = ", ".join(x for x in (src.title, src.date) if x)
                    fact.add(f"“{escape(src.text)}” [dim]— kgd:{escape(doc)}{' (' + escape(meta) + ')' if meta else ''}[/]")
        console.print(tree)


@app.command()
def rank(
    by: Annotated[str, typer.Option("--by", metavar="METHOD", help="pagerank, degree or betweenness.")] = "pagerank",
    top: Annotated[int, typer.Option("--top", "-n", min=1, metavar="N", help="How many entities to list.")] = 20,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    lang: LangOpt = None,
) -> None:
    """The most central entities of the graph (undirected view, linked entities only).

    \b
    Examples:
      kg rank
      kg rank --by betweenness --top 10 --lang zh-Hans
    """
    from rich.markup import escape
    from rich.table import Table

    from .analyse import RANK_METHODS
    from .analyse import rank as run_rank

    if by not in RANK_METHODS:
        fail(f"unknown ranking {by!r}; choose {', '.join(RANK_METHODS)}", 2)
    _, G = _analyse_graph(store, endpoint, lang)
    ranked = run_rank(G, by, top)
    if not ranked:
        fail("no links between entities in the store", 1)
    table = Table("#", "entity", "class", by, "degree", "id")
    if by == "betweenness":
        from .analyse import betweenness_sample

        sample = betweenness_sample(G)
        if sample:
            table.caption = f"betweenness estimated from {sample} sampled sources (fixed seed)"
    for i, (n, score) in enumerate(ranked, 1):
        d = G.nodes[n]
        table.add_row(str(i), escape(d.get("label", n)), escape(d.get("class", "")),
                      str(int(score)) if by == "degree" else f"{score:.4f}", str(d.get("degree", 0)),
                      escape("kgr:" + n.rsplit("/", 1)[-1]))
    _analyse_console().print(table)


@app.command()
def communities(
    min_size: Annotated[int, typer.Option("--min-size", min=1, metavar="N", help="Leave out smaller groups.")] = 2,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    lang: LangOpt = None,
) -> None:
    """Groups of closely linked entities (Louvain modularity, fixed seed), largest first.

    \b
    Examples:
      kg communities
      kg communities --min-size 5 --lang en
    """
    from rich.markup import escape
    from rich.table import Table

    from .analyse import communities as run_communities

    _, G = _analyse_graph(store, endpoint, lang)
    groups = run_communities(G, min_size=min_size)
    if not groups:
        fail("no links between entities in the store", 1)
    table = Table("#", "size", "members (most linked first)")
    for i, members in enumerate(groups, 1):
        names = [escape(G.nodes[n].get("label", n)) for n in members[:25]]
        more = f" … +{len(members) - 25} more" if len(members) > 25 else ""
        table.add_row(str(i), str(len(members)), ", ".join(names) + more)
    _analyse_console().print(table)


def _export_projection(store: str | None, endpoint: str | None, fmt: str, output: str | None, lang: str | None = None) -> None:
    """`kg export -f graphml|gexf|csv`: the entity graph for Gephi, yEd, Cytoscape or Neo4j."""
    from . import analyse

    if fmt == "csv" and not output:
        fail("-f csv writes nodes.csv and edges.csv: give the directory with -o DIR", 2)
    if fmt == "csv" and Path(output).exists() and not Path(output).is_dir():
        fail(f"{output}: exists and is not a directory", 1)
    _, G = _analyse_graph(store, endpoint, lang)
    summary = f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges"
    if fmt == "csv":
        try:
            analyse.to_csv(G, output)
        except OSError as e:
            fail(f"{output}: cannot write ({e.strerror or e})")
        typer.echo(f"wrote {Path(output) / 'nodes.csv'} and edges.csv: {summary}", err=True)
        return
    data = analyse.graph_bytes(G, fmt)
    if output:
        _atomic_write(output, data)
        typer.echo(f"wrote {output}: {summary} ({fmt})", err=True)
    else:
        sys.stdout.buffer.write(data)


# --- view commands (viz) -------------------------------------------------------------------

@app.command()
def viz(
    store: StoreOpt = None,
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE", help="HTML file to write.")] = "graph.html",
    focus: Annotated[str | None, typer.Option("--focus", metavar="NAME", help="Show only this entity's neighbourhood (any name, any script).")] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, metavar="N", help="Hops around --focus.")] = 2,
    query_file: Annotated[str | None, typer.Option("--query", metavar="FILE.rq", help="A .rq file: CONSTRUCT (or SELECT ?s ?p ?o) of the sub-graph to show.")] = None,
    lang: LangOpt = None,
    relations: Annotated[str | None, typer.Option("--relations", metavar="LIST", help="Only these relations, e.g. supplies,validates.")] = None,
    types: Annotated[str | None, typer.Option("--types", metavar="LIST", help="Only entities of these classes, e.g. Company,Person.")] = None,
    min_confidence: Annotated[float | None, typer.Option("--min-confidence", metavar="X", help="Drop facts below this confidence.")] = None,
    max_nodes: Annotated[int, typer.Option("--max-nodes", min=1, metavar="N", help="Keep the most central nodes only.")] = 2000,
) -> None:
    """Write the graph as one self-contained, offline HTML page (search, filters, sources per fact).

    \b
    Examples:
      kg viz -o graph.html
      kg viz --focus "Moore Threads" --depth 2 -o moore.html
      kg viz --types Company,Person --relations executiveOf,founderOf --lang en
      kg viz --query supply.rq -o supply.html    # a CONSTRUCT of the sub-graph to show
    """
    check_lang(lang)
    sparql = None
    if query_file:
        try:
            sparql = Path(query_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            fail(f"{query_file}: cannot read ({e})", 2)
    kg_store = open_store(store, read_only=True)
    from .view import ViewError, render_page

    try:
        with working("laying out the graph") as bar:
            bar.add_task("viz", total=None)
            html, data = render_page(kg_store, focus=focus, depth=depth, query=sparql, lang=resolve_lang(lang, kg_store),
                                     relations=relations, types=types, min_confidence=min_confidence, max_nodes=max_nodes)
    except ViewError as e:
        fail(str(e), 2 if query_file or relations or types else 1)
    _atomic_write(output, html.encode("utf-8"))
    linked = sum(1 for n in data["nodes"] if n["deg"])
    omitted = f", {data['omitted']} less central left out" if data["omitted"] else ""
    typer.echo(f"wrote {output}: {len(data['nodes'])} nodes ({linked} linked; the others shown on demand), "
               f"{len(data['edges'])} edges{omitted}", err=True)



# --- serve commands (serve) ----------------------------------------------------------------


@app.command()
def serve(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (keep 127.0.0.1 unless you mean it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0 picks a free one).")] = 7878,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per query before a 503.")] = 10.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Result rows (or triples) above which a query fails.")] = 100_000,
    max_body: Annotated[int, typer.Option("--max-body", min=1, help="Largest request body in bytes (413 beyond).")] = 1 << 20,
    max_queries: Annotated[int, typer.Option("--max-queries", min=1, help="Queries running at once (503 when all are busy).")] = 4,
    allow_update: Annotated[bool, typer.Option("--allow-update", help="Accept SPARQL updates carrying the bearer token.")] = False,
    token: Annotated[str | None, typer.Option("--token", envvar="KG_SERVE_TOKEN", show_envvar=True,
                                              help="Bearer token for updates (prefer the environment variable).")] = None,
    allow_service: Annotated[bool, typer.Option("--allow-service", help="Allow SERVICE (and LOAD): the server then fetches remote URLs.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No request log on stderr.")] = False,
    memory: Annotated[bool, typer.Option("--memory", help="Answer from an in-memory copy of the store: queries 3-8x faster, "
                                         "about 0.5 GB of RAM per million quads; read-only, a snapshot taken at start.")] = False,
) -> None:
    """Serve the store as a SPARQL 1.1 endpoint (/sparql), with a query page (/query) and the viewer (/).

    \b
    Examples:
      kg serve                           # http://127.0.0.1:7878/
      kg serve --memory --port 8080      # answers from an in-memory snapshot
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:7878/sparql
    """
    from .serve import ServeConfig, make_server

    if allow_update and not token:
        fail("--allow-update needs --token T (or KG_SERVE_TOKEN)", 2)
    if allow_update and memory:
        fail("--memory serves a read-only snapshot; it cannot be combined with --allow-update", 2)
    kg_store = open_store(store, read_only=not allow_update)
    if memory:
        n = kg_store.load_into_memory()
        if not quiet:
            typer.echo(f"kg serve: {n} quads loaded into memory", err=True)
    config = ServeConfig(timeout=timeout, max_rows=max_rows, max_body=max_body, max_queries=max_queries,
                         allow_update=allow_update, token=token, allow_service=allow_service, quiet=quiet)
    try:
        server = make_server(kg_store, host, port, config)
    except OSError as e:
        fail(f"cannot listen on {host}:{port} ({e.strerror or e})")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"kg: warning: listening on {host}, reachable from other machines", err=True)
    typer.echo(f"kg serve: {server.url} (SPARQL endpoint {server.url}sparql, query page {server.url}query)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


from .cli_extract import register as _register_extract  # noqa: E402  (kg extract, kg eval)

_register_extract(app)


def _run_app() -> None:
    """Run the typer app; a usage error is one line and exit code 2, as psql and git print them
    (typer would draw a multi-line box)."""
    from typer._click import exceptions as click_exc

    try:
        code = app(standalone_mode=False)
    except click_exc.NoArgsIsHelpError as e:
        typer.echo(e.ctx.get_help() if e.ctx else "kg --help", err=False)
        sys.exit(0)
    except click_exc.UsageError as e:
        cmd = e.ctx.command_path if e.ctx else "kg"
        msg = " ".join(e.format_message().split())
        typer.echo(f"kg: {msg} (see '{cmd} --help')", err=True)
        sys.exit(2)
    except click_exc.ClickException as e:
        typer.echo(f"kg: {' '.join(e.format_message().split())}", err=True)
        sys.exit(e.exit_code)
    except typer.Abort:
        typer.echo("kg: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def main() -> None:
    try:
        _run_app()
    except KeyboardInterrupt:
        typer.echo("kg: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:
        # A remote store that fails half way (server gone, HTTP error): one line, no traceback.
        store_mod = sys.modules.get("kg.store")
        if store_mod is not None and isinstance(e, store_mod.StoreError):
            typer.echo(f"kg: {e}", err=True)
            sys.exit(1)
        if os.environ.get("KG_DEBUG"):
            raise
        # Anything else is a bug, but the user still gets one line (KG_DEBUG=1 shows the traceback).
        typer.echo(f"kg: internal error: {type(e).__name__}: {' '.join(str(e).split())[:300]}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
