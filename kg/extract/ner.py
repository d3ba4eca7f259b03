"""The trained mention detector: linear-chain CRFs (python-crfsuite) over characters (Chinese,
on the folded text) and over tokens (English, on the original text, since case is the best clue
to an English name).

The feature functions live here, not in the training code, because a model is only as good as
the agreement between the features it was trained on and the ones it sees at run time; training
(`training/ner.py`) imports them.  Models are data files in `kg/models/`, loaded once per
process; a missing model file turns the detector off (with `available() == False`), it never
downloads anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from . import wordlists

MODELS = {"zh": "ner-zh.crfsuite", "en": "ner-en.crfsuite"}
EN_LOWERCASE = "ner-en.lowercase.txt"  # words the English model's texts write in lower case

# Dataset labels -> what the detector reports.  "ORG"/"LOC" are MSRA's coarse types, refined
# by `refine_class`; CLUENER's finer types map directly.  Types kg does not keep (books, games,
# films, scenic spots, job titles) are learned, so they are not mistaken for organisations,
# and then dropped.
LABEL_CLASS = {
    "name": "Person", "PER": "Person",
    "company": "Company", "government": "GovernmentBody", "organization": "Organization",
    "ORG": "ORG", "address": "LOC", "LOC": "LOC",
}

_EN_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:[-'’.&][A-Za-z0-9\u00c0-\u024f]+)*\.?|[^\sA-Za-z0-9\u00c0-\u024f]")


def _ctype(c: str) -> str:
    if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf":
        return "h"
    if c.isdigit():
        return "d"
    if c.isascii() and c.isalpha():
        return "a"
    if c.isspace():
        return "s"
    return "p"


def zh_features(text: str, words: wordlists.Lexicon | None = None, names: wordlists.Lexicon | None = None) -> list[list[str]]:
    """Character features: the character and its neighbours within two, the bigrams around it,
    the character-type pattern of the window (digits, Latin, Han, punctuation), and where
    dictionary words (`words`, default jieba's) and known names (`names`, default the training
    annotations') begin, end or surround it.  Training passes its own `names` (from the other
    half of the data, so the model does not learn to trust a list that always holds the answer)."""
    words = wordlists.load(wordlists.ZH_WORDS) if words is None else words
    names = wordlists.load(wordlists.ZH_NAMES) if names is None else names
    wb, we, wi = words.marks(text)
    nb, ne, ni = names.marks(text)
    pad = "\x02\x02" + text + "\x03\x03"
    types = "bb" + "".join(_ctype(c) for c in text) + "ee"
    out = []
    for i in range(2, len(pad) - 2):
        a, b, c, d, e = pad[i - 2], pad[i - 1], pad[i], pad[i + 1], pad[i + 2]
        f = [
            "c=" + c, "l=" + b, "r=" + d, "ll=" + a, "rr=" + e,
            "lc=" + b + c, "cr=" + c + d, "llc=" + a + b, "crr=" + d + e, "lr=" + b + d,
            "t=" + types[i - 2 : i + 3],
        ]
        k = i - 2
        marks = (("wb=", wb[k]), ("we=", we[k]), ("wi=", wi[k]),
                 ("pwe=", we[k - 1] if k else ""),  # a word ends just before: a name may begin here
                 ("nwb=", wb[k + 1] if k + 1 < len(text) else ""),
                 ("nb=", nb[k]), ("ne=", ne[k]), ("ni=", ni[k]))
        f += [name + value for name, value in marks if value]
        out.append(f)
    return out


_ABBREV = frozenset({"inc", "corp", "co", "ltd", "jr", "sr", "mr", "mrs", "ms", "dr", "st", "mt", "no", "vs", "dept", "univ", "gov", "gen", "prof"})


def en_tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Tokens of English text as character spans (words with inner hyphens/apostrophes/dots,
    single punctuation marks); a final period stays on the word only for abbreviations
    (Inc., Dr., U.S.), as in the training data's tokens."""
    out = []
    for m in _EN_TOKEN.finditer(text, start, len(text) if end is None else end):
        s, e = m.start(), m.end()
        w = text[s:e]
        if len(w) > 2 and w[-2:].lower() in ("'s", "’s"):  # Xerant's -> Xerant 's, as the datasets split it
            out += [(s, e - 2), (e - 2, e)]
        elif w.endswith(".") and len(w) > 1 and w[:-1].lower() not in _ABBREV and "." not in w[:-1] and len(w) > 2:
            out += [(s, e - 1), (e - 1, e)]
        else:
            out.append((s, e))
    return out


_SHAPE = str.maketrans({**{c: "X" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, **{c: "x" for c in "abcdefghijklmnopqrstuvwxyz"},
                        **{c: "d" for c in "0123456789"}})
_RUN = re.compile(r"(.)\1{2,}")


def _shape(w: str) -> str:
    """Xxxx-style word shape, runs of one symbol cut to two (ASCII letters and digits only,
    other characters as they are: the shape the English model was trained with)."""
    s = w.translate(_SHAPE)
    return _RUN.sub(r"\1\1", s) if len(s) > 2 else s


@lru_cache(maxsize=1)
def lowercase_words() -> frozenset[str]:
    """The English model's list of words seen in lower case (a capitalised word that is also an
    ordinary word, "Minister", "Bank", is less often a name than one never seen so)."""
    path = resources.files("kg").joinpath("models", EN_LOWERCASE)
    return frozenset(path.read_text("utf-8").split()) if path.is_file() else frozenset()


def en_features(words: list[str], lower: frozenset[str] | None = None) -> list[list[str]]:
    """Token features: the word (as written and lower case), prefixes/suffixes, shape, case
    flags, the lower-case word and shape of the neighbours within two, and for a capitalised
    word whether it is also written in lower case (`lower`, default the shipped list) and
    whether its neighbours are capitalised.  (Names seen in training as features, as for
    Chinese, were tried and measured: no gain, 0.716 -> 0.714 and 0.609 -> 0.603.)"""
    lower = lowercase_words() if lower is None else lower
    low = [w.lower() for w in words]
    shp = [_shape(w) for w in words]
    n = len(words)
    out = []
    for i, w in enumerate(words):
        f = [
            "w=" + w, "lw=" + low[i], "p3=" + low[i][:3], "s3=" + low[i][-3:], "s2=" + low[i][-2:],
            "sh=" + shp[i], f"title={w[:1].isupper():d}", f"upper={w.isupper():d}", f"digit={any(ch.isdigit() for ch in w):d}",
        ]
        if i == 0:
            f.append("BOS")
        for k in (-2, -1, 1, 2):
            j = i + k
            if 0 <= j < n:
                f += [f"{k}:lw=" + low[j], f"{k}:sh=" + shp[j]]
        if i > 0:
            f.append("bi=" + low[i - 1] + "|" + low[i])
        if i < n - 1:
            f.append("bi+=" + low[i] + "|" + low[i + 1])
        else:
            f.append("EOS")
        if w[:1].isupper():
            f.append(f"lowseen={low[i] in lower:d}")
            if i > 0 and words[i - 1][:1].isupper():
                f.append("prevcap")
            if i + 1 < n and words[i + 1][:1].isupper():
                f.append("nextcap")
        out.append(f)
    return out


def bio_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first, last+1, type) item ranges of a BIO tag sequence; a stray I- opens a span."""
    spans, cur, start = [], None, 0
    for i, t in enumerate(tags + ["O"]):
        kind, _, typ = t.partition("-")
        if cur and (t == "O" or kind == "B" or typ != cur):
            spans.append((start, i, cur))
            cur = None
        if t != "O" and cur is None:
            cur, start = typ, i
    return spans


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str  # dataset label (name, company, ORG, LOC, ...)
    confidence: float


@lru_cache(maxsize=2)
def _tagger(lang: str):
    try:
        import pycrfsuite
    except ImportError:  # declared as a dependency; a broken install only loses the model
        return None
    path = resources.files("kg").joinpath("models", MODELS[lang])
    if not path.is_file():
        return None
    t = pycrfsuite.Tagger()
    t.open(str(path))
    return t


def available(lang: str) -> bool:
    return _tagger(lang) is not None


def _spans(tagger, xseq: list[list[str]], name_prob: list[float] | None = None) -> list[tuple[int, int, str, float]]:
    """(first, last+1, label, confidence) of the model's spans; `name_prob`, when given, gets
    for every item the model's probability that it is part of some name (1 - P(O))."""
    tags = tagger.tag(xseq)
    out = []
    for a, b, typ in bio_to_spans(tags):
        if typ not in LABEL_CLASS:
            continue
        conf = min(tagger.marginal(tags[k], k) for k in range(a, b))
        out.append((a, b, typ, conf))
    if name_prob is not None:
        name_prob += [1.0 - tagger.marginal("O", k) for k in range(len(xseq))]
    return out


def tag_zh(folded: str, start: int, end: int, name_prob: dict[int, float] | None = None) -> list[Span]:
    """Mentions in one Chinese sentence `folded[start:end]`; offsets into `folded`.  `name_prob`
    (offset -> probability that the character is part of a name) is filled when given."""
    tagger = _tagger("zh")
    if tagger is None or end <= start:
        return []
    probs: list[float] | None = [] if name_prob is not None else None
    spans = [Span(start + a, start + b, t, c) for a, b, t, c in _spans(tagger, zh_features(folded[start:end]), probs)]
    if name_prob is not None and probs is not None:
        name_prob.update(zip(range(start, end), probs, strict=True))
    return spans


def tag_en(text: str, start: int, end: int, name_prob: dict[int, float] | None = None) -> list[Span]:
    """Mentions in one English sentence `text[start:end]` (original case); offsets into `text`."""
    tagger = _tagger("en")
    toks = en_tokens(text, start, end)
    if tagger is None or not toks:
        return []
    words = [text[s:e] for s, e in toks]
    probs: list[float] | None = [] if name_prob is not None else None
    spans = [Span(toks[a][0], toks[b - 1][1], t, c) for a, b, t, c in _spans(tagger, en_features(words), probs)]
    if name_prob is not None and probs is not None:
        for (s, e), pr in zip(toks, probs, strict=True):
            name_prob.update((k, pr) for k in range(s, e))
    return spans
