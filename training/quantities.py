"""Precision and recall of kg's numeric facts on a labelled sample of real sentences.

    python -m training.quantities [--root ../shared/datasets] [--show]

The sample is `training/annotations/quantities.jsonl`: one stand-off record per number
occurrence (offsets into a line of a dataset under `../shared/datasets`, never the text):

    {"dataset": "thucnews/cnews_tech_finance.tsv", "line": N, "sentence": [A, B],
     "start": S, "end": E, "about": [a0, a1] | null, "kind": "...", "value": V, "unit": "...",
     "is_fact": true | false}

`line` counts from 1; offsets index the article text after the tab (THUCNews) or `text`
(CLUENER2020); `sentence` is the span of the sentence the number stands in.

How the sample was drawn (fixed rule, not picked): sentences are the spans of a THUCNews
article up to each 。！？!? mark, and whole CLUENER texts; of those with at most 250 characters
that contain a number, a `random.Random(12)` shuffle gives the first 90 THUCNews and the first
15 CLUENER sentences (276 numbers, 29 facts).  A second stratum, so that kg has measurements to
be judged on: of the other THUCNews sentences of at most 250 characters that hold an amount of
money or a percentage (a digit, then 亿/万 or not, then 元/美元/%), a `random.Random(13)` shuffle
gives the first 35 (117 numbers, 19 facts).  Every number in the sentences is labelled (a run
of digits with its decimal point and thousands commas), except date parts (a number followed
by 年/月/日/号).  All were labelled before the rules were changed.

Labelling guideline: `is_fact` is true when the sentence states a measurement of a named
entity, with its unit written next to the number, of a kind kg keeps (price, valuation,
funding, revenue, net profit, investment income, assets, market size, deal value,
investment, production capacity, shipments, computing capacity, accelerator cards; percent:
share, growth rate (signed: a fall is negative), return) and the entity the number belongs to
is clear (the subject the clause attaches it to; `about` is its span).  Not facts: model
numbers and specifications (D90, 720P, 18-55mm, 1800万像素), counts (62只基金), index points,
limits and rules (不低于80%, 不超过0.3%), averages or totals of unnamed groups (股票型基金平均),
one number shared by a list of entities, hypothetical sums, numbers without a unit.

Halves, by line number: odd lines are the half the rules were tuned on, even lines are held
out.  A measurement kg makes is right when the sample labels its number a fact with the same
kind and value (compared in base units) and kg's entity is the labelled one (overlapping span,
same name, or resolved to the same entity).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "training" / "annotations" / "quantities.jsonl"
DATASETS = ROOT.parent / "shared" / "datasets"

_SCALE = {"billion": 1e9, "million": 1e6}


def base(value: float, unit: str) -> tuple[float, str]:
    """(value, unit) in base units: (2.4, "billion CNY") -> (2.4e9, "CNY")."""
    head, _, rest = unit.partition(" ")
    if head in _SCALE and rest:
        return value * _SCALE[head], rest
    return value, unit


def _rows(root: Path, dataset: str, cache: dict) -> list[str]:
    if dataset not in cache:
        raw = (root / dataset).read_text("utf-8").split("\n")
        if dataset.startswith("thucnews/"):
            cache[dataset] = [x.split("\t", 1)[-1] for x in raw]
        else:
            cache[dataset] = [json.loads(x)["text"] if x.strip() else "" for x in raw]
    return cache[dataset]


def load_sample(path: Path = SAMPLE) -> dict[tuple[str, int, int, int], list[dict]]:
    """Records grouped by sentence: (dataset, line, sentence start, sentence end) -> records."""
    out: dict[tuple[str, int, int, int], list[dict]] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            a, b = r["sentence"]
            out.setdefault((r["dataset"], int(r["line"]), a, b), []).append(r)
    return out


def _same(x: float, y: float) -> bool:
    return abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y))


def evaluate(root: Path = DATASETS, sample: Path = SAMPLE, show: bool = False) -> dict[str, dict]:
    """Run kg on every sentence of the sample; counts and P/R per half ("tuned", "held-out")."""
    from kg import lexicon as lexmod
    from kg.nlp import text_doc
    from kg.pipeline import run

    lex = lexmod.load()
    cache: dict = {}
    stats = {h: {"made": 0, "right": 0, "facts": 0, "found": 0, "sentences": 0, "numbers": 0} for h in ("tuned", "held-out")}
    for (ds, li, a, b), recs in sorted(load_sample(sample).items()):
        half = "tuned" if li % 2 else "held-out"
        st = stats[half]
        st["sentences"] += 1
        st["numbers"] += len(recs)
        st["facts"] += sum(1 for r in recs if r["is_fact"])
        text = _rows(root, ds, cache)[li - 1][a:b]
        doc, _ents = run(text_doc(text), lex)
        found = set()
        for q in doc.quantities:
            st["made"] += 1
            m = doc.mentions[q.about]
            rec = next((r for r in recs if q.start <= r["start"] - a and r["end"] - a <= q.end), None)
            ok = False
            if rec is not None and rec["is_fact"] and rec["kind"] == q.kind:
                v1, u1 = base(q.value, q.unit)
                v2, u2 = base(float(rec["value"]), rec["unit"])
                if u1 == u2 and _same(v1, v2):
                    s0, s1 = rec["about"][0] - a, rec["about"][1] - a
                    name = doc.folded[s0:s1]
                    keys = {x.key for x in doc.mentions if x.start < s1 and s0 < x.end and x.key}
                    ok = (m.start < s1 and s0 < m.end) or doc.folded[m.start : m.end] == name or (m.key is not None and m.key in keys)
            if ok:
                st["right"] += 1
                found.add(id(rec))
            if show:
                print(f"{'ok ' if ok else 'BAD'} {half:8} {ds}:{li} {q.kind} {q.value} {q.unit} about {m.surface!r} "
                      f"[{text[q.start:q.end]}] {'label: ' + (str((rec['kind'], rec['value'], rec['unit'])) if rec and rec['is_fact'] else 'no fact') }")
        st["found"] += len(found)
        if show:
            for r in recs:
                if r["is_fact"] and id(r) not in found:
                    s0, s1 = r["about"][0] - a, r["about"][1] - a
                    print(f"MISS {half:8} {ds}:{li} {r['kind']} {r['value']} {r['unit']} about {text[s0:s1]!r} [{text[r['start'] - a:r['end'] - a]}]")
    for st in stats.values():
        st["precision"] = st["right"] / st["made"] if st["made"] else 1.0
        st["recall"] = st["found"] / st["facts"] if st["facts"] else 1.0
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.quantities", description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=DATASETS, help="the shared datasets folder (default ../shared/datasets)")
    ap.add_argument("--show", action="store_true", help="list every measurement made and every fact missed")
    args = ap.parse_args(argv)
    if not (args.root / "thucnews").is_dir():
        print(f"skipped: the shared datasets are not at {args.root} (the sample points into them)")
        return 0
    stats = evaluate(args.root, show=args.show)
    for half, st in stats.items():
        print(f"{half:8}  sentences {st['sentences']:3}  numbers {st['numbers']:3}  facts {st['facts']:3}  "
              f"made {st['made']:3}  right {st['right']:3}  precision {st['precision']:.3f}  recall {st['recall']:.3f}")
    made = sum(s["made"] for s in stats.values())
    right = sum(s["right"] for s in stats.values())
    print(f"all       precision {right / made if made else 1.0:.3f} ({right}/{made})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
