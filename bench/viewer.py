"""Benchmark the HTML viewer (kg viz) against pyvis with its default settings (physics on).

For generated graphs of 100, 1,000 and 5,000 entities (about 3 edges each, with provenance)
it reports the HTML size, the generation time (layout included) and the time until headless
Chromium has drawn the graph, measured from navigation start with performance.now():
- kg viz: the first vis `afterDrawing` (positions are precomputed, physics is off);
- pyvis default: the first `afterDrawing` after `stabilizationIterationsDone` (before that
  vis keeps the canvas blank while it simulates).  The wait is capped (--cap, default 120 s).
It also times one redraw after a zoom (interactivity).  Usage: .venv/bin/python bench/viewer.py
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from kg.graph import DCT, KGD, KGO, PROV, RDF, SKOS  # noqa: E402
from kg.store import KGStore  # noqa: E402

KGR = "https://w3id.org/kg/id/"
CLASSES = ["Company", "Company", "Company", "Person", "City", "Chip", "Technology", "ComputeCenter",
           "ResearchInstitute", "Event", "Project", "AIModel"]
RELATIONS = ["supplies", "customerOf", "partnerOf", "investsIn", "develops", "locatedIn", "validates",
             "executiveOf", "deploys", "competesWith"]
ZH = "智算芯片科技半导体云计算中心集团数据光电封装存储网络研究院创新产业"

# Installed before any page script: catch the global `network` when the page assigns it and
# record when it is first drawn (after stabilisation when physics is on).
HOOK = """(function () {
  var v; window.__drawnAt = null; window.__stabDone = false;
  Object.defineProperty(window, "network", {configurable: true, get: function () { return v; }, set: function (n) {
    v = n;
    var phys = !!(n && n.physics && n.physics.physicsEnabled && n.physics.options.enabled && n.physics.options.stabilization.enabled);
    var ready = !phys;
    n.on("stabilizationIterationsDone", function () { ready = true; window.__stabDone = true; });
    n.on("afterDrawing", function () { if (ready && window.__drawnAt === null) window.__drawnAt = performance.now(); });
  }});
})();"""


def make_store(path: str, n: int, seed: int = 1) -> tuple[KGStore, list, list]:
    """A store with n entities and ~3n facts (Barabasi-Albert-like), each fact with a sentence."""
    rnd = random.Random(seed)
    store = KGStore(path, create=True)
    store.ensure_ontology()
    names, ents = [], []
    quads = []
    for i in range(n):
        zh = "".join(rnd.choice(ZH) for _ in range(rnd.randint(2, 5))) + str(i)
        cls = rnd.choice(CLASSES)
        iri = ox.NamedNode(f"{KGR}E{i}")
        ents.append((iri, cls))
        names.append((zh, f"Entity {i}"))
    edges = set()
    targets: list[int] = []
    for i in range(n):
        for _ in range(3 if i >= 3 else i):
            j = rnd.choice(targets) if targets and rnd.random() < 0.7 else rnd.randrange(max(i, 1))
            if j != i and (i, j) not in edges:
                edges.add((i, j))
                targets += [i, j]
        targets.append(i)
    edges = sorted(edges)
    per_doc = 200
    for d in range(len(edges) // per_doc + 1):
        doc = ox.NamedNode(f"{KGD}bench-{d}")
        g = doc
        quads += [ox.Quad(doc, ox.NamedNode(RDF + "type"), ox.NamedNode(KGO + "Document"), g),
                  ox.Quad(doc, ox.NamedNode(DCT + "title"), ox.Literal(f"基准文章 {d}"), g),
                  ox.Quad(doc, ox.NamedNode(DCT + "date"), ox.Literal("2025-09-06", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")), g),
                  ox.Quad(doc, ox.NamedNode(DCT + "source"), ox.Literal(f"https://example.com/news/{d}"), g)]
    g0 = ox.NamedNode(f"{KGD}bench-0")
    for (iri, cls), (zh, en) in zip(ents, names, strict=True):
        quads += [ox.Quad(iri, ox.NamedNode(RDF + "type"), ox.NamedNode(KGO + cls), g0),
                  ox.Quad(iri, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(zh, language="zh-Hans"), g0),
                  ox.Quad(iri, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(en, language="en"), g0)]
    for k, (a, b) in enumerate(edges):
        g = ox.NamedNode(f"{KGD}bench-{k // per_doc}")
        p = ox.NamedNode(KGO + rnd.choice(RELATIONS))
        s, o = ents[a][0], ents[b][0]
        st = ox.NamedNode(f"{g.value}#fact-{k}")
        sn = ox.NamedNode(f"{g.value}#char={k * 40},{k * 40 + 30}")
        quads += [ox.Quad(s, p, o, g),
                  ox.Quad(st, ox.NamedNode(RDF + "type"), ox.NamedNode(RDF + "Statement"), g),
                  ox.Quad(st, ox.NamedNode(RDF + "subject"), s, g),
                  ox.Quad(st, ox.NamedNode(RDF + "predicate"), p, g),
                  ox.Quad(st, ox.NamedNode(RDF + "object"), o, g),
                  ox.Quad(st, ox.NamedNode(PROV + "wasDerivedFrom"), sn, g),
                  ox.Quad(st, ox.NamedNode(KGO + "confidence"), ox.Literal(str(round(rnd.uniform(0.6, 1), 2)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")), g),
                  ox.Quad(sn, ox.NamedNode(RDF + "type"), ox.NamedNode(KGO + "Sentence"), g),
                  ox.Quad(sn, ox.NamedNode(KGO + "text"), ox.Literal(f"{names[a][0]}与{names[b][0]}在无锡签署合作协议,共同建设智算中心。"), g),
                  ox.Quad(sn, ox.NamedNode(DCT + "isPartOf"), g, g)]
    store.ox.bulk_extend(quads)
    store.flush()
    return store, names, edges


def pyvis_default(names, edges, path: Path) -> None:
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")  # in_line so it can load offline at all
    for i, (zh, _) in enumerate(names):
        net.add_node(i, label=zh)
    for a, b in edges:
        net.add_edge(a, b)
    net.write_html(str(path))


def draw_time(page: Path, cap: float) -> tuple[float | None, float | None]:
    from tests.test_view import Chromium  # a package import: test_view's own relative imports resolve

    with Chromium(width=1400, height=900) as br:
        br.add_init_script(HOOK)
        br.navigate(page.as_uri())
        t = br.wait_for("window.__drawnAt", timeout=cap, interval=0.1)
        if not t:
            return None, None
        try:
            redraw = br.eval("""new Promise(function (r) { var t = performance.now();
                network.once('afterDrawing', function () { r(performance.now() - t); });
                network.moveTo({scale: network.getScale() * 1.5}); })""", await_promise=True, timeout=cap)
        except TimeoutError:
            redraw = None
        return t / 1000.0, redraw


def fmt_s(v: float | None, cap: float) -> str:
    return f"> {cap:.0f} s" if v is None else f"{v:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--cap", type=float, default=120.0, help="Longest wait for a page to be drawn (s).")
    ap.add_argument("--json", action="store_true", help="One JSON line of results (for bench/run.py).")
    args = ap.parse_args()
    from kg.view import render_html

    render_html.__module__  # noqa: B018  (import pyvis etc. before timing)
    import pyvis.network  # noqa: F401

    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-viewer-"))
    rows = []
    try:
        for n in [int(x) for x in args.sizes.split(",")]:
            store, names, edges = make_store(str(tmp / f"store-{n}"), n)
            t0 = time.perf_counter()
            html = render_html(store, max_nodes=max(n, 2000))
            ours_gen = time.perf_counter() - t0
            ours = tmp / f"kg-{n}.html"
            ours.write_text(html, "utf-8")
            ours_draw, ours_redraw = draw_time(ours, args.cap)

            t0 = time.perf_counter()
            base = tmp / f"pyvis-{n}.html"
            pyvis_default(names, edges, base)
            base_gen = time.perf_counter() - t0
            base_draw, base_redraw = draw_time(base, args.cap)
            rows.append((n, len(edges), ours.stat().st_size, ours_gen, ours_draw, ours_redraw,
                         base.stat().st_size, base_gen, base_draw, base_redraw))
            del store
            print(f"  done {n} nodes", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    cap = args.cap
    if args.json:
        keys = ("nodes", "edges", "html_kg", "gen_kg", "drawn_kg", "redraw_kg", "html_pyvis", "gen_pyvis", "drawn_pyvis",
                "redraw_pyvis")
        print(json.dumps({"cap": cap, "rows": [dict(zip(keys, r, strict=True)) for r in rows]}))
        return
    print(f"\nkg viz vs pyvis default (physics on); drawn = navigation start -> first full drawing; cap {cap:.0f} s\n")
    head = ("nodes", "edges", "html kg", "html pyvis", "gen kg", "gen pyvis", "drawn kg", "drawn pyvis",
            "drawn ratio", "kg gen+drawn", "redraw kg", "redraw pyvis")
    print(" | ".join(f"{h:>12}" for h in head))
    print("-+-".join("-" * 12 for _ in head))
    for n, e, osz, ogen, odraw, ored, bsz, bgen, bdraw, bred in rows:
        if odraw is None:
            ratio = "n/a"
        elif bdraw is None:
            ratio = f"> {cap / odraw:.0f}x"
        else:
            ratio = f"{bdraw / odraw:.0f}x"
        cells = (str(n), str(e), f"{osz / 1e6:.2f} MB", f"{bsz / 1e6:.2f} MB", f"{ogen:.2f} s", f"{bgen:.2f} s",
                 fmt_s(odraw, cap), fmt_s(bdraw, cap), ratio,
                 "n/a" if odraw is None else f"{ogen + odraw:.2f} s",
                 "n/a" if ored is None else f"{ored:.0f} ms", "n/a" if bred is None else f"{bred:.0f} ms")
        print(" | ".join(f"{c:>12}" for c in cells))
    print("\ntargets: 1,000 nodes drawn >= 20x sooner than pyvis default; 5,000 nodes gen+drawn <= 15 s")


if __name__ == "__main__":
    main()
