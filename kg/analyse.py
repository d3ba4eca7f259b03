"""Analyse: graph analytics over the entity graph (networkx), and exports for Gephi and Neo4j.

The projection is read with one SPARQL query: the links between entities (`kgr:` subject,
`kgo:` predicate, `kgr:` object), plus each entity's labels and class.  Documents, sentences,
statements, measurements and literals stay out, so every node is an entity and every edge is a
relation the articles state.  Provenance is fetched again only where it is shown: the sentences
behind each hop of a path.

Nodes are keyed by IRI and carry plain string/number attributes (so GraphML and GEXF read back
unchanged): `label` (display name), `label_en`, `label_zh_hans`, `label_zh_hant`, `labels` (every
label in every language, `|`-separated), `class` (kgo class local name) and `degree`.  Edges are
keyed by relation name and carry `relation`, `label` (the same, for Gephi) and `predicate`.

networkx is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import csv
import io
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from .normalise import fold_key

if TYPE_CHECKING:
    import networkx as nx

KGR = "https://w3id.org/kg/id/"
KGO = "https://w3id.org/kg/ontology#"
RANK_METHODS = ("pagerank", "degree", "betweenness")
LABEL_SEP = "|"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_OWL = "http://www.w3.org/2002/07/owl#"


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(object properties, classes) declared in ontology/kg.ttl; empty when it cannot be read."""
    import pyoxigraph as ox

    from .store import ONTOLOGY_DIR

    try:
        triples = list(ox.parse(path=str(ONTOLOGY_DIR / "kg.ttl"), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError, ValueError):
        return (), ()
    declared: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == _RDF_TYPE and t.subject.value.startswith(KGO):
            declared.setdefault(t.object.value, set()).add(t.subject.value)
    return tuple(sorted(declared.get(_OWL + "ObjectProperty", ()))), tuple(sorted(declared.get(_OWL + "Class", ())))


def projection_query() -> str:
    """The one SPARQL query behind `project`: entity-to-entity links, labels and classes.

    Links are `?s ?p ?o` with ?s and ?o `kgr:` IRIs and ?p a `kgo:` property.  When the ontology
    can be read, ?p (and the class) come from its declarations through VALUES, which lets
    Oxigraph use its predicate index instead of scanning every quad (tests check that this
    finds exactly what the full scan finds)."""
    props, classes = _vocabulary()
    if props:
        link = "VALUES ?p { " + " ".join(f"<{p}>" for p in props) + " } ?s ?p ?o ."
    else:
        link = f'?s ?p ?o . FILTER(STRSTARTS(STR(?p), "{KGO}"))'
    if classes:
        typed = "VALUES ?o { " + " ".join(f"<{c}>" for c in classes) + " } ?s a ?o ."
    else:
        typed = f'?s a ?o . FILTER(STRSTARTS(STR(?o), "{KGO}"))'
    return f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?kind ?s ?p ?o ?lang WHERE {{
  {{ {link}
     FILTER(isIRI(?o) && STRSTARTS(STR(?s), "{KGR}") && STRSTARTS(STR(?o), "{KGR}"))
     BIND("edge" AS ?kind) }}
  UNION
  {{ ?s skos:prefLabel ?o . FILTER(STRSTARTS(STR(?s), "{KGR}")) BIND("pref" AS ?kind) BIND(LANG(?o) AS ?lang) }}
  UNION
  {{ ?s skos:altLabel ?o . FILTER(STRSTARTS(STR(?s), "{KGR}")) BIND("alt" AS ?kind) BIND(LANG(?o) AS ?lang) }}
  UNION
  {{ {typed} FILTER(STRSTARTS(STR(?s), "{KGR}")) BIND("class" AS ?kind) }}
}}"""


class NodeLookupError(LookupError):
    """A name that does not pick out exactly one entity; `candidates` are node ids to suggest."""

    def __init__(self, message: str, name: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.name = name
        self.candidates = candidates


class AmbiguousName(NodeLookupError):
    """Several entities carry this name."""


class NameNotFound(NodeLookupError):
    """No entity carries this name (candidates are entities whose names contain it)."""


# --- projection ----------------------------------------------------------------------------


def _local(iri: str) -> str:
    for ns in (KGR, KGO):
        if iri.startswith(ns):
            return iri[len(ns):]
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def project(store) -> nx.MultiDiGraph:
    """The entity graph: every entity a node, every entity-to-entity relation an edge."""
    import networkx as nx

    edges: set[tuple[str, str, str]] = set()
    pref: dict[str, dict[str, list[str]]] = {}
    alt: dict[str, list[str]] = {}
    classes: dict[str, set[str]] = {}
    for row in store.query(projection_query()):
        kind, s, o = row["kind"].value, row["s"].value, row["o"].value
        if kind == "edge":
            edges.add((s, row["p"].value, o))
        elif kind == "pref":
            lang = row["lang"].value.lower() if row["lang"] is not None else ""
            pref.setdefault(s, {}).setdefault(lang, []).append(o)
        elif kind == "alt":
            alt.setdefault(s, []).append(o)
        else:
            classes.setdefault(s, set()).add(_local(o))

    nodes = set(pref) | set(alt) | set(classes) | {s for s, _, _ in edges} | {o for _, _, o in edges}
    G = nx.MultiDiGraph(name="kg entity graph")
    for n in sorted(nodes):
        by_lang = {lang: sorted(set(v)) for lang, v in pref.get(n, {}).items()}
        en = by_lang.get("en", [])
        hans = by_lang.get("zh-hans", [])
        hant = by_lang.get("zh-hant", [])
        other = [v for lang, vs in sorted(by_lang.items()) if lang not in ("en", "zh-hans", "zh-hant") for v in vs]
        everything = list(dict.fromkeys([*en, *hans, *hant, *other, *sorted(set(alt.get(n, [])))]))
        G.add_node(
            n,
            label=(en or hans or hant or other or [_local(n)])[0],
            label_en=" | ".join(en),
            label_zh_hans=" | ".join(hans),
            label_zh_hant=" | ".join(hant),
            labels=LABEL_SEP.join(everything),
            **{"class": ", ".join(sorted(classes.get(n, ())))},
        )
    for s, p, o in sorted(edges):
        rel = _local(p)
        G.add_edge(s, o, key=rel, relation=rel, label=rel, predicate=p)
    for n in G:
        G.nodes[n]["degree"] = int(G.degree(n))
    return G


def _undirected(G: nx.MultiDiGraph, with_isolates: bool = False) -> nx.Graph:
    """Simple undirected view; `weight` counts the relations between two entities."""
    import networkx as nx

    H = nx.Graph()
    H.add_nodes_from(n for n in G if with_isolates or G.degree(n) > 0)
    for u, v in G.edges():
        if u == v:
            continue
        if H.has_edge(u, v):
            H[u][v]["weight"] += 1
        else:
            H.add_edge(u, v, weight=1)
    return H


# --- finding nodes -------------------------------------------------------------------------


def node_labels(G: nx.MultiDiGraph, node: str) -> list[str]:
    data = G.nodes[node]
    return [x for x in data.get("labels", "").split(LABEL_SEP) if x] or [data.get("label", _local(node))]


def describe(G: nx.MultiDiGraph, node: str) -> str:
    """`label (Class, kgr:id)`: enough to tell two entities with the same name apart."""
    d = G.nodes[node]
    cls = d.get("class") or "?"
    return f"{d.get('label') or _local(node)} ({cls}, kgr:{_local(node)})"


_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _name_index(G: nx.MultiDiGraph) -> dict[str, set[str]]:
    """Folded name -> nodes, over every label and the kgr: id; built once per graph."""
    cached = _INDEXES.get(G)
    if cached is not None and cached[0] == G.number_of_nodes():
        return cached[1]
    names: list[tuple[str, str]] = []
    for n in G:
        names.extend((n, x) for x in {*node_labels(G, n), _local(n)})
    # One fold over all names (NUL-separated) instead of one OpenCC call per name.
    keys = fold_key("\x00".join(x for _, x in names)).split("\x00")
    if len(keys) != len(names):
        keys = [fold_key(x) for _, x in names]
    index: dict[str, set[str]] = {}
    for (n, _), k in zip(names, keys, strict=True):
        if k:
            index.setdefault(k, set()).add(n)
    _INDEXES[G] = (G.number_of_nodes(), index)
    return index


def find_node(G: nx.MultiDiGraph, name: str) -> str:
    """The node one name stands for: any label in any script, the kgr: id, or the full IRI.

    Names are compared folded (simplified Chinese, half width, lower case, no spaces), so
    摩尔线程, 摩爾線程 and "Moore Threads" find the same entity.  Raises AmbiguousName when
    several entities carry the name and NameNotFound (with substring suggestions) when none does.
    """
    raw = name.strip()
    if raw in G:
        return raw
    if raw.startswith("kgr:") and KGR + raw[4:] in G:
        return KGR + raw[4:]
    key = fold_key(raw)
    if not key:
        raise NameNotFound("empty entity name", name, [])
    index = _name_index(G)
    exact = sorted(index.get(key, ()))
    partial = []
    if not exact:
        partial = sorted({n for k, nodes in index.items() if key in k or (len(k) >= 2 and k in key) for n in nodes})
    if len(exact) == 1:
        return exact[0]

    def order(nodes: list[str]) -> list[str]:
        return sorted(nodes, key=lambda n: (-G.degree(n), G.nodes[n].get("label", ""), n))

    if exact:
        cands = order(exact)
        raise AmbiguousName(
            f"{name!r} is ambiguous, {len(cands)} entities carry that name: "
            + "; ".join(describe(G, n) for n in cands[:10])
            + ("; ..." if len(cands) > 10 else "")
            + " (give the kgr: id to choose one)",
            name, cands,
        )
    cands = order(partial)
    hint = ""
    if cands:
        hint = "; did you mean: " + "; ".join(describe(G, n) for n in cands[:10]) + ("; ..." if len(cands) > 10 else "")
    raise NameNotFound(f"no entity named {name!r}{hint}", name, cands)


# --- neighbourhoods and paths --------------------------------------------------------------


@dataclass
class Neighbor:
    node: str
    depth: int
    parent: str
    relations: list[tuple[str, str]]  # (direction, relation): "out" = parent -> node, "in" = node -> parent


def _relations_between(G: nx.MultiDiGraph, a: str, b: str) -> list[tuple[str, str]]:
    rels = [("out", k) for k in (G.get_edge_data(a, b) or {})]
    rels += [("in", k) for k in (G.get_edge_data(b, a) or {}) if a != b]
    return sorted(rels, key=lambda r: (r[1], r[0]))


def neighbors(G: nx.MultiDiGraph, node: str, depth: int = 1) -> list[Neighbor]:
    """Entities within `depth` hops of `node` (either direction), breadth first, each with the
    entity it was reached from and the relations that link the two."""
    if depth < 1:
        return []
    seen = {node}
    frontier = [node]
    out: list[Neighbor] = []
    for d in range(1, depth + 1):
        nxt: list[str] = []
        for parent in frontier:
            adj = set(G.successors(parent)) | set(G.predecessors(parent))
            for n in sorted(adj - seen, key=lambda x: (G.nodes[x].get("label", ""), x)):
                seen.add(n)
                nxt.append(n)
                out.append(Neighbor(n, d, parent, _relations_between(G, parent, n)))
        frontier = nxt
        if not frontier:
            break
    return out


@dataclass
class Source:
    text: str
    document: str
    title: str = ""
    date: str = ""


@dataclass
class Fact:
    subject: str
    relation: str
    object: str
    predicate: str
    sources: list[Source] = field(default_factory=list)


@dataclass
class Hop:
    start: str
    end: str
    facts: list[Fact]


def _sources(store, triples: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], list[Source]]:
    """The sentences (and their documents) behind each (s, p, o), from rdf:Statement provenance."""
    out: dict[tuple[str, str, str], list[Source]] = {t: [] for t in triples}
    if not triples:
        return out
    values = "\n".join(f"(<{s}> <{p}> <{o}>)" for s, p, o in triples)
    q = f"""
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX kgo: <{KGO}>
    SELECT DISTINCT ?s ?p ?o ?text ?doc ?title ?date ?start WHERE {{
      VALUES (?s ?p ?o) {{ {values} }}
      ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?sent .
      ?sent kgo:text ?text ; dcterms:isPartOf ?doc .
      OPTIONAL {{ ?sent kgo:start ?start }}
      OPTIONAL {{ ?doc dcterms:title ?title }}
      OPTIONAL {{ ?doc dcterms:date ?date }}
    }}
    ORDER BY DESC(?date) ?doc ?start"""
    seen = set()
    for row in store.query(q):
        t = (row["s"].value, row["p"].value, row["o"].value)
        src = Source(
            text=row["text"].value, document=row["doc"].value,
            title=row["title"].value if row["title"] is not None else "",
            date=row["date"].value if row["date"] is not None else "",
        )
        if (t, src.text, src.document) in seen:
            continue
        seen.add((t, src.text, src.document))
        out.setdefault(t, []).append(src)
    return out


def paths(store, G: nx.MultiDiGraph, a: str, b: str, k: int = 3) -> list[list[Hop]]:
    """Up to `k` shortest paths from node a to node b, ignoring edge direction.

    Each path is a list of hops; each hop lists the facts (in their real direction) that link
    its two entities, with the sentences and documents they were read from."""
    import networkx as nx

    if a == b:
        return []
    H = _undirected(G)
    if a not in H or b not in H:
        return []
    try:
        found = list(islice(nx.shortest_simple_paths(H, a, b), k))
    except nx.NetworkXNoPath:
        return []
    triples: list[tuple[str, str, str]] = []
    result: list[list[Hop]] = []
    for nodes in found:
        hops = []
        for u, v in zip(nodes, nodes[1:], strict=False):
            facts = []
            for s, o in ((u, v), (v, u)):
                for rel, data in sorted((G.get_edge_data(s, o) or {}).items()):
                    facts.append(Fact(s, rel, o, data.get("predicate", KGO + rel)))
                    triples.append((s, data.get("predicate", KGO + rel), o))
            hops.append(Hop(u, v, facts))
        result.append(hops)
    sources = _sources(store, sorted(set(triples)))
    for hops in result:
        for hop in hops:
            for f in hop.facts:
                f.sources = sources.get((f.subject, f.predicate, f.object), [])
    return result


# --- ranking and communities ---------------------------------------------------------------


BETWEENNESS_EXACT_MAX = 1000  # linked entities; above this, betweenness is estimated from sampled sources


def betweenness_sample(G: nx.Graph) -> int | None:
    """How many source nodes betweenness is estimated from (None: exact, for small graphs),
    for the projection or its undirected view.

    Exact betweenness costs one shortest-path search per node; on large graphs a fixed-seed
    sample keeps `kg rank --by betweenness` to seconds, and the hubs it ranks first stay put."""
    H = _undirected(G) if G.is_multigraph() else G
    n = H.number_of_nodes()
    if n <= BETWEENNESS_EXACT_MAX:
        return None
    return max(32, min(n, 3_000_000 // (n + H.number_of_edges())))


def rank(G: nx.MultiDiGraph, by: str = "pagerank", top: int = 20) -> list[tuple[str, float]]:
    """The `top` entities by PageRank, degree or betweenness (undirected view, entities with at
    least one link), best first; ties broken by label."""
    import networkx as nx

    if by not in RANK_METHODS:
        raise ValueError(f"unknown ranking {by!r}; choose {', '.join(RANK_METHODS)}")
    H = _undirected(G)
    if H.number_of_nodes() == 0:
        return []
    if by == "degree":
        scores = {n: float(G.degree(n)) for n in H}
    elif by == "pagerank":
        try:
            scores = nx.pagerank(H, weight="weight")
        except ImportError:  # networkx wants numpy/scipy for PageRank; kg does not depend on them
            scores = _pagerank(H)
    else:
        sample = betweenness_sample(H)
        scores = nx.betweenness_centrality(H, k=sample, seed=0 if sample else None, normalized=True)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], G.nodes[kv[0]].get("label", ""), kv[0]))
    return ranked[: max(0, top)]


def _pagerank(H: nx.Graph, alpha: float = 0.85, tol: float = 1.0e-6, max_iter: int = 100) -> dict[str, float]:
    """Weighted PageRank by power iteration in pure Python, with networkx's defaults and
    stopping rule (networkx itself needs numpy and scipy for it)."""
    nodes = list(H)
    n = len(nodes)
    at = {u: i for i, u in enumerate(nodes)}
    links: list[list[tuple[int, float]]] = []
    for u in nodes:
        total = sum(d.get("weight", 1) for d in H[u].values())
        links.append([(at[v], d.get("weight", 1) / total) for v, d in H[u].items()] if total else [])
    x = [1.0 / n] * n
    for _ in range(max_iter):
        dangling = alpha * sum(x[i] for i in range(n) if not links[i]) / n
        new = [(1.0 - alpha) / n + dangling] * n
        for i, out in enumerate(links):
            xi = alpha * x[i]
            for j, w in out:
                new[j] += xi * w
        err = sum(abs(a - b) for a, b in zip(new, x, strict=True))
        x = new
        if err < n * tol:
            break
    return {u: x[i] for i, u in enumerate(nodes)}


def communities(G: nx.MultiDiGraph, min_size: int = 2, seed: int = 42) -> list[list[str]]:
    """Groups of densely linked entities (Louvain modularity, fixed seed, so the same graph
    always gives the same groups), largest first, members by degree."""
    import networkx as nx

    H = _undirected(G)
    if H.number_of_edges() == 0:
        return []
    groups = nx.community.louvain_communities(H, weight="weight", seed=seed)
    out = [
        sorted(c, key=lambda n: (-G.degree(n), G.nodes[n].get("label", ""), n))
        for c in groups if len(c) >= min_size
    ]
    return sorted(out, key=lambda c: (-len(c), G.nodes[c[0]].get("label", ""), c[0]))


# --- exports -------------------------------------------------------------------------------


def to_graphml(G: nx.MultiDiGraph, path) -> None:
    """GraphML (Gephi, yEd, Cytoscape, networkx.read_graphml)."""
    import networkx as nx

    nx.write_graphml(G, path, encoding="utf-8", prettyprint=True)


def to_gexf(G: nx.MultiDiGraph, path) -> None:
    """GEXF 1.2 (Gephi, networkx.read_gexf)."""
    import networkx as nx

    nx.write_gexf(G, path, encoding="utf-8", prettyprint=True, version="1.2draft")


NODE_HEADER = ["id:ID", "label", ":LABEL", "label_en", "label_zh_hans", "label_zh_hant", "labels", "degree:int"]
EDGE_HEADER = [":START_ID", ":END_ID", ":TYPE", "predicate"]


def to_csv(G: nx.MultiDiGraph, directory) -> tuple[Path, Path]:
    """nodes.csv and edges.csv with neo4j-admin import headers (id:ID, :LABEL; :START_ID,
    :END_ID, :TYPE), also readable by Gephi's spreadsheet import.  Returns the two paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    nodes, edges = d / "nodes.csv", d / "edges.csv"
    with nodes.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(NODE_HEADER)
        for n, a in G.nodes(data=True):
            w.writerow([n, a.get("label", ""), (a.get("class") or "Entity").replace(", ", ";"), a.get("label_en", ""),
                        a.get("label_zh_hans", ""), a.get("label_zh_hant", ""), a.get("labels", ""), a.get("degree", 0)])
    with edges.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(EDGE_HEADER)
        for u, v, key, a in G.edges(keys=True, data=True):
            w.writerow([u, v, a.get("relation", key), a.get("predicate", "")])
    return nodes, edges


def graph_bytes(G: nx.MultiDiGraph, fmt: str) -> bytes:
    """The graph as GraphML or GEXF bytes (for stdout or an atomic write)."""
    buf = io.BytesIO()
    if fmt == "graphml":
        to_graphml(G, buf)
    elif fmt == "gexf":
        to_gexf(G, buf)
    else:
        raise ValueError(f"unknown graph format {fmt!r}")
    return buf.getvalue()
