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

import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MODELS = {"zh": "ner-zh.crfsuite", "en": "ner-en.crfsuite"}
EN_LOWERCASE = "ner-en.lowercase.txt"  # words the English model's texts write in lower case
ZH_WORDS = "ner-zh.words.tsv"  # jieba's dictionary (word, part of speech): word-boundary features
ZH_NAMES = "ner-zh.names.tsv"  # names of the training annotations (name, coarse type): gazetteer features

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


class Lexicon:
    """A word list as an Aho-Corasick automaton: every entry found in a sentence, as
    (start, end, tag).  Used twice for the Chinese model: jieba's dictionary (tag = part of
    speech: where words begin and end is the clue a character model lacks, and ns/nr/nt mark
    places, people and organisations) and the names of the training annotations (tag = coarse
    type: a name seen in training is a name again)."""

    def __init__(self, entries: dict[str, str] | None = None, automaton=None) -> None:
        import ahocorasick

        if automaton is None:
            automaton = ahocorasick.Automaton()
            for word, tag in (entries or {}).items():
                automaton.add_word(word, (len(word), tag))
            if entries:
                automaton.make_automaton()
        self._auto = automaton
        self.size = len(automaton)

    def tag(self, word: str) -> str | None:
        """The tag of `word` when it is an entry."""
        value = self._auto.get(word, None)
        return value[1] if value else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Every entry in `text` as (start, end, tag)."""
        if not self.size:
            return []
        return [(last - ln + 1, last + 1, tag) for last, (ln, tag) in self._auto.iter(text)]

    def marks(self, text: str) -> tuple[list[str], list[str], list[str]]:
        """Per character: the tag and length of the longest entry beginning there, of the
        longest ending there, and the tag of the longest entry it lies strictly inside."""
        n = len(text)
        begin, end, inside = [""] * n, [""] * n, [""] * n
        blen, elen, ilen = [0] * n, [0] * n, [0] * n
        if not self.size:
            return begin, end, inside
        for last, (ln, tag) in self._auto.iter(text):
            first = last - ln + 1
            if ln > blen[first]:
                blen[first], begin[first] = ln, f"{min(ln, 5)}{tag}"
            if ln > elen[last]:
                elen[last], end[last] = ln, f"{min(ln, 5)}{tag}"
            for k in range(first + 1, last):
                if ln > ilen[k]:
                    ilen[k], inside[k] = ln, tag
        return begin, end, inside


@lru_cache(maxsize=2)
def zh_lexicon(name: str) -> Lexicon:
    """A shipped word list; empty (no features) when the file is missing.  Building the
    automaton of jieba's 126k words takes ~0.3 s, a third of `kg build` of one file, so the
    built automaton is kept in the user's cache folder (~/.cache/kg, keyed by the list's
    content and pyahocorasick's version) and read from there next time (~0.03 s)."""
    path = resources.files("kg").joinpath("models", name)
    if not path.is_file():
        return Lexicon({})
    raw = path.read_bytes()
    cache = _cache_file(name, raw)
    if cache is not None and cache.is_file():
        try:
            return Lexicon(automaton=pickle.loads(cache.read_bytes()))
        except Exception:  # a cache from another version or cut short: build anew
            pass
    lex = Lexicon(_parse_lexicon(raw.decode("utf-8")))
    if cache is not None:
        try:
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(lex._auto))
            os.replace(tmp, cache)  # whole or not at all: parallel build workers may race here
        except OSError:
            pass
    return lex


def _cache_file(name: str, raw: bytes):
    """~/.cache/kg/NAME-HASH.automaton (XDG_CACHE_HOME honoured), or None when there is no
    writable cache folder."""
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kg"
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        aho = version("pyahocorasick")
    except (OSError, RuntimeError, PackageNotFoundError):
        return None
    key = hashlib.sha256(raw + aho.encode()).hexdigest()[:16]
    return base / f"{name}-{key}.automaton"


def _parse_lexicon(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        word, _, tag = line.partition("\t")
        if word:
            out[word] = tag
    return out


def zh_features(text: str, words: Lexicon | None = None, names: Lexicon | None = None) -> list[list[str]]:
    """Character features: the character and its neighbours within two, the bigrams around it,
    the character-type pattern of the window (digits, Latin, Han, punctuation), and where
    dictionary words (`words`, default jieba's) and known names (`names`, default the training
    annotations') begin, end or surround it.  Training passes its own `names` (from the other
    half of the data, so the model does not learn to trust a list that always holds the answer)."""
    words = zh_lexicon(ZH_WORDS) if words is None else words
    names = zh_lexicon(ZH_NAMES) if names is None else names
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
