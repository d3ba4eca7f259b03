"""Normalise: fold the text for matching and split the body into sentences.

Extraction matches one folded form (simplified script, half-width, lower case) so that every
rule and lexicon entry is written once and works on traditional, simplified and mixed text.
The folded text keeps exactly the length of the original, so offsets need no mapping.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .model import Doc, Sentence

MAX_SENTENCE = 600


@lru_cache(maxsize=2)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


_WIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0x201C: 0x22, 0x201D: 0x22, 0x2018: 0x27, 0x2019: 0x27, 0x300C: 0x22, 0x300D: 0x22})


def fold(text: str) -> str:
    """zh-Hans, half-width, lower case, and the same length as `text`."""
    simp = to_simplified(text)
    if len(simp) != len(text):  # a phrase rule changed the length: fall back to characters
        conv = _opencc("t2s").convert
        simp = "".join(c if len(d := conv(c)) != 1 else d for c in text)
    simp = simp.translate(_WIDTH)
    low = simp.lower()
    if len(low) != len(simp):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in simp)
    return low


def fold_key(name: str) -> str:
    """The matching key of a name: folded, with spaces and punctuation that varies dropped."""
    return re.sub(r"[\s·•\-_]+", "", fold(name)).replace("（", "(").replace("）", ")")


def detect_lang(text: str) -> str:
    """zh-Hant, zh-Hans or en, from the share of CJK characters and which conversion changes more."""
    sample = text[:20000]
    cjk = sum("\u4e00" <= c <= "\u9fff" for c in sample)
    if cjk < 0.1 * max(1, len(sample.strip())) and cjk < 50:
        return "en"
    to_s = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False))
    to_t = sum(a != b for a, b in zip(sample, to_traditional(sample), strict=False))
    return "zh-Hant" if to_s > to_t else "zh-Hans"


def script_of(name: str) -> str:
    """Language tag for one name: en for Latin-only names, else zh-Hant / zh-Hans / zh."""
    if not any("\u3400" <= c <= "\u9fff" for c in name):
        return "en"
    if to_simplified(name) != name:
        return "zh-Hant"
    if to_traditional(name) != name:
        return "zh-Hans"
    return "zh"


_MD_MASK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|^#{1,6}\s|[*_`>]+|^\s*[-+]\s", re.M)


def _mask_markdown(folded: str) -> str:
    """Blank out Markdown syntax (keeping link text) so rules do not see URLs or emphasis marks."""

    def repl(m: re.Match) -> str:
        if m.group(1) is not None:
            inner_start = m.start(1) - m.start()
            s = m.group(0)
            return " " * inner_start + m.group(1) + " " * (len(s) - inner_start - len(m.group(1)))
        return " " * len(m.group(0))

    return _MD_MASK.sub(repl, folded)


_ZH_END = "。！？；!?;"
_CLOSERS = "\"'”’」』)）]】"
_ABBREV = re.compile(
    r"(?:\b(?:inc|corp|co|ltd|mr|mrs|ms|dr|prof|no|vs|st|jr|sr|u\.s|e\.g|i\.e|etc|jan|feb|aug|sept|oct|nov|dec)|\b[a-z])$"
)


def split_sentences(text: str, spans: list[tuple[int, int]]) -> list[Sentence]:
    """Sentences within the body spans: Chinese terminators, English '. ' outside abbreviations,
    line ends; overlong runs are cut at a comma or space so a file without breaks still works."""
    out: list[Sentence] = []
    for s0, e0 in spans:
        i = s0
        start = s0
        while i < e0:
            c = text[i]
            cut = False
            if c in _ZH_END:
                cut = True
            elif c == "." and (i + 1 >= e0 or text[i + 1] in " \t\"'”’)") and not _ABBREV.search(text[max(s0, i - 6) : i].lower()):
                nxt = text[i + 1 : i + 3].strip(" \"'”’)")
                cut = not nxt or not nxt[0].islower()
            if cut:
                j = i + 1
                while j < e0 and text[j] in _CLOSERS:
                    j += 1
                _emit(text, start, j, out)
                start = i = j
                continue
            i += 1
        _emit(text, start, e0, out)
    return out


def _emit(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:
        window = text[start : start + MAX_SENTENCE]
        cut = max(window.rfind("，"), window.rfind(","), window.rfind(" "), window.rfind("、"))
        cut = cut + 1 if cut > MAX_SENTENCE // 2 else MAX_SENTENCE
        out.append(Sentence(start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append(Sentence(start, end))


def normalise(doc: Doc) -> Doc:
    """Set `folded`, `lang` and `sentences` on a `Doc` whose body is known."""
    doc.folded = fold(doc.text)
    if doc.fmt == "md":
        doc.folded = _mask_markdown(doc.folded)
    body_text = "\n".join(doc.text[s:e] for s, e in doc.body)
    doc.lang = doc.lang or detect_lang(body_text)
    doc.sentences = split_sentences(doc.text, doc.body)
    return doc
