"""Inter-annotator agreement of kg's own annotation set (training/annotations/kg-rel-*.jsonl).

    python -m training.agreement [FILES...]

Sentences annotated by two annotators (the same dataset, line and offset in two files) are
compared: entity span+class F1 (one annotator as reference; F1 is symmetric), relation F1
(subject span, predicate, object span; symmetric predicates in either order), and Cohen's kappa
on the relation label of the entity pairs both annotators marked (label = predicate with its
direction, or none).  The same figures as kg-relations-dev's README reports for its 30 lines.
Needs no sentence text: it compares offsets only.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from itertools import permutations
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYMMETRIC = {"partnerOf", "competesWith"}


def load(files: list[Path]) -> dict[tuple, dict[str, dict]]:
    by_key: dict[tuple, dict[str, dict]] = {}
    for f in files:
        for line in f.read_text("utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                by_key.setdefault((r["dataset"], r["line"], r.get("offset", 0)), {})[r["annotator"]] = r
    return by_key


def _rels(r: dict) -> set[tuple]:
    ents = r["entities"]
    out = set()
    for x in r["relations"]:
        s, o = ents[x["subject"]], ents[x["object"]]
        a, b = (s["start"], s["end"]), (o["start"], o["end"])
        if x["predicate"] in SYMMETRIC and a > b:
            a, b = b, a
        out.add((a, x["predicate"], b))
    return out


def _f1(a: set, b: set) -> tuple[int, int, int]:
    return len(a & b), len(a - b), len(b - a)


def kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    if not n:
        return 0.0
    po = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def agreement(by_key: dict[tuple, dict[str, dict]]) -> dict:
    ent = [0, 0, 0]
    rel = [0, 0, 0]
    labels: list[tuple[str, str]] = []
    n = 0
    for recs in by_key.values():
        if len(recs) < 2:
            continue
        n += 1
        a, b = list(recs.values())[:2]
        ea = {(e["start"], e["end"], e["class"]) for e in a["entities"]}
        eb = {(e["start"], e["end"], e["class"]) for e in b["entities"]}
        for i, v in enumerate(_f1(ea, eb)):
            ent[i] += v
        ra, rb = _rels(a), _rels(b)
        for i, v in enumerate(_f1(ra, rb)):
            rel[i] += v
        spans_a = {(e["start"], e["end"]) for e in a["entities"]}
        both = sorted(spans_a & {(e["start"], e["end"]) for e in b["entities"]})
        for x, y in permutations(both, 2):
            if x > y:
                continue
            def lab(rs: set, x: tuple = x, y: tuple = y) -> str:
                for s, p, o in rs:
                    if (s, o) == (x, y):
                        return p + ">"
                    if (s, o) == (y, x):
                        return p + ("<" if p not in SYMMETRIC else ">")
                return "none"
            labels.append((lab(ra), lab(rb)))
    def f1(tp: int, fa: int, fb: int) -> float:
        return 2 * tp / (2 * tp + fa + fb) if tp else 0.0
    return {
        "sentences": n, "entity_f1": round(f1(*ent), 3), "relation_f1": round(f1(*rel), 3),
        "pairs": len(labels), "kappa": round(kappa(labels), 3),
        "observed": round(sum(x == y for x, y in labels) / len(labels), 3) if labels else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    files = [Path(p) for p in (argv if argv is not None else sys.argv[1:])] or sorted((HERE / "annotations").glob("kg-rel-*.jsonl"))
    r = agreement(load(files))
    print(f"{r['sentences']} sentences annotated twice: entity span+class F1 {r['entity_f1']:.3f}, relation F1 "
          f"{r['relation_f1']:.3f}; Cohen's kappa {r['kappa']:.3f} on the labels of {r['pairs']} pairs both marked "
          f"(observed agreement {r['observed']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
