"""`kg eval`: score the extractor on annotated data, the user's or the public benchmarks'.

Every format is read into the same shape (kg.datasets) and run through the same extractor as
`kg extract --lines` (kg.nlp), so a score printed here is the score of what `kg build` does.
Entity scores are exact span and type, per type and micro-averaged, on name mentions (nested
names and anaphors are not what NER benchmarks annotate).  kg's classes are mapped back to each
dataset's types by the tables below; a dataset's types that no kg class maps to are left out of
the score, and said so.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .datasets import DatasetError, Example, read_bio, read_cluener, read_finre, read_standoff

ORG_CLASSES = ("Company", "Organization", "GovernmentBody", "ResearchInstitute", "University", "Investor", "Publisher")
PLACE_CLASSES = ("Country", "Province", "City", "District", "Place")

# kg class -> dataset type, per dataset convention
CLUENER_MAP = {"Company": "company", "Investor": "company", "Publisher": "company",
               "Organization": "organization", "ResearchInstitute": "organization", "University": "organization",
               "GovernmentBody": "government", "Person": "name", **{c: "address" for c in PLACE_CLASSES}}
CLUENER_SCORED = ("company", "organization", "government", "name", "address")
COARSE_MAP = {"Person": "PER", **{c: "ORG" for c in ORG_CLASSES}, **{c: "LOC" for c in PLACE_CLASSES}}
COARSE_GOLD = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "person": "PER", "corporation": "ORG", "group": "ORG",
               "location": "LOC", "GPE": "LOC", "NR": "PER", "NT": "ORG", "NS": "LOC"}

# FinRE label -> (kg predicate, reversed?) : A label B means `A pred B`, or `B pred A` when reversed.
FINRE_TO_KG = {
    "收购": ("acquires", False), "拟收购": ("acquires", False), "被收购": ("acquires", True), "被拟收购": ("acquires", True),
    "持股": ("investsIn", False), "入股": ("investsIn", False), "注资": ("investsIn", False), "增持": ("investsIn", False),
    "买资": ("investsIn", False), "被持股": ("investsIn", True), "被入股": ("investsIn", True), "被注资": ("investsIn", True),
    "被增持": ("investsIn", True), "被买资": ("investsIn", True),
    "合作": ("partnerOf", None), "签约": ("partnerOf", None), "竞争": ("competesWith", None),
    "拥有": ("subsidiaryOf", True), "被拥有": ("subsidiaryOf", False),
    "成立": ("founderOf", False), "被成立": ("founderOf", True),
}
SYMMETRIC = {"partnerOf", "competesWith"}


@dataclass
class Scores:
    """Counts by type; `extra` holds figures of formats that have more than spans (FinRE)."""

    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    rel_tp: int = 0
    rel_fp: int = 0
    rel_fn: int = 0
    docs: int = 0
    extra: dict = field(default_factory=dict)

    @staticmethod
    def prf(tp: int, fp: int, fn: int) -> dict:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
                "gold": tp + fn, "predicted": tp + fp}

    def as_dict(self) -> dict:
        types = sorted(set(self.tp) | set(self.fn) | set(self.fp))
        out = {"documents": self.docs,
               "entities": {"micro": self.prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())),
                            **{t: self.prf(self.tp[t], self.fp[t], self.fn[t]) for t in types}}}
        if self.rel_tp or self.rel_fp or self.rel_fn:
            out["relations"] = self.prf(self.rel_tp, self.rel_fp, self.rel_fn)
        out.update(self.extra)
        return out


def tally(tp: Counter, fp: Counter, fn: Counter, pred: set, gold: set) -> None:
    """Count right, spurious and missed items by their type (the item's third field); shared
    by `kg eval` and the training scripts' validation."""
    for x in pred & gold:
        tp[x[2]] += 1
    for x in pred - gold:
        fp[x[2]] += 1
    for x in gold - pred:
        fn[x[2]] += 1


def detect_format(path: Path) -> str:
    """cluener | bio | finre | standoff | gold, from the file's name and first line."""
    if path.is_dir():
        return "bio"
    name = path.name.lower()
    if name.endswith(".gold.json"):
        return "gold"
    from .datasets import _open

    try:
        with _open(path) as fh:
            first = next((ln for ln in fh if ln.strip()), "")
    except (OSError, UnicodeDecodeError) as e:
        raise DatasetError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    if first.lstrip().startswith("{"):
        try:
            r = json.loads(first)
        except ValueError:
            r = {}
        if "dataset" in r and "entities" in r:
            return "standoff"
        if "text" in r and "label" in r:
            return "cluener"
        if "entities" in r and "document" in r:
            return "gold"
        raise DatasetError(f"{path}: JSON of an unknown shape (expected CLUENER2020, kg stand-off or a kg gold file)")
    if first.count("\t") == 3:
        return "finre"
    return "bio"


def _spans_of(result: dict, mapping: dict[str, str] | None) -> set[tuple[int, int, str]]:
    out = set()
    for e in result["entities"]:
        if e["kind"] != "name":
            continue
        t = mapping.get(e["class"]) if mapping is not None else e["class"]
        if t:
            out.add((e["start"], e["end"], t))
    return out


def score_examples(examples: Iterable[Example], extract: Callable[[str], dict], mapping: dict[str, str] | None,
                   gold_map: Callable[[str], str | None], on_doc: Callable[[], None] | None = None) -> Scores:
    """Exact span+type scores of `extract` over examples; relation P/R where examples carry them."""
    sc = Scores()
    scored = set(gold_map(t) for t in (mapping or {}).values()) if mapping is not None else None
    for ex in examples:
        res = extract(ex.text)
        gold = {(s, e, g) for s, e, t in ex.spans if (g := gold_map(t))}
        pred = _spans_of(res, mapping)
        if scored is not None:
            gold = {x for x in gold if x[2] in scored}
        tally(sc.tp, sc.fp, sc.fn, pred, gold)
        if mapping is None:  # kg's own schema: relations too, on pairs of entities both sides found
            _score_relations(sc, ex, res)
        sc.docs += 1
        if on_doc:
            on_doc()
    return sc


def _score_relations(sc: Scores, ex: Example, res: dict) -> None:
    """A gold relation is found when kg relates mentions with the same spans by the same
    predicate (either order for symmetric ones)."""
    span = [(e["start"], e["end"]) for e in res["entities"]]
    pred = set()
    for r in res["relations"]:
        a, b = span[r["subject"]], span[r["object"]]
        pred.add((a, r["predicate"], b))
        if r["predicate"] in SYMMETRIC:
            pred.add((b, r["predicate"], a))
    gold = set()
    for s, p, o in ex.relations:
        gold.add(((ex.spans[s][0], ex.spans[s][1]), p, (ex.spans[o][0], ex.spans[o][1])))
    found = {g for g in gold if g in pred}
    sc.rel_tp += len(found)
    sc.rel_fn += len(gold) - len(found)
    gold_spans = {(s, e) for s, e, _ in ex.spans}
    # precision among pairs of gold entities (kg may relate names the annotators did not mark)
    own = {(a, p, b) for a, p, b in pred if a in gold_spans and b in gold_spans}
    sym_dupes = sum(1 for a, p, b in own if p in SYMMETRIC and (b, p, a) in own and a > b)
    sc.rel_fp += len(own) - sym_dupes - len({x for x in own if x in gold})


def score_finre(path: Path, extract: Callable[[str], dict], on_doc: Callable[[], None] | None = None) -> Scores:
    """FinRE: for each pair whose label has a kg predicate, right when kg relates the two marked
    names with that predicate in that direction (symmetric predicates: either)."""
    sc = Scores()
    right = total = 0
    by_label: dict[str, list[int]] = {}
    cache: dict[str, dict] = {}
    for inst in read_finre(path):
        if inst.label not in FINRE_TO_KG:
            continue
        pred_name, reverse = FINRE_TO_KG[inst.label]
        res = cache.get(inst.sentence) or extract(inst.sentence)
        cache = {inst.sentence: res}  # FinRE lists both directions of a sentence one after the other
        ents = res["entities"]
        def ids(name: str, ents: list = ents) -> set[int]:
            return {i for i, e in enumerate(ents) if e["text"] == name or (name in e["text"] and len(name) >= 2)}
        h, t = ids(inst.head), ids(inst.tail)
        ok = False
        for r in res["relations"]:
            if r["predicate"] != pred_name:
                continue
            s, o = r["subject"], r["object"]
            if reverse is None or pred_name in SYMMETRIC:
                ok = (s in h and o in t) or (s in t and o in h)
            elif reverse:
                ok = s in t and o in h
            else:
                ok = s in h and o in t
            if ok:
                break
        total += 1
        right += ok
        by_label.setdefault(inst.label, [0, 0])
        by_label[inst.label][0] += ok
        by_label[inst.label][1] += 1
        sc.docs += 1
        if on_doc:
            on_doc()
    sc.extra["finre"] = {"accuracy": round(right / total, 4) if total else 0.0, "pairs": total,
                         "by_label": {k: f"{a}/{b}" for k, (a, b) in sorted(by_label.items(), key=lambda x: -x[1][1])}}
    return sc


def examples_for(path: Path, fmt: str, shared: Path | None) -> Iterator[Example]:
    if fmt == "cluener":
        return read_cluener(path)
    if fmt == "bio":
        return read_bio(path)
    if fmt == "standoff":
        if shared is None or not shared.is_dir():
            raise DatasetError("stand-off annotations point into the datasets: give their folder with --datasets DIR")
        return read_standoff(path, shared)
    raise DatasetError(f"{path}: no reader for format {fmt!r}")


def mapping_for(fmt: str, path: Path) -> tuple[dict[str, str] | None, Callable[[str], str | None]]:
    """(kg class -> scored type, gold type -> scored type) for a format."""
    if fmt == "cluener":
        return CLUENER_MAP, lambda t: t if t in CLUENER_SCORED else None
    if fmt == "bio":
        return COARSE_MAP, COARSE_GOLD.get
    return None, lambda t: t
