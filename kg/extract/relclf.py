"""Relation classifier: every ordered pair of mentions of one sentence, scored by a trained linear model.

The model (trained by `python -m training.relations`, see docs/models.md) is plain data in
`kg/models/rel-clf.npz`: a feature vocabulary, a weight matrix (feature x class) and a temperature
for calibrated probabilities.  Inference needs only numpy and the standard library.

A candidate is a pair of mentions (left, right) in one sentence, in text order.  The classes are
`none` and `PRED>` (left is the subject) / `PRED<` (right is the subject); symmetric predicates
(partnerOf, competesWith, heldWith) have `PRED>` only.  Features (all on folded text):

- the two classes (fine and coarse), their order, how many mentions and tokens lie between;
- the tokens between (Latin words, digits as 0, every other character a token; mentions between
  stand as @CLASS), their bigrams, the first/last two tokens between, the same conjoined with the
  coarse class pair; three tokens to the left of the pair and to the right;
- punctuation between, negation and hedging cues in the sentence and between the pair;
- whether the two names are the same string or one contains the other.

`classify()` returns facts above `min_conf`; a negated, denied or rumoured pair (kg's `_NEG`
cues plus hedges such as 传闻 / rumour near the pair) never becomes a fact, whatever the model says.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "rel-clf.npz"

SYMMETRIC = frozenset({"partnerOf", "competesWith", "heldWith"})

_COARSE = {
    "Organization": "ORG",
    "Company": "ORG",
    "ResearchInstitute": "ORG",
    "GovernmentBody": "ORG",
    "University": "ORG",
    "Publisher": "ORG",
    "Investor": "ORG",
    "Person": "PER",
    "Place": "LOC",
    "Country": "LOC",
    "Province": "LOC",
    "City": "LOC",
    "District": "LOC",
    "Product": "PRD",
    "Chip": "PRD",
    "AIModel": "PRD",
    "Technology": "TEC",
    "Event": "EVT",
    "ComputeCenter": "FAC",
    "Facility": "FAC",
    "Project": "PRJ",
}

# Sentence ends for candidate pairs (a pair never crosses one).
_SENT_END = re.compile(r"[。！？；!?;\n]|\.(?=\s|$)")
_TOKEN = re.compile(r"<n>|[a-z]+(?:'[a-z]+)?|[0-9]+(?:[.,][0-9]+)*|\S")
_PUNCT = frozenset("，,、：:（）()《》\"'“”‘’-—/·")

# kg's negation veto (kg/extract/relations.py `_NEG`), applied between the two names and just
# after the second; hedges (rumours, denials, reports) also anywhere before the first.
_NEG_OWN = re.compile(
    r"(?:并未|尚未|未能|未曾|没有|否认|并非|不会|无意|终止|放弃|未(?!来))"
    r"|\b(?:not|never|denied|denies|deny|no plans|won't|didn't|doesn't|terminated|abandoned|called off|rumou?red)\b"
)
_HEDGE = re.compile(
    r"传闻|传言|据传|谣言|不实|辟谣|否认|"
    r"\b(?:rumou?r(?:s|ed)?|denied|denies|deny|reportedly|speculation|speculated)\b"
)
_CUES = re.compile(
    r"否认|传闻|传言|据传|谣言|不实|辟谣|澄清|并未|尚未|未能|没有|并非|不会|无意|终止|放弃|拟|计划|将|有望|或将|可能|意向|洽谈|商讨|筹划|"
    r"\b(?:not|never|denied|denies|rumou?r\w*|reportedly|plans?|planned|may|might|could|would|talks|considering|expected)\b"
)

CTX = 3  # tokens of context left of the pair and right of it
MAX_MENTIONS_BETWEEN = 3  # names between the two; farther pairs are not candidates
MAX_BETWEEN = 60  # tokens between the two names; farther pairs are not candidates


def coarse(cls: str) -> str:
    return _COARSE.get(cls, "OTH")


def _norm(tok: str) -> str:
    return "0" if tok[0].isdigit() or tok == "<n>" else tok


def tokens(text: str) -> list[str]:
    return [_norm(t) for t in _TOKEN.findall(text)]


_ABBREV = re.compile(
    r"(?:\b(?:inc|corp|co|ltd|plc|llc|mr|mrs|ms|dr|prof|no|vs|st|jr|sr|u\.s|e\.g|i\.e|etc|jan|feb|aug|sept|oct|nov|dec)"
    r"|\b[a-z])$"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences (and ;-clauses) of folded text; a full stop after an abbreviation (inc., co.,
    a single letter) does not end one."""
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        if m.group() == "." and _ABBREV.search(text[max(0, m.start() - 6) : m.start()]):
            continue
        out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _bucket(n: int) -> str:
    return (
        "0"
        if n == 0
        else "1"
        if n == 1
        else "2"
        if n == 2
        else "3"
        if n <= 4
        else "5"
        if n <= 7
        else "8"
        if n <= 12
        else "13"
        if n <= 20
        else "21"
    )


def sentence_features(
    sent: str,
    ments: list[tuple[int, int, str]],
    max_between: int = MAX_BETWEEN,
    allowed: frozenset | None = None,
):
    """Candidate pairs of one sentence and their features.

    `sent` is folded text, `ments` are (start, end, class) offsets into `sent`, sorted by start and
    not overlapping.  Yields (i, j, [feature strings]) for i < j (text order), for pairs whose
    coarse classes (in text order, e.g. "ORGLOC") are in `allowed` (all when None).

    Coordinated lists (A、B和C) distribute: a pair whose left name ends a list's run of members, or
    whose right name sits inside a list, is described by the words around the list's nearest
    member (the pair's context), so "X联合了A、B、C" tells the same of B and C as of A."""
    n = len(ments)
    if n < 2:
        return
    gaps = [tokens(sent[ments[k][1] : ments[k + 1][0]]) for k in range(n - 1)]
    left0 = [tokens(sent[max(0, ments[k][0] - 12) : ments[k][0]])[-CTX:] for k in range(n)]
    right0 = [tokens(sent[ments[k][1] : ments[k][1] + 12])[:CTX] for k in range(n)]
    cues = _CUES.findall(sent)
    sent_cues = ["q:" + c for c in dict.fromkeys(cues)]
    names = [sent[s:e] for s, e, _ in ments]
    cls = [c for _, _, c in ments]
    grp = [coarse(c) for c in cls]
    joined = [bool(g) and len(g) <= 2 and all(t in _LIST_SEP for t in g) for g in gaps]
    head = list(range(n))
    for k in range(1, n):
        if joined[k - 1]:
            head[k] = head[k - 1]
    tail = list(range(n))
    for k in range(n - 2, -1, -1):
        if joined[k]:
            tail[k] = tail[k + 1]

    def between_of(a: int, b: int) -> list[str]:
        out = list(gaps[a])
        for k in range(a + 1, b):
            out.append("@" + grp[k])
            out += gaps[k]
        return out

    for i in range(n - 1):
        between: list[str] = []
        for j in range(i + 1, n):
            if j > i + 1:
                between = between + ["@" + grp[j - 1]] + gaps[j - 1]
            else:
                between = list(gaps[i])
            if len(between) > max_between:
                break
            gp = grp[i] + grp[j]
            if allowed is not None and gp not in allowed:
                continue
            a, b, bt, lst = i, j, between, False
            if head[j] != head[i]:  # not mates of one list
                if tail[i] < j and tail[i] != i:
                    a, lst = tail[i], True
                if head[j] > a and head[j] != j:
                    b, lst = head[j], True
                if lst:
                    bt = between_of(a, b)
            if b - a - 1 > MAX_MENTIONS_BETWEEN:
                continue
            f = _pair_features(bt, gp, cls[i] + ">" + cls[j], b - a - 1, left0[a], right0[b], sent_cues, cues)
            if lst:
                f += ["lst", "lst:" + gp]
            # name endings tell the kind of organisation (银行, 集团, 证券, 基金, inc.)
            si, sj = names[i][-2:], names[j][-2:]
            f += ["hs:" + si, "ts:" + sj, "st:" + si + ">" + sj]
            if si == sj:
                f.append("ss:" + gp)
            if names[i] == names[j]:
                f.append("same")
            elif names[j] in names[i]:
                f += ["subL", "subL:" + gp]
            elif names[i] in names[j]:
                f += ["subR", "subR:" + gp]
            elif names[i][:2] == names[j][:2]:
                f += ["pre2", "pre2:" + gp]
            yield i, j, f


_LIST_SEP = frozenset({"、", ",", "，", "和", "与", "及", "或", "and", "&", "or"})


def _pair_features(
    between: list[str], gp: str, cc: str, n_between: int, lt: list[str], rt: list[str], sent_cues, cues
) -> list[str]:
    nb = len(between)
    f = [
        "bias",
        "c:" + cc,
        "g:" + gp,
        "n:" + str(min(n_between, 3)),
        "d:" + _bucket(nb),
        "gd:" + gp + _bucket(nb),
    ]
    core = between if nb <= 20 else between[:8] + ["…"] + between[-8:]
    f += ["w:" + t for t in core]
    f += ["v:" + a + b for a, b in zip(core, core[1:], strict=False)]
    if nb:
        f += ["a1:" + between[0], "b1:" + between[-1], "ga1:" + gp + between[0], "gb1:" + gp + between[-1]]
        if nb > 1:
            a2, b2 = between[0] + between[1], between[-2] + between[-1]
            f += ["a2:" + a2, "b2:" + b2, "ga2:" + gp + a2, "gb2:" + gp + b2]
        if nb <= 12:
            f += ["V:" + gp + a + b for a, b in zip(between, between[1:], strict=False)]
            f += ["W:" + gp + t for t in between if t not in _PUNCT]
    else:
        f.append("adj:" + gp)
    if lt:
        f += ["l1:" + lt[-1], "gl1:" + gp + lt[-1]]
        if len(lt) > 1:
            f += ["l2:" + lt[-2] + lt[-1]]
        f += ["lw:" + t for t in lt]
    else:
        f.append("l0")
    if rt:
        f += ["r1:" + rt[0], "gr1:" + gp + rt[0]]
        if len(rt) > 1:
            f += ["r2:" + rt[0] + rt[1]]
        f += ["rw:" + t for t in rt]
    else:
        f.append("r0")
    commas = sum(t in ("，", ",", "；", ";") for t in between)
    f.append("cm:" + str(min(commas, 3)))
    f += sent_cues
    if cues:
        bt = "".join(between)
        f += ["qb:" + c for c in sent_cues if c[2:] in bt]
    return f


class Model:
    """The exported classifier: vocabulary, weights, classes, temperature."""

    def __init__(self, path: str | Path = MODEL_PATH):
        z = np.load(path, allow_pickle=False)
        feats = z["features"].tobytes().decode("utf-8").split("\x00")
        self.index = {f: k for k, f in enumerate(feats)}
        W = z["W"].astype(np.float32)
        self.W = np.vstack([W, np.zeros((1, W.shape[1]), np.float32)])  # row -1: unknown features
        self.b = z["b"].astype(np.float32)
        self.classes = z["classes"].tobytes().decode("utf-8").split("\x00")
        self.meta = json.loads(z["meta"].tobytes().decode("utf-8"))
        self.T = float(self.meta.get("temperature", 1.0))
        self.none = self.classes.index("none")
        self.max_between = int(self.meta.get("max_between", MAX_BETWEEN))
        self.allowed = frozenset(self.meta["pairs"]) if "pairs" in self.meta else None

    def probs(self, feats: list[list[str]]) -> np.ndarray:
        """Calibrated class probabilities, one row per feature list."""
        if not feats:
            return np.zeros((0, len(self.classes)), np.float32)
        get = self.index.get
        idx: list[int] = []
        starts = np.empty(len(feats), np.int64)
        for r, fs in enumerate(feats):
            starts[r] = len(idx)
            idx.extend(map(get, fs, repeat(-1)))  # unknown features -> -1, the zero row
        z = np.add.reduceat(self.W[np.asarray(idx, np.int64)], starts, axis=0) + self.b
        z = z / self.T
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


@lru_cache(maxsize=2)
def load(path: str | None = None) -> Model:
    return Model(path or MODEL_PATH)


@lru_cache(maxsize=1)
def _neg() -> re.Pattern:
    try:  # kg's own veto, kept in step with the rule patterns
        from .relations import _NEG

        return _NEG
    except ImportError:  # pragma: no cover
        return _NEG_OWN


def negated(sent: str, a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    """A negation between the two names or just after the second, or a hedge (rumour, denial)
    there or anywhere before the first in the sentence: the pair is no fact."""
    between_after = sent[a[1] : b[0]] + " " + sent[b[1] : min(len(sent), b[1] + 10)]
    before = sent[: a[0]]
    kg_neg = _neg()
    return bool(kg_neg.search(between_after) or _HEDGE.search(before + " " + between_after))


def classify(
    text_folded: str,
    mentions: list[tuple[int, int, str]],
    lang: str = "zh-Hans",
    min_conf: float = 0.5,
    model: Model | None = None,
    sentences: list[tuple[int, int]] | None = None,
) -> list[tuple[int, int, str, float]]:
    """Facts among `mentions` (start, end, kgo class) of `text_folded`: (subject index, object
    index, predicate local name, confidence), for pairs within one sentence whose most probable
    predicate (with its direction) has a calibrated probability >= `min_conf` (0.5: precision
    first; 0.3 finds more at lower precision, see docs/models.md).  At most one fact per pair.
    Indices refer to `mentions`; overlapping mentions are not paired (pass the top-level ones).
    `sentences` (start, end) spans, sorted, e.g. those of `Doc.sentences`, replace the classifier's
    own split (sentence ends and semicolons); a pair never crosses a sentence end.  `lang` is
    not needed by the current model (its features cover both languages) and is kept for models
    per language."""
    m = model or load()
    spans = sorted(sentences) if sentences is not None else sentence_spans(text_folded)
    ends = [e for _, e in spans]
    by_sent: dict[int, list[int]] = {}
    for k, (s, e, _c) in enumerate(mentions):
        si = bisect_right(ends, s)
        if si < len(spans) and spans[si][0] <= s and e <= spans[si][1]:
            by_sent.setdefault(si, []).append(k)
    pairs: list[tuple[int, int, int, int, int]] = []  # sentence, local left/right, mention left/right
    feats: list[list[str]] = []
    local: dict[int, tuple[str, list[tuple[int, int, str]]]] = {}
    for si, ks in by_sent.items():
        if len(ks) < 2:
            continue
        ks.sort(key=lambda k: (mentions[k][0], -mentions[k][1]))
        kept, last_end = [], -1
        for k in ks:
            if mentions[k][0] >= last_end:
                kept.append(k)
                last_end = mentions[k][1]
        if len(kept) < 2:
            continue
        s0, s1 = spans[si]
        sent = text_folded[s0:s1]
        loc = [(mentions[k][0] - s0, mentions[k][1] - s0, mentions[k][2]) for k in kept]
        local[si] = (sent, loc)
        for i, j, f in sentence_features(sent, loc, m.max_between, m.allowed):
            pairs.append((si, i, j, kept[i], kept[j]))
            feats.append(f)
    if not feats:
        return []
    P = m.probs(feats)
    P[:, m.none] = -1.0
    best = P.argmax(axis=1)  # the most probable predicate, reported when its probability >= min_conf
    out = []
    for r, (si, i, j, ki, kj) in enumerate(pairs):
        c = int(best[r])
        conf = float(P[r, c])
        if conf < min_conf:
            continue
        sent, loc = local[si]
        if negated(sent, loc[i], loc[j]):
            continue
        label = m.classes[c]
        pred, d = label[:-1], label[-1]
        subj, obj = (ki, kj) if d == ">" else (kj, ki)
        out.append((subj, obj, pred, round(conf, 4)))
    return out
