"""Store: the on-disk Oxigraph database behind every command.

Each batch of documents is written in transactions (new documents with one `Store.extend`,
replaced ones with one SPARQL update that drops and re-inserts their graphs): a build killed at
any moment leaves every document either fully in or fully absent.  Written data is flushed from
RocksDB's memtables every 200k quads, so memory stays bounded by the batch (issue 6).  Queries
see the union of all document graphs as the default graph.  `rdflib()` gives the same store
through oxrdflib for code that wants rdflib; `load_into_memory()` swaps in an in-memory copy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

# The same names as kg.graph, spelled out here because importing kg.graph loads the lexicon and
# resolution code, which read-only commands (`kg query`, `kg stats`) must not pay for.
KGO = "https://w3id.org/kg/ontology#"
KGD = "https://w3id.org/kg/doc/"
ONTOLOGY_GRAPH = "https://w3id.org/kg/ontology"

DEFAULT_STORE = "kg-store"
# Oxigraph's RocksDB keeps written data in memtables (several per index) until they are flushed:
# a 10,000-article build grew to 2.7 GB without this, and stays near 0.2 GB with it (issue 6).
FLUSH_QUADS = 200_000
ONTOLOGY_DIR = Path(__file__).resolve().parent / "ontology"


class StoreError(Exception):
    """The store cannot be opened or written; the message is one line."""


def store_path(path: str | None) -> str:
    return path or os.environ.get("KG_STORE") or DEFAULT_STORE


def ontology_source() -> tuple[bytes, str] | None:
    """The ontology file's bytes and their sha256, or None when it is not shipped."""
    ttl = ONTOLOGY_DIR / "kg.ttl"
    if not ttl.exists():
        return None
    data = ttl.read_bytes()
    import hashlib  # here, not at the top: `kg query` starts without it (5 ms)

    return data, hashlib.sha256(data).hexdigest()


class KGStore:
    def __init__(self, path: str | None = None, read_only: bool = False, create: bool = True) -> None:
        self.path = store_path(path)
        self._unflushed = 0  # quads written since the last flush
        self.in_memory = False
        p = Path(self.path)
        if p.exists() and not p.is_dir():
            raise StoreError(f"{self.path}: exists and is not a store directory")
        if not create and not p.exists():
            raise StoreError(f"{self.path}: no store here (build one with 'kg build PATH --store {self.path}')")
        try:
            if create and not read_only:  # --store new/dir/store: make the folders above it too
                p.parent.mkdir(parents=True, exist_ok=True)
            self.ox = ox.Store.read_only(self.path) if read_only else ox.Store(self.path)
        except OSError as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            if "lock" in msg.lower():
                raise StoreError(f"{self.path}: store is in use by another kg process ({msg})") from None
            raise StoreError(f"{self.path}: cannot open store ({msg})") from None
        except RuntimeError as e:  # read-only open of a store whose creation was cut short
            msg = " ".join(str(e).split())
            raise StoreError(f"{self.path}: store was never completely created, likely an interrupted first build; "
                             f"run 'kg build' again ({msg})") from None

    # --- writing ---------------------------------------------------------------------------

    def replace_documents(self, docs: Iterable[tuple[str, list[ox.Quad]]]) -> None:
        """Replace the named graphs of several documents, each document all or nothing.

        Documents the store does not hold yet go in with one `Store.extend` (a transaction,
        2-3x faster than the same quads as SPARQL INSERT DATA, which Oxigraph must parse);
        documents that replace an existing graph go in one SPARQL update (DROP + INSERT), so a
        build killed half way leaves each of them either old or new."""
        docs = list(docs)
        parts = []
        new: list[ox.Quad] = []
        for iri, quads in docs:
            g = ox.NamedNode(iri)
            if not self.ox.contains_named_graph(g):
                new.extend(q if q.graph_name == g else ox.Quad(q.subject, q.predicate, q.object, g) for q in quads)
                continue
            parts.append(f"DROP SILENT GRAPH <{iri}>")
            if quads:
                body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
                parts.append(f"INSERT DATA {{ GRAPH <{iri}> {{\n{body}\n}} }}")
        if new:
            self.ox.extend(new)
        if parts:
            self.ox.update(" ;\n".join(parts))
        self._unflushed += sum(len(quads) for _, quads in docs)
        if self._unflushed >= FLUSH_QUADS:
            self.flush()

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update as one transaction (kg serve --allow-update)."""
        self.ox.update(sparql)

    def remove_document(self, iri: str) -> bool:
        if not self.ox.contains_named_graph(ox.NamedNode(iri)):
            return False
        self.ox.update(f"DROP GRAPH <{iri}>")
        return True

    def document_state(self, iri: str) -> tuple[str | None, str | None]:
        """(contentHash, pipeline fingerprint) stored for a document, to skip unchanged input."""
        g = ox.NamedNode(iri)
        h = next(self.ox.quads_for_pattern(g, ox.NamedNode(KGO + "contentHash"), None, g), None)
        f = next(self.ox.quads_for_pattern(g, ox.NamedNode(KGO + "pipeline"), None, g), None)
        return (h.object.value if h else None, f.object.value if f else None)

    def document_hashes(self, fingerprint: str) -> dict[str, str]:
        """contentHash of every document built with pipeline `fingerprint`, in two index scans:
        a build of a folder of 10,000 files asks about each of them, and one `document_state`
        lookup at a time costs 0.7 s there (issue 6)."""
        current = {q.graph_name for q in self.ox.quads_for_pattern(None, ox.NamedNode(KGO + "pipeline"), ox.Literal(fingerprint))
                   if q.subject == q.graph_name}
        return {q.graph_name.value: q.object.value for q in self.ox.quads_for_pattern(None, ox.NamedNode(KGO + "contentHash"), None)
                if q.graph_name in current and q.subject == q.graph_name}

    def ensure_ontology(self) -> None:
        """Load ontology/kg.ttl into its own graph when it is missing or has changed."""
        source = ontology_source()
        if source is None:
            return
        data, digest = source
        g = ox.NamedNode(ONTOLOGY_GRAPH)
        marker = ox.NamedNode(KGO + "contentHash")
        old = next(self.ox.quads_for_pattern(g, marker, None, g), None)
        if old is not None and old.object.value == digest:
            return
        # Blank nodes (owl:unionOf lists, restrictions) get labels from the file's hash and their
        # order, not random ones, so two builds of the same input give byte-identical N-Quads.
        labels: dict[ox.BlankNode, ox.BlankNode] = {}

        def stable(t):
            if isinstance(t, ox.BlankNode):
                return labels.setdefault(t, ox.BlankNode(f"onto{digest[:12]}x{len(labels)}"))
            return t

        quads = [ox.Quad(stable(t.subject), t.predicate, stable(t.object), g)
                 for t in ox.parse(data, format=ox.RdfFormat.TURTLE)]
        quads.append(ox.Quad(g, marker, ox.Literal(digest), g))
        # Not through replace_documents: SPARQL INSERT DATA renames blank nodes at random.  Two
        # transactions, each atomic: a crash between them leaves no ontology graph (and no
        # marker), so the next build loads it again.
        self.ox.update(f"DROP SILENT GRAPH <{ONTOLOGY_GRAPH}>")
        self.ox.extend(quads)

    def compact(self) -> None:
        """Compact RocksDB's files after a large write.  Left alone, the compaction runs in the
        background of the next commands that open the store, competing with their work (it
        made adding one article to a 10,000-article store take 2-3 s instead of 1 s); it also
        makes the store smaller and its queries faster.  About 2 s per million quads."""
        self.flush()
        self.ox.optimize()

    def flush(self) -> None:
        self._unflushed = 0
        try:
            self.ox.flush()
        except Exception:  # read-only stores have nothing to flush
            pass

    # --- reading ---------------------------------------------------------------------------

    def load_into_memory(self) -> int:
        """Swap the on-disk store for an in-memory copy of it; returns the number of quads.

        Oxigraph answers from memory 3-8x faster than from RocksDB, where every term of a result
        is a key lookup (issue 6), at the price of about 0.5 GB per million quads and a load
        at start.  For read-only uses that run many queries (`kg serve --memory`).  Quads are
        copied as terms, not re-parsed, so blank nodes keep their labels."""
        mem = ox.Store()
        batch: list[ox.Quad] = []
        for q in self.ox:
            batch.append(q)
            if len(batch) >= 100_000:
                mem.extend(batch)
                batch.clear()
        mem.extend(batch)
        self.ox = mem
        self.in_memory = True
        return len(mem)

    def query(self, sparql: str):
        return self.ox.query(sparql, use_default_graph_as_union=True)

    def documents(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(KGD))

    def rdflib(self):
        """An rdflib Dataset over this very store (oxrdflib), for rdflib-based tools."""
        import rdflib
        from oxrdflib import OxigraphStore

        return rdflib.Dataset(store=OxigraphStore(store=self.ox))

    def stats(self) -> dict[str, int]:
        out = query_stats(self)
        out["triples"] = len(self.ox)
        return out

    def all_quads(self):
        """Every quad in the store (export_bytes and validation read the whole graph this way)."""
        return self.ox.quads_for_pattern(None, None, None, None)


# The counts behind `kg stats`, as SPARQL over the union default graph, so the embedded and the
# remote store (kg.remote) give the same numbers.
STATS_QUERY = """
PREFIX kgo: <https://w3id.org/kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT
  (COUNT(DISTINCT ?d) AS ?documents)
  (COUNT(DISTINCT ?e) AS ?entities)
  (COUNT(DISTINCT ?st) AS ?facts)
  (COUNT(DISTINCT ?q) AS ?measurements)
WHERE {
  { ?d a kgo:Document } UNION
  { ?d0 <http://schema.org/mentions> ?e } UNION
  { ?st a rdf:Statement } UNION
  { ?q a <http://schema.org/QuantitativeValue> }
}"""
# Each statement lives in its document's graph, so the join runs inside GRAPH ?g: the same count,
# about twice as fast on a large store as joining over the union default graph (issue 6).
RELATIONS_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?st a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> ;"
    " <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ;"
    " <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o } } }"
)


def query_stats(store) -> dict[str, int]:
    """documents, entities, facts, measurements and relations of any store with `query()`."""
    row = next(iter(store.query(STATS_QUERY)))
    out = {k: int(row[k].value) for k in ("documents", "entities", "facts", "measurements")}
    out["relations"] = int(next(iter(store.query(RELATIONS_QUERY)))["n"].value)
    return out


_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
}


def export_bytes(store, fmt: str, with_ontology: bool = False) -> bytes:
    """The graph in an RDF format; dataset formats keep one graph per document."""
    from .graph import PREFIXES

    rdf_format = _FORMATS[fmt]
    onto = ox.NamedNode(ONTOLOGY_GRAPH)
    quads = sorted(
        (q for q in store.all_quads() if with_ontology or q.graph_name != onto),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if rdf_format.supports_datasets:
        return ox.serialize(quads, format=rdf_format, prefixes=prefixes) if prefixes else ox.serialize(quads, format=rdf_format)
    seen = set()
    triples = []
    for q in quads:
        t = ox.Triple(q.subject, q.predicate, q.object)
        if t not in seen:
            seen.add(t)
            triples.append(t)
    return ox.serialize(triples, format=rdf_format, prefixes=prefixes) if prefixes else ox.serialize(triples, format=rdf_format)


def iri_safe_name(name: str) -> str:
    """A file name as an IRI path segment: what IRIs forbid (spaces, <>"{}|\\^`[]) %-escaped."""
    return "".join(f"%{ord(c):02X}" if c in '<>"{}|\\^`#?%[]' or ord(c) <= 0x20 or ord(c) == 0x7F else c for c in name)


class ImportError_(Exception):
    """An RDF file that cannot be imported; the store is left as it was."""


_IMPORT_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS, ".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML, ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD, ".n3": ox.RdfFormat.N3,
}


def import_file(store: KGStore, path: str, graph: str | None = None) -> int:
    """Load an RDF file with Oxigraph's bulk loader.

    Triple formats go into one named graph per file (replacing what an earlier import of it
    left there); a malformed file leaves the store exactly as it was (a new graph is dropped
    again, anything else is parsed once in full before anything is written).  RDF/XML with entity declarations is refused
    outright (no XXE, no billion laughs); JSON-LD remote contexts are never fetched."""
    p = Path(path)
    fmt = _IMPORT_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise ImportError_(f"{path}: unknown RDF format (use .nt .nq .ttl .trig .rdf .owl .jsonld)")
    if not p.is_file():
        raise ImportError_(f"{path}: no such file")
    if fmt == ox.RdfFormat.RDF_XML:
        head = p.read_bytes()
        if b"<!ENTITY" in head or b"<!entity" in head:
            raise ImportError_(f"{path}: RDF/XML with entity declarations is refused (external or expanding entities)")
    try:
        target = ox.NamedNode(graph or f"https://w3id.org/kg/import/{iri_safe_name(p.name)}")
    except ValueError as e:
        raise ImportError_(f"{graph or path}: not a valid graph IRI ({' '.join(str(e).split())})") from None
    before = len(store.ox)
    # A triple file going into a graph that does not exist yet is loaded straight away: if it turns
    # out malformed, dropping that one graph restores the store (this saves a full parse, about a
    # sixth of the time of a large import; issue 6).  Everything else is validated first.
    new_graph = not fmt.supports_datasets and not store.ox.contains_named_graph(target)
    if not new_graph:
        try:
            for _ in ox.parse(path=str(p), format=fmt):  # validate in full before writing anything
                pass
        except (SyntaxError, ValueError, OSError) as e:
            raise ImportError_(f"{path}: not valid {fmt.name}: {' '.join(str(e).split())}") from None
    try:
        if not fmt.supports_datasets and store.ox.contains_named_graph(target):
            store.ox.remove_graph(target)
        _bulk_load(store.ox, p, fmt, None if fmt.supports_datasets else target)
    except (SyntaxError, ValueError, OSError) as e:
        if new_graph:
            if store.ox.contains_named_graph(target):
                store.ox.remove_graph(target)
            store.flush()
            if not isinstance(e, OSError):
                raise ImportError_(f"{path}: not valid {fmt.name}: {' '.join(str(e).split())}") from None
        raise ImportError_(f"{path}: cannot load: {' '.join(str(e).split())}") from None
    store.flush()
    return len(store.ox) - before


IMPORT_CHUNK = 64 << 20  # bytes of N-Triples/N-Quads per bulk load when loading in parallel


def _bulk_load(db: ox.Store, path: Path, fmt: ox.RdfFormat, graph: ox.NamedNode | None) -> None:
    """Oxigraph's bulk loader, on every core for line-based files.

    One `bulk_load` call runs on about one core; N-Triples and N-Quads can be cut at line ends
    and the pieces loaded by several calls at once (pyoxigraph releases the GIL), which is about
    1.7x faster on two cores (issue 6).  Blank node labels are scoped to one call, so a file that
    has any (`_:`) is loaded in one call; so is everything else and anything small."""
    import queue
    import re
    import threading

    threads = min(4, os.cpu_count() or 1)
    line_based = fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
    size = path.stat().st_size
    if threads < 2 or not line_based or size < 2 * IMPORT_CHUNK // 4 or _has_blank_nodes(path):
        db.bulk_load(path=str(path), format=fmt, to_graph=graph)
        return
    # Pieces of at most IMPORT_CHUNK bytes, their number a multiple of the threads, so that no
    # thread is left loading the last piece alone.
    pieces = threads * -(-size // (threads * IMPORT_CHUNK))
    chunk = max(IMPORT_CHUNK // 4, size // pieces + 1)
    work: queue.Queue[tuple[int, bytes] | None] = queue.Queue(maxsize=threads)
    errors: list[tuple[int, Exception]] = []

    def worker() -> None:
        while (item := work.get()) is not None:
            if errors:
                continue  # drain: the import has failed already
            first_line, data = item
            try:
                db.bulk_load(data, format=fmt, to_graph=graph)
            except Exception as e:  # re-raised in the caller's thread
                errors.append((first_line, e))

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    try:
        line = 1
        with open(path, "rb") as f:
            while not errors and (data := f.read(chunk)):
                data += f.readline()
                work.put((line, data))
                line += data.count(b"\n")
    finally:
        for _ in pool:
            work.put(None)
        for t in pool:
            t.join()
    if errors:
        first_line, e = min(errors, key=lambda x: x[0])
        if isinstance(e, SyntaxError):  # line numbers count from the start of the file, not of the piece
            msg = re.sub(r"\bline (\d+)", lambda m: f"line {int(m.group(1)) + first_line - 1}", str(e))
            raise SyntaxError(msg) from None
        raise e


def _has_blank_nodes(path: Path) -> bool:
    with open(path, "rb") as f:
        tail = b""
        while block := f.read(8 << 20):
            if b"_:" in tail + block[:1] or b"_:" in block:
                return True
            tail = block[-1:]
    return False
