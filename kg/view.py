"""View: the entity graph as one self-contained, offline HTML page (pyvis + vis-network).

Everything is read with SPARQL through `store.query`.  Positions are computed here (igraph's
grid Fruchterman-Reingold, which scales to thousands of nodes) and the page draws them with
physics off, so even a 5,000-node graph is on screen in seconds.  The page makes no network
request: vis-network's JS/CSS come from the copy inside the pyvis package and are inlined.

Safety: article text (labels, sentences, titles) reaches the page only (a) in the vis DataSet
JSON (Jinja's `tojson`, which escapes < > & ') where vis draws it on a canvas as text, and
(b) in one JSON data blob whose < > & U+2028 U+2029 are escaped, from which viewer.js builds
the side panel with textContent/createElement only.  Node and edge `title`s stay empty.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from pathlib import Path

from .graph import DCT, KGO, ONTOLOGY_GRAPH, PROV, RDF, SKOS

KGR = "https://w3id.org/kg/id/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
STATIC = Path(__file__).resolve().parent / "static"
LANGS = ("zh-Hans", "zh-Hant", "en")

PREFIX = f"""PREFIX kgo: <{KGO}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX skos: <{SKOS}>
PREFIX prov: <{PROV}>
PREFIX dcterms: <{DCT}>
"""

# class local name -> (colour, vis shape); subclasses not listed inherit through PARENT
STYLE = {
    "Company": ("#4e79a7", "dot"),
    "Organization": ("#2f5d8a", "dot"),
    "ResearchInstitute": ("#59a14f", "dot"),
    "University": ("#76b7b2", "dot"),
    "GovernmentBody": ("#9c755f", "square"),
    "Publisher": ("#bab0ac", "square"),
    "Investor": ("#edc948", "dot"),
    "Person": ("#f28e2b", "triangle"),
    "Place": ("#8cd17d", "diamond"),
    "Country": ("#4f9a45", "diamond"),
    "Province": ("#6cb85e", "diamond"),
    "City": ("#8cd17d", "diamond"),
    "District": ("#b6e3a8", "diamond"),
    "ComputeCenter": ("#e15759", "star"),
    "Facility": ("#ff9d9a", "hexagon"),
    "Product": ("#b07aa1", "triangleDown"),
    "Chip": ("#8f4f87", "triangleDown"),
    "AIModel": ("#d37295", "triangleDown"),
    "Technology": ("#86bcb6", "dot"),
    "Event": ("#f1ce63", "square"),
    "Project": ("#a0cbe8", "hexagon"),
}
OTHER = ("#9d9d9d", "dot")



class ViewError(Exception):
    """Bad focus, query or option; the message is one line."""


def safe_json(obj) -> str:
    """JSON that can sit inside <script> in HTML: no < > & or line separators survive raw."""
    out = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        out = out.replace(ch, esc)  # str.replace is far faster than translate() on megabytes
    return out


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _lang_key(tag: str) -> str | None:
    from .labels import lang_key

    return lang_key(tag)


def _rows(store, sparql: str):
    return store.query(PREFIX + sparql)


def _v(term):
    return None if term is None else term.value


# --- reading the graph ------------------------------------------------------------------------

def _ontology_labels(store) -> dict[str, dict[str, str]]:
    """kgo term local name -> {lang: rdfs:label} from the ontology graph."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    q = f"SELECT ?t ?l WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?t rdfs:label ?l }} FILTER(STRSTARTS(STR(?t), STR(kgo:))) }}"
    for r in _rows(store, q):
        lk = _lang_key(r["l"].language or "en")
        if lk:
            out[_local(r["t"].value)][lk] = r["l"].value
    return out


def _class_parents(store) -> dict[str, str]:
    q = "SELECT ?c ?p WHERE { ?c rdfs:subClassOf ?p FILTER(STRSTARTS(STR(?c), STR(kgo:)) && STRSTARTS(STR(?p), STR(kgo:))) }"
    return {_local(r["c"].value): _local(r["p"].value) for r in _rows(store, q)}


def _pairs(store, pattern: str) -> list[tuple]:
    """(?a, ?b) terms of one simple triple pattern; simple patterns keep Oxigraph on its indexes."""
    return [(r[0], r[1]) for r in _rows(store, f"SELECT ?a ?b WHERE {{ {pattern} }}")]


def _edge_predicates(store) -> list[str]:
    """kgo object properties of the ontology plus any kgo predicate a fact statement names."""
    q = f"""SELECT DISTINCT ?p WHERE {{ {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?p a <http://www.w3.org/2002/07/owl#ObjectProperty> }} }}
      UNION {{ ?st rdf:predicate ?p }} FILTER(isIRI(?p) && STRSTARTS(STR(?p), STR(kgo:))) }}"""
    return sorted({r["p"].value for r in _rows(store, q)} - {KGO + "hasMeasurement"})


def _all_edges(store) -> set[tuple[str, str, str]]:
    preds = _edge_predicates(store)
    if not preds:
        return set()
    values = " ".join(f"<{p}>" for p in preds)
    q = f"""SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o .
      FILTER(isIRI(?o) && STRSTARTS(STR(?s), "{KGR}") && STRSTARTS(STR(?o), "{KGR}")) }}"""
    local = {p: _local(p) for p in preds}
    return {(r[0].value, local[r[1].value], r[2].value) for r in _rows(store, q)}


def _mentioned(store) -> set[str]:
    q = f'SELECT DISTINCT ?e WHERE {{ ?d <http://schema.org/mentions> ?e FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{KGR}")) }}'
    return {r["e"].value for r in _rows(store, q)}


def _query_subgraph(store, sparql: str) -> tuple[set[str], set[tuple[str, str, str]]]:
    """Entities and entity-to-entity edges of a CONSTRUCT (or SELECT ?s ?p ?o) result."""
    try:
        res = store.query(sparql)
    except (SyntaxError, ValueError, OSError) as e:
        raise ViewError(f"bad query: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    triples = []
    if hasattr(res, "variables"):
        names = [v.value for v in res.variables]
        if not {"s", "p", "o"} <= set(names):
            raise ViewError("a SELECT for --query must bind ?s ?p ?o (or use CONSTRUCT)")
        triples = [(r["s"], r["p"], r["o"]) for r in res]
    elif isinstance(res, bool) or not hasattr(res, "__iter__"):
        raise ViewError("--query must be a CONSTRUCT or a SELECT of ?s ?p ?o, not an ASK")
    else:
        triples = [(t.subject, t.predicate, t.object) for t in res]
    nodes: set[str] = set()
    edges: set[tuple[str, str, str]] = set()
    for s, p, o in triples:
        si = s.value if s is not None and type(s).__name__ == "NamedNode" else None
        oi = o.value if o is not None and type(o).__name__ == "NamedNode" else None
        if si and si.startswith(KGR):
            nodes.add(si)
        if oi and oi.startswith(KGR):
            nodes.add(oi)
        if si and oi and si.startswith(KGR) and oi.startswith(KGR) and p is not None and p.value.startswith(KGO):
            edges.add((si, _local(p.value), oi))
    return nodes, edges


def _describe(store) -> tuple[dict, dict, dict]:
    """Classes, preferred labels per language and alt labels of every entity."""
    classes: dict[str, set[str]] = defaultdict(set)
    pref: dict[str, dict[str, str]] = defaultdict(dict)
    alt: dict[str, set[str]] = defaultdict(set)
    filt = f'FILTER(STRSTARTS(STR(?e), "{KGR}"))'
    for r in _rows(store, f"SELECT ?e ?c WHERE {{ ?e a ?c {filt} FILTER(STRSTARTS(STR(?c), STR(kgo:))) }}"):
        classes[r["e"].value].add(_local(r["c"].value))
    from .labels import pick_pref

    for r in _rows(store, f"SELECT ?e ?l WHERE {{ ?e skos:prefLabel ?l {filt} }}"):
        e, lit = r["e"].value, r["l"]
        lost = pick_pref(pref[e], _lang_key(lit.language or "") or "zh-Hans", lit.value)
        if lost is not None:  # deterministic when several; the others stay names
            alt[e].add(lost)
    for r in _rows(store, f"SELECT ?e ?l WHERE {{ ?e skos:altLabel ?l {filt} }}"):
        alt[r["e"].value].add(r["l"].value)
    for e, ls in pref.items():  # a name is listed once
        alt[e] -= set(ls.values())
    return classes, pref, alt


def _facts(store) -> dict[tuple[str, str, str], list[dict]]:
    """Provenance of every entity-to-entity fact: statement -> sentence -> document."""
    subj = {st.value: o.value for st, o in _pairs(store, "?a rdf:subject ?b")}
    pred = {st.value: o.value for st, o in _pairs(store, "?a rdf:predicate ?b")}
    obj = {st.value: o.value for st, o in _pairs(store, "?a rdf:object ?b") if type(o).__name__ == "NamedNode"}
    conf: dict[str, float] = {}
    for st, c in _pairs(store, "?a kgo:confidence ?b"):
        try:
            conf[st.value] = float(c.value)
        except ValueError:
            pass
    role = {st.value: c.value for st, c in _pairs(store, "?a kgo:roleTitle ?b")}
    rule = {st.value: c.value for st, c in _pairs(store, "?a kgo:rule ?b")}
    derived: dict[str, list[str]] = defaultdict(list)
    for st, sen in _pairs(store, "?a prov:wasDerivedFrom ?b"):
        if st.value in subj:
            derived[st.value].append(sen.value)
    text = {sen.value: t.value for sen, t in _pairs(store, "?a kgo:text ?b")}
    part = {sen.value: d.value for sen, d in _pairs(store, "?a dcterms:isPartOf ?b")}
    docs = set(part.values())
    meta: dict[str, dict[str, str]] = defaultdict(dict)
    for key, prop in (("title", "dcterms:title"), ("date", "dcterms:date"), ("url", "dcterms:source"), ("path", "kgo:sourcePath")):
        for d, v in _pairs(store, f"?a {prop} ?b"):
            if d.value in docs:
                meta[d.value].setdefault(key, v.value)
    out: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    seen = set()
    for st in sorted(subj):
        s, p, o = subj[st], pred.get(st), obj.get(st)
        if p is None or o is None or not s.startswith(KGR) or not o.startswith(KGR):
            continue
        key = (s, _local(p), o)
        for sen in sorted(derived.get(st, [])) or [None]:
            if sen is not None and sen not in text:
                continue
            d = part.get(sen) if sen else None
            m = meta.get(d, {}) if d else {}
            f = {"conf": conf.get(st), "role": role.get(st), "rule": rule.get(st), "text": text.get(sen) if sen else None,
                 "doc": d, "title": m.get("title"), "date": m.get("date"), "url": m.get("url"), "path": m.get("path")}
            sig = (key, f["text"], d, f["rule"], f["role"], f["conf"])
            if sig not in seen:
                seen.add(sig)
                out[key].append(f)
    return out


def _measurements(store, entities: set[str]) -> dict[str, list[dict]]:
    """Numbers stated about each entity (kgo:hasMeasurement), with sentence and document, newest first."""
    q = f"""PREFIX schema: <http://schema.org/>
      SELECT ?e ?v ?u ?k ?y ?t ?d ?title ?date ?url WHERE {{
        ?e kgo:hasMeasurement ?m . ?m schema:value ?v .
        OPTIONAL {{ ?m schema:unitText ?u }} OPTIONAL {{ ?m kgo:quantityKind ?k }} OPTIONAL {{ ?m kgo:year ?y }}
        OPTIONAL {{ ?m prov:wasDerivedFrom ?s . ?s kgo:text ?t ; dcterms:isPartOf ?d .
                   OPTIONAL {{ ?d dcterms:title ?title }} OPTIONAL {{ ?d dcterms:date ?date }} OPTIONAL {{ ?d dcterms:source ?url }} }}
        FILTER(STRSTARTS(STR(?e), "{KGR}")) }}"""
    out: dict[str, list[dict]] = defaultdict(list)
    seen = set()
    for r in _rows(store, q):
        e = r["e"].value
        if e not in entities:
            continue
        m = {k: _v(r[v]) for k, v in (("value", "v"), ("unit", "u"), ("kind", "k"), ("year", "y"), ("text", "t"),
                                       ("doc", "d"), ("title", "title"), ("date", "date"), ("url", "url"))}
        sig = (e, m["value"], m["unit"], m["kind"], m["year"], m["text"], m["doc"])
        if sig not in seen:
            seen.add(sig)
            out[e].append(m)
    for ms in out.values():
        ms.sort(key=lambda m: (m["date"] or "", m["kind"] or "", m["value"] or ""), reverse=True)
    return out


# --- layout -----------------------------------------------------------------------------------

def layout(n: int, edges: list[tuple[int, int]], seed: int = 7) -> list[tuple[float, float]]:
    """Positions in vis canvas units; grid Fruchterman-Reingold (igraph) scales to 10k nodes."""
    if n == 0:
        return []
    if n == 1:
        return [(0.0, 0.0)]
    try:
        import igraph as ig
    except ImportError:  # pragma: no cover - igraph is a dependency; keep a usable fallback
        return _fallback_layout(n, edges)
    import random

    g = ig.Graph(n=n, edges=sorted({(a, b) if a < b else (b, a) for a, b in edges if a != b}))
    random.seed(seed)
    ig.set_random_number_generator(random)
    lay = g.layout_fruchterman_reingold(niter=500, grid=n > 300)
    xs, ys = zip(*lay.coords, strict=True)
    return _scale(list(xs), list(ys), n)


def _fallback_layout(n: int, edges: list[tuple[int, int]]) -> list[tuple[float, float]]:
    if n <= 400:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(edges)
        pos = nx.spring_layout(g, seed=7)
        return _scale([pos[i][0] for i in range(n)], [pos[i][1] for i in range(n)], n)
    xs = [math.sqrt(i) * math.cos(i * 2.399963) for i in range(n)]
    ys = [math.sqrt(i) * math.sin(i * 2.399963) for i in range(n)]
    return _scale(xs, ys, n)


def _scale(xs: list[float], ys: list[float], n: int) -> list[tuple[float, float]]:
    """Centre and stretch so that the drawing spans about 130 px per sqrt(node)."""
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    target = 130.0 * math.sqrt(n) + 200
    k = target / span
    return [(round((x - cx) * k, 1), round((y - cy) * k, 1)) for x, y in zip(xs, ys, strict=True)]


FONT = 14  # node label font size in canvas units (the vis options below)


def label_width(text: str) -> float:
    """Width of a node label in canvas units: CJK glyphs are a full em, others about 0.6 em."""
    import unicodedata

    return sum(FONT if unicodedata.east_asian_width(c) in "WF" else 0.6 * FONT for c in text) + 6


def spread_labels(pos: list[tuple[float, float]], boxes: list[tuple[float, float]], iters: int = 400,
                  gap: float = 4.0) -> list[tuple[float, float]]:
    """Nudge nodes apart until no two (node + label below it) boxes overlap.

    vis draws a label centred under its node at a fixed size in canvas units, so boxes that do not
    overlap here never overlap at any zoom.  `boxes` is (label width, node radius) per node.  Each
    overlapping pair is pushed apart along the axis that needs the smaller move, half each; a grid
    of cells as large as the largest box keeps a pass near-linear.  Deterministic."""
    n = len(pos)
    if n < 2:
        return pos
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    half = [max(w / 2, r) for w, r in boxes]  # horizontal half extent
    top = [r for _, r in boxes]  # extent above the centre
    bottom = [r + FONT * 1.5 for _, r in boxes]  # node, then one line of label
    cw = 2 * max(half) + gap
    ch = max(top) + max(bottom) + gap
    for _ in range(iters):
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(n):
            grid[(math.floor(xs[i] / cw), math.floor(ys[i] / ch))].append(i)
        moved = False
        for (gx, gy), members in grid.items():
            near = [j for dx in (-1, 0, 1) for dy in (-1, 0, 1) for j in grid.get((gx + dx, gy + dy), ())]
            for i in members:
                for j in near:
                    if j <= i:
                        continue
                    ox = min(xs[i] + half[i], xs[j] + half[j]) - max(xs[i] - half[i], xs[j] - half[j]) + gap
                    oy = min(ys[i] + bottom[i], ys[j] + bottom[j]) - max(ys[i] - top[i], ys[j] - top[j]) + gap
                    if ox <= 0 or oy <= 0:
                        continue
                    moved = True
                    if ox < oy:
                        d = 1.0 if (xs[i], i) >= (xs[j], j) else -1.0
                        xs[i] += d * ox / 2
                        xs[j] -= d * ox / 2
                    else:
                        d = 1.0 if (ys[i], i) >= (ys[j], j) else -1.0
                        ys[i] += d * oy / 2
                        ys[j] -= d * oy / 2
        if not moved:
            break
    return [(round(x, 1), round(y, 1)) for x, y in zip(xs, ys, strict=True)]


def _centrality(n: int, edges: list[tuple[int, int]]) -> list[float]:
    try:
        import igraph as ig

        g = ig.Graph(n=n, edges=edges, directed=True)
        return g.pagerank(directed=False)
    except ImportError:  # pragma: no cover
        deg = [0.0] * n
        for a, b in edges:
            deg[a] += 1
            deg[b] += 1
        return deg


# --- the page ---------------------------------------------------------------------------------

def _label(pref: dict[str, str], alts: set[str], iri: str, lang: str) -> str:
    """The one name shown for an entity: kg.labels.choose, the rule the CLI follows too."""
    from .labels import choose

    return choose(pref, alts, iri, lang)


def _pick_class(cs: set[str], parents: dict[str, str]) -> str | None:
    if not cs:
        return None
    supers = {parents.get(c) for c in cs}
    specific = sorted(c for c in cs if c not in supers) or sorted(cs)
    return specific[0]


def _style(cls: str | None, parents: dict[str, str]) -> tuple[str, str]:
    c = cls
    for _ in range(6):
        if c in STYLE:
            return STYLE[c]
        c = parents.get(c) if c else None
    return OTHER


def _norm_lang(lang: str) -> str:
    for k in LANGS:
        if lang.lower() == k.lower():
            return k
    raise ViewError(f"unknown language {lang!r}; choose zh-Hans, zh-Hant or en")


def render_html(store, focus: str | None = None, depth: int = 2, query: str | None = None, lang: str | None = None,
                relations=None, types=None, min_confidence: float | None = None, max_nodes: int = 2000) -> str:
    """The viewer page for the store (or a focus neighbourhood / query sub-graph) as one HTML string."""
    return render_page(store, focus=focus, depth=depth, query=query, lang=lang, relations=relations, types=types,
                       min_confidence=min_confidence, max_nodes=max_nodes)[0]


def _ontology_classes(store) -> set[str]:
    q = f"""SELECT DISTINCT ?c WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?c a <http://www.w3.org/2002/07/owl#Class> }}
      FILTER(STRSTARTS(STR(?c), STR(kgo:))) }}"""
    return {_local(r["c"].value) for r in _rows(store, q)} - {"Document", "Sentence"}


def _refuse_unknown(kind: str, asked: list[str], valid: set[str]) -> None:
    """One line naming what was not understood and every value that would have been."""
    unknown = [x for x in asked if x not in valid]
    if unknown:
        raise ViewError(f"unknown {kind}(s): {', '.join(unknown)}; valid: {', '.join(sorted(valid))}")


def render_page(store, focus: str | None = None, depth: int = 2, query: str | None = None, lang: str | None = None,
                relations=None, types=None, min_confidence: float | None = None, max_nodes: int = 2000) -> tuple[str, dict]:
    """The viewer page and the data it carries (nodes, edges...: callers report what was written).
    Without `lang`, names and UI are in the language most of the store's documents are written in."""
    from .labels import store_lang
    from .normalise import fold_key, to_simplified

    lang = _norm_lang(lang) if lang else store_lang(store)
    if depth < 0:
        raise ViewError("--depth must be 0 or more")
    if max_nodes < 1:
        raise ViewError("--max-nodes must be at least 1")
    rel_filter = _split(relations)
    type_filter = _split(types)
    onto = _ontology_labels(store)
    parents = _class_parents(store)

    if query:
        nodes, edges = _query_subgraph(store, query)
    else:
        edges = _all_edges(store)
        nodes = None  # every entity: known after _describe
    known_rel = {p for _, p, _ in edges}
    if rel_filter:
        onto_rel = {_local(p) for p in _edge_predicates(store)}
        _refuse_unknown("relation", rel_filter, onto_rel | known_rel)
        edges = {e for e in edges if e[1] in rel_filter}

    facts = _facts(store)
    if min_confidence is not None:  # facts below the bar are not shown either
        facts = {k: [f for f in fl if f["conf"] is None or f["conf"] >= min_confidence] or fl for k, fl in facts.items()}
        def keep(e):
            cs = [f["conf"] for f in facts.get(e, ()) if f["conf"] is not None]
            return not cs or max(cs) >= min_confidence
        edges = {e for e in edges if keep(e)}

    classes, pref, alt = _describe(store)
    if nodes is None:
        nodes = set(classes) | set(pref) | _mentioned(store) | {s for s, _, _ in edges} | {o for _, _, o in edges}
    node_cls = {e: _pick_class(classes.get(e, set()), parents) for e in nodes}
    if type_filter:  # a misspelt class (Compny) is refused, not answered with an empty page
        _refuse_unknown("type", type_filter, _ontology_classes(store) | {c for c in node_cls.values() if c})
        def has_type(e):
            c = node_cls.get(e)
            for _ in range(6):
                if c is None:
                    return False
                if c in type_filter:
                    return True
                c = parents.get(c)
            return False
        nodes = {e for e in nodes if has_type(e)}
        edges = {e for e in edges if e[0] in nodes and e[2] in nodes}
    if rel_filter:  # with a relation filter, show only the entities those relations connect
        nodes = {s for s, _, _ in edges} | {o for _, _, o in edges}

    from urllib.parse import unquote

    def names(e: str) -> set[str]:
        return {v for v in pref.get(e, {}).values() if v} | alt.get(e, set()) | {unquote(_local(e))}

    if focus:
        fk = fold_key(focus)
        seeds = {e for e in nodes if any(fold_key(n) == fk for n in names(e))}
        if not seeds:
            raise ViewError(f"no entity named {focus!r} in the graph")
        adj: dict[str, set[str]] = defaultdict(set)
        for s, _, o in edges:
            adj[s].add(o)
            adj[o].add(s)
        keep_n, frontier = set(seeds), set(seeds)
        for _ in range(depth):
            frontier = {m for x in frontier for m in adj[x]} - keep_n
            keep_n |= frontier
        nodes = keep_n
        edges = {e for e in edges if e[0] in nodes and e[2] in nodes}
    else:
        seeds = set()

    total_nodes = len(nodes)
    order = sorted(nodes)
    idx = {e: i for i, e in enumerate(order)}
    e_list = sorted(edges)
    omitted = 0
    if len(order) > max_nodes:
        cent = _centrality(len(order), [(idx[s], idx[o]) for s, _, o in e_list])
        ranked = sorted(range(len(order)), key=lambda i: (-cent[i] - (1.0 if order[i] in seeds else 0.0), order[i]))
        keep_set = {order[i] for i in ranked[:max_nodes]}
        omitted = len(order) - len(keep_set)
        order = sorted(keep_set)
        idx = {e: i for i, e in enumerate(order)}
        e_list = [e for e in e_list if e[0] in keep_set and e[2] in keep_set]

    n = len(order)
    pairs = [(idx[s], idx[o]) for s, _, o in e_list]
    deg = [0] * n
    for a, b in pairs:
        deg[a] += 1
        deg[b] += 1
    pos = layout(n, pairs)
    shown_labels = [_label(pref.get(e, {}), alt.get(e, set()), e, lang) for e in order]
    if n <= 800:  # the labels drawn at once: move nodes until no two labels overlap (issue 13)
        pos = spread_labels(pos, [(label_width(t), min(7 + 4.5 * math.sqrt(d), 48)) for t, d in zip(shown_labels, deg, strict=True)])

    # client-side folding: traditional -> simplified for every character in the names shown;
    # the search keys are made with exactly the folding viewer.js applies to what is typed
    t2s: dict[str, str] = {}
    chars: dict[str, str] = {}

    def key(name: str) -> str:
        out = []
        for ch in name:
            c = chars.get(ch)
            if c is None:
                c = ch
                if ord(ch) > 0x2E7F:
                    simp = to_simplified(ch)
                    if simp != ch and len(simp) == 1:
                        t2s[ch] = c = simp
                chars[ch] = c
            out.append(c)
        return _js_fold("".join(out))

    docs: dict[str, int] = {}
    doc_list: list[dict] = []
    sents: dict[tuple[str, int], int] = {}
    sent_list: list[list] = []

    def sentence(text: str | None, f: dict) -> int:
        """Index of (sentence, document) in the page's tables, adding both when new."""
        di = -1
        if f.get("doc"):
            if f["doc"] not in docs:
                docs[f["doc"]] = len(doc_list)
                url = f["url"] if f.get("url") and re.match(r"(?i)^https?://", f["url"].strip()) else None
                doc_list.append({"iri": f["doc"], "title": f.get("title") or "", "date": f.get("date") or "",
                                 "url": url.strip() if url else None, "path": f.get("path") or ""})
            di = docs[f["doc"]]
        if text is None:
            return -1
        k = (text, di)
        if k not in sents:
            sents[k] = len(sent_list)
            sent_list.append([text, di])
        return sents[k]

    measures = _measurements(store, set(order))
    node_data = []
    for i, e in enumerate(order):
        nm = names(e)
        cls = node_cls.get(e)
        p_e, a_e = pref.get(e, {}), alt.get(e, set())
        node_data.append({
            "iri": e,
            "labels": {k: v for k, v in sorted(p_e.items())},
            "alt": sorted(a_e),
            "label": shown_labels[i],
            "L": {lk: _label(p_e, a_e, e, lk) for lk in LANGS},  # for the page's language switch
            "cls": cls or "",
            "deg": deg[i],
            "keys": sorted({key(x) for x in nm} - {""}),
            "m": [[m["kind"], m["value"], m["unit"], m["year"], sentence(m["text"], m)] for m in measures.get(e, [])],
        })

    edge_data = []
    for s, p, o in e_list:
        fl = [[sentence(f["text"], f), f["conf"], f["role"], f["rule"]] for f in facts.get((s, p, o), [])]
        edge_data.append({"f": idx[s], "t": idx[o], "p": p, "facts": fl})

    rel_names = sorted({p for _, p, _ in e_list} | (set(rel_filter) if rel_filter else set()))
    used_cls = sorted({d["cls"] for d in node_data})
    data = {
        "lang": lang,
        "nodes": node_data,
        "edges": edge_data,
        "docs": doc_list,
        "sents": sent_list,
        "relations": {p: _onto_label(onto, p, lang) for p in rel_names},
        "classes": {c: {"label": _onto_label(onto, c, lang) if c else _OTHER_LABEL[lang],
                        "color": _style(c or None, parents)[0], "shape": _style(c or None, parents)[1]}
                    for c in used_cls},
        "i18n": {lk: {"ui": _UI[lk], "relations": {p: _onto_label(onto, p, lk) for p in rel_names},
                      "classes": {c: _onto_label(onto, c, lk) if c else _OTHER_LABEL[lk] for c in used_cls}}
                 for lk in LANGS},
        "fold": dict(sorted(t2s.items())),
        "total": total_nodes,
        "shown": n,
        "omitted": omitted,
        "focus": [idx[e] for e in sorted(seeds) if e in idx],
        "ui": _UI[lang],
    }
    return _page(data, pos, lang), data


_OTHER_LABEL = {"zh-Hans": "其他", "zh-Hant": "其他", "en": "other"}

_UI = {
    "zh-Hans": {"search": "搜索实体(任意名称/字体)", "relations": "关系", "classes": "类型", "names": "名称",
                "type": "类型", "facts": "事实", "source": "来源", "omitted": "为保持流畅,省略了 {n} 个较不中心的节点(共 {t} 个)。",
                "nomatch": "未找到", "close": "关闭", "all": "全部", "none": "无", "confidence": "置信度",
                "shown": "显示 {n} 个节点、{e} 条边", "zoom": "放大以显示标签", "role": "职务",
                "shownOf": "显示 {n}/{t} 个节点、{e}/{f} 条边", "isolated": "显示无关系的实体 ({n})",
                "measurements": "数值", "say": "{n} 篇文档这样说", "say1": "1 篇文档这样说", "queryPage": "SPARQL 查询", "year": "年份",
                "language": "语言"},
    "zh-Hant": {"search": "搜尋實體(任意名稱/字體)", "relations": "關係", "classes": "類型", "names": "名稱",
                "type": "類型", "facts": "事實", "source": "來源", "omitted": "為保持流暢,省略了 {n} 個較不中心的節點(共 {t} 個)。",
                "nomatch": "未找到", "close": "關閉", "all": "全部", "none": "無", "confidence": "置信度",
                "shown": "顯示 {n} 個節點、{e} 條邊", "zoom": "放大以顯示標籤", "role": "職務",
                "shownOf": "顯示 {n}/{t} 個節點、{e}/{f} 條邊", "isolated": "顯示無關係的實體 ({n})",
                "measurements": "數值", "say": "{n} 篇文件這樣說", "say1": "1 篇文件這樣說", "queryPage": "SPARQL 查詢", "year": "年份",
                "language": "語言"},
    "en": {"search": "Find an entity (any name, any script)", "relations": "Relations", "classes": "Types",
           "names": "Names", "type": "Type", "facts": "Facts", "source": "source",
           "omitted": "{n} less central nodes of {t} were left out to keep the view fast.", "nomatch": "no match",
           "close": "close", "all": "all", "none": "none", "confidence": "confidence",
           "shown": "{n} nodes, {e} edges", "zoom": "zoom in to see labels", "role": "role",
           "shownOf": "{n} of {t} nodes, {e} of {f} edges", "isolated": "show entities without relations ({n})",
           "measurements": "Numbers", "say": "{n} documents say this", "say1": "1 document says this", "queryPage": "SPARQL query", "year": "year",
           "language": "Language"},
}


_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def _js_fold(s: str) -> str:
    """fold() in viewer.js, after its character table: half-width, lower case, no spaces/dashes."""
    return re.sub(r"[\s·•\-_]+", "", s.translate(_FULLWIDTH).lower()).replace("（", "(").replace("）", ")")


def _onto_label(onto: dict, local: str, lang: str) -> str:
    ls = onto.get(local, {})
    return ls.get(lang) or ls.get("en") or ls.get("zh-Hans") or local


def _split(v) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, str):
        v = v.split(",")
    out = [x.strip() for x in v if x and x.strip()]
    return [re.sub(r"^(kgo:|.*#)", "", x) for x in out] or None


def _read_static(name: str) -> str:
    return (STATIC / name).read_text("utf-8")


def _vis_files() -> tuple[str, str]:
    import pyvis

    base = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    if not base.exists():
        base = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
    return (base / "vis-network.min.js").read_text("utf-8"), (base / "vis-network.css").read_text("utf-8")


def _inline_script(js: str) -> str:
    # a literal "</script" (any case) inside inlined code would end the element early
    return re.sub(r"(?i)</(script)", r"<\\/\1", js)


def _page(data: dict, pos: list[tuple[float, float]], lang: str) -> str:
    from pyvis.network import Network

    n = len(data["nodes"])
    big = n > 800
    # labels appear once font size x zoom reaches the threshold: small graphs show them at once
    thr = 5 if n <= 150 else 9
    data["labelScale"] = (thr - 1) / 14
    # big graphs: labels (even hidden ones cost measuring on every frame) are given to vis only
    # for what is in view once zoomed in past labelScale; viewer.js adds and removes them
    data["lazyLabels"] = big
    net = Network(height="100%", width="100%", directed=True, cdn_resources="remote")
    net.set_template_dir(str(STATIC), "viewer.html")
    net.options = {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {"hover": not big, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big,
                        "tooltipDelay": 300, "multiselect": False, "navigationButtons": False},
        "nodes": {"font": {"size": 14, "face": "Noto Sans CJK SC, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1, "scaling": {"label": {"enabled": False, "drawThreshold": thr}}},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": not big, "scaleFactor": 0.5}},
                  "color": {"color": "#b0b0b0", "highlight": "#d62728", "hover": "#555555", "inherit": False},
                  "width": 1, "selectionWidth": 2,
                  "font": {"size": 11, "face": "Noto Sans CJK SC, sans-serif", "color": "#555555",
                           "strokeWidth": 3, "strokeColor": "#ffffff", "align": "middle"},
                  "scaling": {"label": {"enabled": False, "drawThreshold": thr}}},
    }
    # bypass add_node/add_edge: both scan lists per call (quadratic at 15k edges); same dicts
    for i, (nd, (x, y)) in enumerate(zip(data["nodes"], pos, strict=True)):
        color, shape = data["classes"][nd["cls"]]["color"], data["classes"][nd["cls"]]["shape"]
        size = round(7 + 4.5 * math.sqrt(nd["deg"]), 1)
        node = {"id": i, "x": x, "y": y, "size": min(size, 48), "shape": shape,
                "color": color, "physics": False, "hidden": nd["deg"] == 0}  # unconnected: shown on demand
        if not big:
            node["label"] = nd["label"]
        net.nodes.append(node)
        net.node_ids.append(i)
        net.node_map[i] = node
    parallel: dict[tuple[int, int], int] = {}
    for j, ed in enumerate(data["edges"]):
        edge = {"id": j, "from": ed["f"], "to": ed["t"]}
        if not big:
            edge["label"] = data["relations"].get(ed["p"], ed["p"])
            k = parallel[(ed["f"], ed["t"])] = parallel.get((ed["f"], ed["t"]), -1) + 1
            if k or (ed["t"], ed["f"]) in parallel:  # bend parallel and opposite edges apart
                edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.15 + 0.12 * k}
        net.edges.append(edge)
    html = strip_external(net.generate_html(name="graph.html"))
    vis_js, vis_css = _vis_files()
    slots = {
        "vis-css": "<style>" + vis_css.replace("</", "<\\/") + "</style>",
        "kg-css": "<style>" + _read_static("viewer.css") + "</style>",
        "vis-js": "<script>" + _inline_script(vis_js) + "</script>",
        "kg-data": '<script id="kg-data" type="application/json">' + safe_json(data) + "</script>",
        "kg-js": "<script>" + _inline_script(_read_static("viewer.js")) + "</script>",
    }
    # slots are tags; all data above is JSON with "<" escaped, so no data can look like one
    html = re.sub(r'<kg-slot name="([a-z-]+)"></kg-slot>', lambda m: slots[m.group(1)], html)
    return html.replace("<html>", f'<html lang="{lang}">', 1)


_EXTERNAL = re.compile(r"""<(script|link)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//[^>]*>(\s*</script>)?""", re.I)


def strip_external(html: str) -> str:
    """Safety net: drop any <script src>/<link href> that points off the page's own file."""
    return _EXTERNAL.sub("", html)
