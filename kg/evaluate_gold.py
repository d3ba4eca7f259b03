"""`kg eval FILE.gold.json`: an article's graph against its gold annotation (the format of the
project's seed gold: entities with accepted names, relations with accepted predicate names).

The rules are those of the gold's own scorer (`score.py` beside the gold): an entity is found
when a label of a node, folded to simplified script and lower case without spaces, equals one of
its names; a relation when the two found nodes are linked by a predicate whose local name
(folded, `_`/`-` ignored) is accepted, or its inverse read the other way.  Precision counts the
facts between two gold entities.  The graph is kg's own, made in memory (no store).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from . import lexicon as lexmod
from .datasets import DatasetError
from .evaluate import SYMMETRIC, Scores
from .ingest import IngestError, Source, read_document
from .normalise import to_simplified
from .pipeline import run
from .resolve import labels

_INVERSE = {"founder": "founderof", "foundedby": "founderof", "employs": "employeeof", "hosts": "hostedat",
            "validatedby": "validates", "haspart": "partof", "hassubsidiary": "subsidiaryof",
            "developedby": "develops", "suppliedby": "supplies", "builtby": "builds", "operatedby": "operates"}


def _norm(s: str) -> str:
    return "".join(to_simplified(s).lower().split())


def _pred(p: str) -> str:
    return p.lower().replace("_", "").replace("-", "")


def score_gold(path: Path, on_doc: Callable[[], None] | None = None) -> Scores:
    try:
        gold = json.loads(path.read_text("utf-8"))
        doc_path = path.parent.parent / gold["document"]
        gents, grels = gold["entities"], gold["relations"]
        names = {g["id"]: {_norm(n) for n in g["names"]} for g in gents}
    except (ValueError, KeyError, TypeError) as e:
        raise DatasetError(f"{path}: not a kg gold file ({type(e).__name__}: {e})") from None
    try:
        doc = read_document(Source(doc_path, doc_path.stem))
    except IngestError as e:
        raise DatasetError(f"{path}: its document cannot be read: {e}") from None
    lex = lexmod.load()
    doc, entities = run(doc, lex)
    node_of: dict[str, str] = {}  # gold id -> entity key
    gold_of: dict[str, str] = {}  # entity key -> gold id
    for ent in entities:
        pref, alts = labels(ent, lex)
        labs = {_norm(x) for x in pref.values()} | {_norm(s) for s, _ in alts} | {_norm(s) for s in ent.surfaces}
        for gid, ns in names.items():
            if labs & ns and gid not in node_of:
                node_of[gid] = ent.key
                gold_of.setdefault(ent.key, gid)
    facts = set()
    for r in doc.relations:
        s, o = doc.mentions[r.subj].key, doc.mentions[r.obj].key
        facts.add((s, _pred(r.pred), o))
        if r.pred in SYMMETRIC:
            facts.add((o, _pred(r.pred), s))
    sc = Scores(docs=1)
    for g in gents:
        (sc.tp if g["id"] in node_of else sc.fn)[g["type"]] += 1
    core_found = core = 0
    matched = set()
    for g in grels:  # "s"/"o" may list alternatives (either node is right)
        subs = {node_of.get(x) for x in (g["s"] if isinstance(g["s"], list) else [g["s"]])} - {None}
        objs = {node_of.get(x) for x in (g["o"] if isinstance(g["o"], list) else [g["o"]])} - {None}
        accepted = {_pred(p) for p in g["p"]}
        hit = [f for f in facts if (f[0] in subs and f[2] in objs and f[1] in accepted)
               or (f[0] in objs and f[2] in subs and f[1] in {_INVERSE.get(a) for a in accepted})]
        matched.update(hit)
        if g.get("core"):
            core += 1
            core_found += bool(hit)
        sc.rel_tp += bool(hit)
        sc.rel_fn += not hit
    between = {f for f in facts if f[0] in gold_of and f[2] in gold_of}
    sc.rel_fp = len(between - matched)
    found = len(node_of)
    sc.extra["gold"] = {
        "entity_recall": round(found / len(gents), 4) if gents else 0.0,
        "relation_recall_core": round(core_found / core, 4) if core else 0.0,
        "relation_precision_between_gold": round(len(between & matched) / len(between), 4) if between else 0.0,
        "entities_missed": sorted(g for g in names if g not in node_of)[:20],
    }
    if on_doc:
        on_doc()
    return sc
