"""Readers for the relation classifier's data: FinRE, Re-DocRED, kg's stand-off annotations.

Every source becomes a list of `RelSent`: one sentence in folded text (kg.normalise.fold, as at run
time), its mentions (start, end, kgo class; sorted, not overlapping) and labels for ordered pairs
of mention indices i < j (text order): a class name of the classifier ("none", "acquires>" when
the left mention is the subject, "acquires<" when the right one is), or None for a pair to leave
out (ambiguous).  `complete` says whether unlisted pairs are negatives (annotations, Re-DocRED)
or unknown (FinRE labels only the pairs it lists).

No text of the datasets is written anywhere: records point into ../shared/datasets.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.normalise import fold

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
SYMMETRIC = frozenset({"partnerOf", "competesWith", "heldWith"})

# FinRE label (head -> tail) -> (kg predicate, head is subject?).  None: a negative.  Labels left
# out of the map are ambiguous for kg (direction or predicate unclear) and are not trained on.
FINRE_MAP: dict[str, tuple[str, bool] | None] = {
    "收购": ("acquires", True),
    "被收购": ("acquires", False),
    "拟收购": ("acquires", True),
    "被拟收购": ("acquires", False),
    "持股": ("investsIn", True),
    "被持股": ("investsIn", False),
    "入股": ("investsIn", True),
    "被入股": ("investsIn", False),
    "注资": ("investsIn", True),
    "被注资": ("investsIn", False),
    "增持": ("investsIn", True),
    "被增持": ("investsIn", False),
    "买资": ("investsIn", True),
    "被买资": ("investsIn", False),
    "合作": ("partnerOf", True),
    "签约": ("partnerOf", True),
    "合资": ("partnerOf", True),
    "竞争": ("competesWith", True),
    "拥有": ("subsidiaryOf", False),
    "被拥有": ("subsidiaryOf", True),  # A 拥有 B => B subsidiaryOf A
    "成立": ("founderOf", True),
    "被成立": ("founderOf", False),  # A 成立 B => A founderOf B
    "unknown": None,
    "自己": None,
    "减持": None,
    "被减持": None,
    "纠纷": None,
    "分析": None,
    "被分析": None,
    "帮助": None,
    "被帮助": None,
    "欠款": None,
    "被欠款": None,
    "商讨": None,
    "发行": None,
    "被发行": None,
    "转让": None,
    "被转让": None,
    # 交易, 订单 (a supplier/customer link of unknown direction), 重组, 合并 (merger, direction
    # unknown), 借壳 (backdoor listing, close to acquires): left out, neither positive nor negative.
}

# Re-DocRED Wikidata property -> (kg predicate, head is subject?, allowed (head, tail) coarse types or None)
REDOCRED_MAP: dict[str, tuple[str, bool, set | None]] = {
    "P112": ("founderOf", False, None),  # founded by: tail founderOf head
    "P159": ("locatedIn", True, None),  # headquarters location
    "P749": ("subsidiaryOf", True, {("ORG", "ORG")}),  # parent organization
    "P355": ("subsidiaryOf", False, {("ORG", "ORG")}),  # subsidiary
    "P127": ("subsidiaryOf", True, {("ORG", "ORG")}),  # owned by
    "P178": ("develops", False, None),  # developer
    "P176": ("manufactures", False, None),  # manufacturer
    "P1056": ("manufactures", True, {("ORG", "PRD")}),  # product or material produced
    "P108": ("employeeOf", True, {("PER", "ORG")}),  # employer
    "P169": ("executiveOf", False, {("ORG", "PER")}),  # chief executive officer
    "P488": ("executiveOf", False, {("ORG", "PER")}),  # chairperson
    "P1037": ("executiveOf", False, {("ORG", "PER")}),  # director / manager
    "P131": ("locatedIn", True, None),  # located in the administrative territorial entity
    "P17": ("locatedIn", True, {("ORG", "LOC"), ("LOC", "LOC"), ("PRD", "LOC"), ("OTH", "LOC")}),  # country
    "P276": ("locatedIn", True, None),  # location
    "P706": ("locatedIn", True, {("LOC", "LOC")}),  # located on terrain feature
    "P150": ("locatedIn", False, {("LOC", "LOC")}),  # contains administrative territorial entity
    "P463": ("partOf", True, {("ORG", "ORG")}),  # member of (organisations)
    "P361": ("partOf", True, {("ORG", "ORG"), ("LOC", "LOC")}),  # part of
    "P527": ("partOf", False, {("ORG", "ORG"), ("LOC", "LOC")}),  # has part
    "P137": ("operates", False, None),  # operator
    "P710": ("speaksAt", False, {("OTH", "PER")}),  # participant (of an event): weak, kept narrow
}
_DOCRED_TYPE = {"PER": "Person", "ORG": "Organization", "LOC": "Place", "MISC": "Product"}
_DOCRED_COARSE = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "MISC": "PRD"}

# Annotators' inverse properties -> canonical (predicate, reverse?)
INVERSE = {
    "customerOf": "supplies",
    "hosts": "hostedAt",
    "validatedBy": "validates",
    "hasPart": "partOf",
    "hasSubsidiary": "subsidiaryOf",
    "developedBy": "develops",
    "manufacturedBy": "manufactures",
    "builtBy": "builds",
    "operatedBy": "operates",
    "hasInvestor": "investsIn",
    "acquiredBy": "acquires",
    "foundedBy": "founderOf",
    "hasSpeaker": "speaksAt",
    "deployedAt": "deploys",
}
# When one pair carries several predicates, the most specific one is the label.
PRIORITY = [
    "executiveOf",
    "founderOf",
    "employeeOf",
    "acquires",
    "subsidiaryOf",
    "investsIn",
    "supplies",
    "manufactures",
    "develops",
    "deploys",
    "validates",
    "builds",
    "operates",
    "listedOn",
    "hostedAt",
    "locatedIn",
    "speaksAt",
    "launchedAt",
    "heldWith",
    "partnerOf",
    "competesWith",
    "partOf",
    "affiliatedWith",
]


@dataclass
class RelSent:
    id: str
    source: str  # finre, redocred, ann, dev
    text: str  # folded
    ments: list[tuple[int, int, str]]
    labels: dict[tuple[int, int], str | None] = field(default_factory=dict)
    complete: bool = True
    raw: str = ""  # unfolded sentence (only for inspection, never written out)


def label_for(pred: str, left_is_subject: bool) -> str:
    if pred in SYMMETRIC:
        return pred + ">"
    return pred + (">" if left_is_subject else "<")


def _dedup(ments: list[tuple[int, int, str]]) -> tuple[list[tuple[int, int, str]], dict[int, int]]:
    """Sort mentions by start and drop those overlapping a longer one; old index -> new index."""
    order = sorted(range(len(ments)), key=lambda k: (-(ments[k][1] - ments[k][0]), ments[k][0]))
    taken: list[int] = []
    for k in order:
        s, e, _ = ments[k]
        if all(e <= ments[t][0] or s >= ments[t][1] for t in taken):
            taken.append(k)
    taken.sort(key=lambda k: ments[k][0])
    return [ments[k] for k in taken], {k: n for n, k in enumerate(taken)}


def _pair_label(labels: dict, a: int, b: int, pred: str | None, a_is_subject: bool) -> None:
    """Set the label of pair (a, b) (mention indices, any order); a positive beats none, and
    the more specific predicate beats the other."""
    if a == b:
        return
    i, j = min(a, b), max(a, b)
    new = "none" if pred is None else label_for(pred, (a == i) == a_is_subject)
    old = labels.get((i, j), "missing")
    if old == "missing" or old == "none":
        labels[(i, j)] = new
    elif old is not None and new != "none" and old != new:
        po, pn = PRIORITY.index(old[:-1]), PRIORITY.index(new[:-1])
        if pn < po:
            labels[(i, j)] = new


# FinRE labels two companies of one trade competitors even where the sentence only lists them;
# kg states competition only when the sentence says so.
_COMPETITION = re.compile(
    r"竞争|对手|抢|争夺|角逐|对标|比肩|挑战|份额|领先|超越|超过|落后|追赶|赶超|老大|老二|第一|第二|龙头|垄断|价格战|之争|打压|pk|vs|"
    r"\bcompet|\brival"
)


# --- FinRE ------------------------------------------------------------------------------------


def read_finre(
    path: Path, limit: int | None = None, exclude: set[str] | None = None, clean: bool = False
) -> list[RelSent]:
    """FinRE `head TAB tail TAB label TAB sentence` lines: one RelSent per distinct sentence, the
    marked names found in it (every occurrence a mention, class Company), the listed pairs labelled.
    `clean` (for training) leaves out 竞争 pairs whose sentence has no word of competition."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    first_line: dict[str, int] = {}
    n = 0
    with open(path, encoding="utf-8") as fh:
        for ln_no, ln in enumerate(fh, 1):
            parts = ln.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            h, t, lab, sent = parts
            if exclude and sent in exclude:
                continue
            n += 1
            if limit and n > limit:
                break
            groups.setdefault(sent, []).append((h, t, lab))
            first_line.setdefault(sent, ln_no)
    out = []
    for sent, insts in groups.items():
        f = fold(sent)
        names = sorted({fold(x) for h, t, _ in insts for x in (h, t)}, key=lambda x: (-len(x), x))
        spans: list[tuple[int, int, str]] = []
        for nm in names:
            if not nm:
                continue
            for m in re.finditer(re.escape(nm), f):
                if all(m.end() <= s or m.start() >= e for s, e, _ in spans):
                    spans.append((m.start(), m.end(), "Company"))
        ments, _ = _dedup(spans)
        occ: dict[str, list[int]] = {}
        for k, (s, e, _) in enumerate(ments):
            occ.setdefault(f[s:e], []).append(k)
        labels: dict[tuple[int, int], str | None] = {}
        for h, t, lab in insts:
            hk, tk = occ.get(fold(h)), occ.get(fold(t))
            if not hk or not tk or fold(h) == fold(t):
                continue
            a, b = min(((x, y) for x in hk for y in tk), key=lambda p: abs(ments[p[0]][0] - ments[p[1]][0]))
            i, j = min(a, b), max(a, b)
            if lab not in FINRE_MAP:
                if labels.get((i, j), "none") == "none":
                    labels[(i, j)] = None  # ambiguous label: leave the pair out
                continue
            m = FINRE_MAP[lab]
            if clean and m is not None and m[0] == "competesWith" and not _COMPETITION.search(f):
                m = ()  # competition read from world knowledge (two banks in a list): not trained on
            if m == ():
                if labels.get((i, j), "none") == "none":
                    labels[(i, j)] = None
                continue
            if m is None:
                labels.setdefault((i, j), "none")
            else:
                if labels.get((i, j)) in ("none", None):
                    labels.pop((i, j), None)
                _pair_label(labels, a, b, m[0], m[1])
        if labels:
            out.append(
                RelSent(f"finre:{path.name}:{first_line[sent]}", "finre", f, ments, labels, False, sent)
            )
    return out


# --- Re-DocRED --------------------------------------------------------------------------------

_NOSPACE_BEFORE = {",", ".", ";", ":", ")", "]", "'s", "n't", "%", "?", "!", "'"}


def _detok(tokens: list[str]) -> tuple[str, list[int], list[int]]:
    text, starts, ends = "", [], []
    for k, t in enumerate(tokens):
        if k and t not in _NOSPACE_BEFORE and tokens[k - 1] not in ("(", "[", "$"):
            text += " "
        starts.append(len(text))
        text += t
        ends.append(len(text))
    return text, starts, ends


def read_redocred(
    path: Path, docs: slice | None = None, every: tuple[int, int] | None = None
) -> list[RelSent]:
    """Re-DocRED documents: each sentence with two or more mentions; pairs of mentions of two
    entities in one sentence are candidates.  A mapped relation whose evidence includes the
    sentence labels the pair; a mapped relation with other evidence leaves the pair out."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if docs is not None:
        data = data[docs]
    out = []
    for d_no, doc in enumerate(data):
        if every and d_no % every[0] not in every[1:]:
            continue
        rels: dict[tuple[int, int], list[tuple[str, list[int]]]] = {}
        for lab in doc["labels"]:
            rels.setdefault((lab["h"], lab["t"]), []).append((lab["r"], lab.get("evidence") or []))
        per_sent: dict[int, list[tuple[int, int, int, str]]] = {}
        for ent, vs in enumerate(doc["vertexSet"]):
            for v in vs:
                if v["type"] in _DOCRED_TYPE:
                    per_sent.setdefault(v["sent_id"], []).append((v["pos"][0], v["pos"][1], ent, v["type"]))
        for sid, vs in per_sent.items():
            if len({v[2] for v in vs}) < 2:
                continue
            raw, st, en = _detok(doc["sents"][sid])
            f = fold(raw)
            spans = [(st[a], en[b - 1], _DOCRED_TYPE[ty]) for a, b, _, ty in vs]
            ents = {(st[a], en[b - 1]): (e, ty) for a, b, e, ty in vs}
            ments, _ = _dedup(spans)
            ment_ent = [ents[(s, e)] for s, e, _ in ments]
            labels: dict[tuple[int, int], str | None] = {}
            for i in range(len(ments)):
                for j in range(i + 1, len(ments)):
                    (ei, ti), (ej, tj) = ment_ent[i], ment_ent[j]
                    if ei == ej:
                        labels[(i, j)] = None
                        continue
                    labels[(i, j)] = "none"
                    for (h, t), (a, b) in (((ei, ej), (i, j)), ((ej, ei), (j, i))):
                        th, tt = (ti, tj) if h == ei else (tj, ti)
                        for r, ev in rels.get((h, t), []):
                            mp = REDOCRED_MAP.get(r)
                            if mp is None:
                                continue
                            pred, head_subj, allowed = mp
                            if (
                                allowed is not None
                                and (_DOCRED_COARSE[th], _DOCRED_COARSE[tt]) not in allowed
                            ):
                                continue
                            if ev and sid not in ev:
                                if labels[(i, j)] == "none":
                                    labels[(i, j)] = None
                                continue
                            if labels[(i, j)] is None:
                                labels[(i, j)] = "none"
                            _pair_label(labels, a, b, pred, head_subj)
            out.append(RelSent(f"redocred:{d_no}:{sid}", "redocred", f, ments, labels, True, raw))
    return out


# --- kg's stand-off annotations ---------------------------------------------------------------

_SENT = re.compile(r"[^。！？!?]+[。！？!?]?")


@lru_cache(maxsize=8)
def _lines(dataset: str) -> list[str]:
    p = SHARED / dataset
    if dataset.startswith("msra/"):
        out, chars = [], []
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            for ln in list(fh) + [""]:
                ln = ln.rstrip("\n")
                if ln:
                    chars.append(ln.split("\t")[0])
                elif chars:
                    out.append("".join(chars))
                    chars = []
        return out
    return p.read_text(encoding="utf-8").split("\n")


def sentence_text(dataset: str, line: int, offset: int = 0) -> str:
    """The sentence a stand-off record points at (1-based line; THUCNews: offset into the article)."""
    raw = _lines(dataset)[line - 1]
    if dataset.startswith("cluener2020/"):
        return json.loads(raw)["text"]
    if dataset.startswith("finre/"):
        return raw.split("\t")[3]
    if dataset.startswith("thucnews/"):
        body = raw.split("\t", 1)[1]
        m = _SENT.match(body, offset)
        return m.group() if m else body[offset:]
    return raw


def record_key(r: dict) -> str:
    return f"{r['dataset']}:{r['line']}:{r.get('offset', 0)}"


def held_out(r: dict) -> bool:
    """20 % of annotated sentences, by a hash of the record's key, are kg's own validation."""
    return int(hashlib.sha1(record_key(r).encode()).hexdigest(), 16) % 5 == 0


def read_records(paths: list[Path]) -> list[dict]:
    out = []
    for p in paths:
        for ln in Path(p).read_text(encoding="utf-8").splitlines():
            ln = ln.strip()
            if not ln:
                continue
            try:
                r = json.loads(ln)
            except json.JSONDecodeError:
                continue  # a line being written right now
            r.setdefault("annotator", Path(p).stem[-1])
            out.append(r)
    return out


def from_record(r: dict, source: str) -> RelSent | None:
    try:
        raw = sentence_text(r["dataset"], r["line"], r.get("offset", 0))
    except (IndexError, KeyError, FileNotFoundError, json.JSONDecodeError):
        return None
    f = fold(raw)
    spans = []
    for e in r.get("entities", []):
        s, en = e["start"], e["end"]
        if not (0 <= s < en <= len(raw)):
            return None
        spans.append((s, en, e["class"]))
    ments, remap = _dedup(spans)
    labels: dict[tuple[int, int], str | None] = {}
    for i in range(len(ments)):
        for j in range(i + 1, len(ments)):
            labels[(i, j)] = "none"
    for rel in r.get("relations", []):
        p, s, o = rel["predicate"], rel["subject"], rel["object"]
        if p in INVERSE:
            p, s, o = INVERSE[p], o, s
        if s not in remap or o not in remap or p not in PRIORITY:
            continue
        a, b = remap[s], remap[o]
        _pair_label(labels, a, b, p, True)
    return RelSent(f"{source}:{record_key(r)}:{r.get('annotator', '')}", source, f, ments, labels, True, raw)


def read_annotations(paths: list[Path]) -> tuple[list[RelSent], list[RelSent]]:
    """kg's annotation files -> (training, held-out).  Training keeps both copies of a doubly
    annotated sentence; the held-out set keeps one (the first annotator's in file order)."""
    train, held, seen = [], [], set()
    for r in read_records(paths):
        rs = from_record(r, "ann")
        if rs is None:
            continue
        if held_out(r):
            if record_key(r) in seen:
                continue
            seen.add(record_key(r))
            held.append(rs)
        else:
            train.append(rs)
    return train, held


def read_dev(folder: Path) -> list[RelSent]:
    """kg-relations-dev (validation only): one record per sentence (annotator a's where both did it)."""
    out, seen = [], set()
    for r in read_records(sorted(Path(folder).glob("*.jsonl"))):
        k = (r["dataset"], r["line"])
        if k in seen:
            continue
        seen.add(k)
        rs = from_record(r, "dev")
        if rs is not None:
            out.append(rs)
    return out
