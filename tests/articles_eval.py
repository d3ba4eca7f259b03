"""Score the extraction on tests/articles against expected.json (used by the tests and by hand:
`python -m tests.articles_eval` prints what is missing and what is extra, file by file)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kg import lexicon as lexmod
from kg.ingest import Source, read_document
from kg.normalise import fold_key
from kg.pipeline import run
from kg.resolve import labels

ARTICLES = Path(__file__).resolve().parent / "articles"
SYMMETRIC = {"partnerOf", "competesWith", "heldWith"}
INVERSE = {"customerOf": "supplies"}


@dataclass
class FileScore:
    name: str
    ents_expected: int = 0
    ents_found: int = 0
    rels_expected: int = 0
    rels_found: int = 0
    missing: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    forbidden: list = field(default_factory=list)
    missing_entities: list = field(default_factory=list)


def extract_file(path: Path):
    lex = lexmod.load()
    doc, ents = run(read_document(Source(path, path.stem)), lex)
    names = {}
    for e in ents:
        pref, alts = labels(e, lex)
        keys = {fold_key(s) for s in e.surfaces} | {fold_key(v) for v in pref.values()} | {fold_key(a) for a, _ in alts}
        names[e.key] = keys
    by_mention = {i: e.key for e in ents for i in e.mentions}
    rels = set()
    for r in doc.relations:
        s, o = by_mention.get(r.subj), by_mention.get(r.obj)
        if s and o and s != o:
            rels.add((s, r.pred, o))
    return names, rels, ents


def _entity_of(name: str, names: dict) -> str | None:
    k = fold_key(name)
    for key, ks in names.items():
        if k in ks:
            return key
    return None


def _has(rels, s, p, o) -> bool:
    if p in INVERSE:
        p, s, o = INVERSE[p], o, s
    if (s, p, o) in rels:
        return True
    return p in SYMMETRIC and (o, p, s) in rels


def score_file(fname: str, exp: dict) -> FileScore:
    names, rels, _ = extract_file(ARTICLES / fname)
    fs = FileScore(fname)
    alias = {}
    for e in exp.get("entities", []):
        fs.ents_expected += 1
        key = None
        for n in [e["name"], *e.get("aliases", [])]:
            key = key or _entity_of(n, names)
        alias[e["name"]] = key
        if key:
            fs.ents_found += 1
        else:
            fs.missing_entities.append(e["name"])
    expected_keys = set()
    for r in exp.get("relations", []):
        fs.rels_expected += 1
        s, o = alias.get(r["s"]) or _entity_of(r["s"], names), alias.get(r["o"]) or _entity_of(r["o"], names)
        p = r["p"]
        if s and o and _has(rels, s, p, o):
            fs.rels_found += 1
        else:
            fs.missing.append(f'{r["s"]} {p} {r["o"]}')
        if s and o:
            pp, ss, oo = (INVERSE[p], o, s) if p in INVERSE else (p, s, o)
            expected_keys |= {(ss, pp, oo), (oo, pp, ss)} if pp in SYMMETRIC else {(ss, pp, oo)}
    gold_nodes = {k for k in alias.values() if k}
    for s, p, o in sorted(rels):
        if s in gold_nodes and o in gold_nodes and (s, p, o) not in expected_keys:
            fs.extra.append(f"{s} {p} {o}")
    for r in exp.get("not_relations", []):
        s, o = _entity_of(r["s"], names), _entity_of(r["o"], names)
        if s and o and _has(rels, s, r["p"], o):
            fs.forbidden.append(f'{r["s"]} {r["p"]} {r["o"]}')
    return fs


def score_all() -> list[FileScore]:
    expected = json.loads((ARTICLES / "expected.json").read_text("utf-8"))
    return [score_file(f, exp) for f, exp in sorted(expected.items())]


def main() -> None:
    scores = score_all()
    for fs in scores:
        if fs.missing or fs.extra or fs.forbidden or fs.missing_entities:
            print(f"== {fs.name}: ents {fs.ents_found}/{fs.ents_expected} rels {fs.rels_found}/{fs.rels_expected}")
            for m in fs.missing_entities:
                print("   missing entity:", m)
            for m in fs.missing:
                print("   missing:", m)
            for m in fs.extra:
                print("   extra:  ", m)
            for m in fs.forbidden:
                print("   FORBIDDEN:", m)
    te, fe = sum(f.ents_expected for f in scores), sum(f.ents_found for f in scores)
    tr, fr = sum(f.rels_expected for f in scores), sum(f.rels_found for f in scores)
    extra = sum(len(f.extra) for f in scores)
    print(f"entities {fe}/{te} = {fe / te:.3f}; relations {fr}/{tr} = {fr / tr:.3f}; "
          f"precision {fr / max(1, fr + extra):.3f}; forbidden {sum(len(f.forbidden) for f in scores)}")


if __name__ == "__main__":
    sys.exit(main())
