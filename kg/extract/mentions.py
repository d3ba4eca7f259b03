"""Combining candidates: choose non-overlapping mentions, keep nested ones, resolve anaphors."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from .. import lexicon as lexmod
from ..model import Doc, Mention
from ..names import core_name
from . import ner, wordlists
from .common import ORG, Cand, _is_cjk, cues, is_association, is_honorific
from .lexmatch import _lexicon_cands
from .rules import (
    _ANAPHOR,
    _ANAPHOR_CLASS,
    _BARE_ANAPHOR,
    _EN_ANAPHOR,
    _LEGAL_TAIL,
    _alias_defs,
    _chip_cands,
    _en_rule_cands,
    _list_members,
    _org_before_title,
    _person_cands,
    _short_name,
    _zh_rule_cands,
)

# --- the trained detector's candidates ------------------------------------------------------

MODEL_MIN_CONFIDENCE = 0.0  # spans the CRF is less sure of are left out (tuned on held-out data: none)
MODEL_OVER_RULES = 0.5  # a model span this sure replaces the general rules' guesses it overlaps (0.6, 0.7 measured lower)
RULE_VETO = 0.1  # a general rule's guess where the model gives a name less than this (mean over the span) is dropped
_GOV_END = ("政府", "委员会", "委", "部", "局", "厅", "署", "办", "法院", "检察院", "国务院", "人大", "政协", "党委", "军", "部队", "警方", "公安")
_COMPANY_END = ("公司", "集团", "银行", "股份", "证券", "保险", "基金", "厂", "店", "网", "航空", "电视台", "报", "社", "inc", "inc.", "corp", "corp.", "ltd", "ltd.", "co.", "llc", "plc", "group", "bank")
_UNI_END = ("大学", "学院", "university", "college")
_INST_END = ("研究院", "研究所", "实验室", "科学院", "institute", "laboratory", "academy")
_GOV_EN = ("ministry", "department", "government", "council", "agency", "commission", "bureau", "parliament", "senate", "congress", "army", "police")


@lru_cache(maxsize=1)
def _company_name_ends() -> tuple[str, ...]:
    return tuple(cues()["company_name_ends"])


def refine_class(label: str, folded: str) -> str:
    """The ontology class of a model span: the dataset type, made finer by the name's own head
    word where kg has a finer class (University, ResearchInstitute, GovernmentBody, places)."""
    cls = ner.LABEL_CLASS[label]
    if folded.endswith("总部"):
        return "Place"  # 星河微电子总部: a company's headquarters is where it is, not a body
    words = folded.split()
    last = words[-1] if words else folded
    if cls in ("ORG", "Organization", "Company", "GovernmentBody"):
        if folded.endswith(_UNI_END) or last in _UNI_END or folded.startswith("university of"):
            return "University"
        if folded.endswith(_INST_END) or last in _INST_END:
            return "ResearchInstitute"
        if is_association(folded):
            return "Organization"  # the model may read 中国银行业协会 as a bank
        if cls != "ORG":
            return cls
        if folded.endswith(_GOV_END) or any(w in _GOV_EN for w in words):
            return "GovernmentBody"
        if folded.endswith(_COMPANY_END) or last in _COMPANY_END or folded.endswith(_company_name_ends()):
            return "Company"  # 苏酒实业, 长航油运: an industry word ends a company's short name
        return "Organization"
    if cls == "LOC":
        if folded.endswith(("省", "自治区")):
            return "Province"
        if folded.endswith("市"):
            return "City"
        if folded.endswith(("区", "县")) and len(folded) <= 5:
            return "District"
        return "Place"
    return cls


def _zh_sentence(f: str, s: int, e: int) -> bool:
    han = sum(1 for c in f[s:e] if "\u4e00" <= c <= "\u9fff")
    latin = sum(1 for c in f[s:e] if c.isascii() and c.isalpha())
    return han * 3 >= latin


# Rules that guess general names (organisations by suffix, places by suffix, people by title,
# English names by capitals) are what the trained model does better on text nobody here has
# read: where the model found a name, these give way.  Domain rules (chips, products, events,
# compute centres, facilities, name definitions, anaphors) and the lexicon do not.
GENERAL_RULES = frozenset({
    "rule:org.suffix", "rule:org.weak-suffix", "rule:gov.suffix", "rule:place.suffix", "rule:person.title",
    "rule:org.before-title", "rule:org.list-mate", "rule:person.en", "rule:place.en-context", "rule:org.en",
    "rule:org.en-of", "rule:org.short",
})


# General rules that, measured on held-out news, guess wrong far more often than right (place
# names by suffix: 174 wrong, 62 right on MSRA's validation split): not used where the model ran.
REPLACED_BY_MODEL = frozenset({"rule:place.suffix"})


def _overlap_mask(cands: list[Cand], size: int) -> bytearray:
    mask = bytearray(size)
    for c in cands:
        mask[c.start : c.end] = b"\x01" * (c.end - c.start)
    return mask


def _legal_name_around(c: Cand, model: list[Cand], f: str) -> bool:
    """A full legal name (…有限公司, … Inc.) found by a rule stands against model spans that lie
    inside it (宜兴 in 锦程光芯(宜兴)有限公司): the legal form marks where the name ends."""
    if c.source != "rule:org.suffix" or not _LEGAL_TAIL.search(f[c.start : c.end]):
        return False
    inside = [m for m in model if m.start < c.end and c.start < m.end]
    return all(c.start <= m.start and m.end <= c.end for m in inside)


# General rules whose guesses the model may veto: measured on MSRA's and CLUENER's validation
# splits, these rules' spans that the model rejects are nearly all wrong (考虑到大学, 省政府的主要
# 领导).  Weak suffixes (星河微电子) and names before a title are left alone: the model, trained on
# old news, does not know a new company's name, and those rules are right more often than not.
VETOED_RULES = frozenset({"rule:org.suffix", "rule:org.list-mate", "rule:person.title", "rule:gov.suffix"})


def _model_says_no(c: Cand, f: str, name_prob: dict[int, float]) -> bool:
    """The model read every character of the span and finds no name there, and nothing but a
    suffix says there is one (a legal form, 有限公司, says so for sure)."""
    if c.source not in VETOED_RULES or _LEGAL_TAIL.search(f[c.start : c.end]):
        return False
    if c.source == "rule:org.suffix" and f[c.start : c.end].endswith(_INST_END) and c.end - c.start >= 6:
        return False  # 瀚海先进封装实验室: a long name before a laboratory's head is a new lab, not a phrase
    probs = [name_prob.get(k) for k in range(c.start, c.end)]
    return None not in probs and sum(probs) / len(probs) < RULE_VETO


TRIMMED_RULES = frozenset({"rule:org.suffix", "rule:gov.suffix"})  # not weak suffixes: the model does not know 星河微电子
TRIM_BELOW = 0.3  # characters the model gives less than this are not part of a name


@lru_cache(maxsize=1)
def _org_suffixes() -> tuple[str, ...]:
    c = cues()
    return tuple(sorted(c["org_suffix_strong"] + c["org_suffix_weak"], key=len, reverse=True))


def _without_suffix(name: str) -> str:
    for suffix in _org_suffixes():
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _cut_by_model(c: Cand, f: str, name_prob: dict[int, float]) -> Cand:
    """A suffix rule walks left from 集团 to where it guesses the name begins; the model, which
    reads the context, moves that start past the last character it finds no name in (注入广日集团
    -> 广日集团, 平安人寿投资深发展股份 -> 深发展股份), when it finds a name in the rest.  At least
    three characters stay; Chinese only."""
    if c.source not in TRIMMED_RULES or not all(_is_cjk(ch) for ch in f[c.start : c.end - 3]):
        return c
    for k in range(c.end - 4, c.start - 1, -1):
        p = name_prob.get(k)
        if p is None:
            return c
        if p < TRIM_BELOW:
            rest = [name_prob.get(i, 0.0) for i in range(k + 1, c.end)]
            if sum(rest) / len(rest) < 0.5 or len(_without_suffix(f[k + 1 : c.end])) < 2:
                return c  # nor is the model sure of the rest, or the rest is a legal form alone (有限责任公司)
            return Cand(k + 1, c.end, c.cls, c.source, c.key, c.prio, c.conf)
    return c


def _combine(rule: list[Cand], model: list[Cand], f: str, name_prob: dict[int, float]) -> tuple[list[Cand], list[Cand]]:
    """Where a general rule and the model disagree on a span, the model wins when it is sure
    (confidence >= MODEL_OVER_RULES) and the rule otherwise; elsewhere both stand, unless the
    model finds no name at all where the rule guessed one."""
    rule = [_cut_by_model(c, f, name_prob) for c in rule if not _model_says_no(c, f, name_prob)]
    if not model:
        return rule, model
    rule = [c for c in rule if c.source not in REPLACED_BY_MODEL]
    size = max(c.end for c in rule + model)
    sure = [c for c in model if c.conf >= MODEL_OVER_RULES]
    spans = {(c.start, c.end) for c in sure}
    mask = _overlap_mask(sure, size)
    rule = [c for c in rule if c.source not in GENERAL_RULES or (c.start, c.end) in spans or not any(mask[c.start : c.end])
            or _legal_name_around(c, sure, f)]
    general = _overlap_mask([c for c in rule if c.source in GENERAL_RULES], size)
    model = [c for c in model if c.conf >= MODEL_OVER_RULES or not any(general[c.start : c.end])]
    return rule, model


_EDGE = " \t\u3000\xa0()（）[]【】<>《》\"'“”‘’,，.。、:：;；!！?？-—/·"


def _trim(f: str, s: int, e: int) -> list[tuple[int, int]]:
    """A model span without the spaces and punctuation at its edges, cut at inner spaces in
    Chinese (`李良 王妮娜` is two names); pieces shorter than one character vanish."""
    while s < e and f[s] in _EDGE:
        s += 1
    while e > s and f[e - 1] in _EDGE and f[e - 1] != ".":  # Inc. and Ltd. keep their period
        e -= 1
    if s >= e:
        return []
    for open_, close in (("(", ")"), ("（", "）")):
        k = f.find(open_, s, e)
        if k >= 0 and f.find(close, k, e) < 0:  # 共封装光学(CPO: the bracket is not part of the name
            return _trim(f, s, k) if k > s else []
    if any(c.isspace() for c in f[s:e]) and any("\u4e00" <= c <= "\u9fff" for c in f[s:e]):
        out, k = [], s
        for part in f[s:e].split():
            a = f.index(part, k)
            out.append((a, a + len(part)))
            k = a + len(part)
        return out
    m = _LEGAL_END_INSIDE.search(f, s, e)
    if m:  # "norwind photonics inc. representatives of ...": a legal form ends the name
        return [(s, m.end())] + _trim(f, m.end(), e)
    return [(s, e)]


_LEGAL_END_INSIDE = re.compile(r"\b(?:inc|ltd|corp|co|llc|plc)\.(?=\s+\S)")
_EN_DASH = re.compile(r"\s+(?:-{1,2}|–|—)\s+(?=[a-z])")  # not Jean - Nicolas, tokenised Jean-Nicolas
_EN_PARTICLES = frozenset({"de", "van", "von", "der", "den", "al", "el", "la", "le", "du", "da", "di", "bin", "ibn", "dos", "das", "y"})


def _trim_en(t: str, s: int, e: int, person: bool) -> list[tuple[int, int]]:
    """An English span as news NER marks names: without the words before the name (the United
    States, east Delhi; a person's title: Mr Winterkorn) and cut at a free-standing dash before
    lower-case words (KFC - parent Yum Brands is two names).  `t` is the original text: case
    tells a name's words from the others."""
    out = []
    for part in _EN_DASH.split(t[s:e]):
        a = t.index(part, s)
        s = a + len(part)
        words = list(re.finditer(r"\S+", part))
        k = 0
        while k < len(words) - 1 and (_lower_word(words[k].group()) or person and is_honorific(words[k].group())):
            k += 1
        if k < len(words) and not _lower_word(words[k].group()):
            out.append((a + words[k].start(), a + len(part)))
    return out


def _lower_word(w: str) -> bool:
    """An ordinary lower-case word (the, east), not a name written so (eBay, iPhone) or a particle of one (de, van)."""
    return w.islower() and w not in _EN_PARTICLES


def junk_name(folded: str) -> bool:
    """Fund words that look like names to a suffix rule or the model but name no fund: generic
    fund types (股票基金, 部分次新基金) and phrases cut from a sentence (2月份第一周基金)."""
    if not folded.endswith("基金"):
        return False
    c = cues()
    if any(w in folded for w in c["not_in_names"]):
        return True
    stem = folded[:-2]
    for w in sorted(c["generic_fund_words"], key=len, reverse=True):
        stem = stem.replace(w, "")
    return not stem.strip()


def _model_cands(doc: Doc, lex: lexmod.Lexicon, name_prob: dict[int, float]) -> list[Cand]:
    """Spans of the trained CRFs in every body sentence (Chinese or English by its letters);
    `name_prob` gets, for every character the models read, the probability that it is part of
    a name."""
    out = []
    f = doc.folded
    abbrev = cues()["place_abbreviations"]
    for sent in doc.sentences:
        if not _in_body(doc, sent.start):
            continue
        zh = _zh_sentence(f, sent.start, sent.end)
        if zh:
            spans = ner.tag_zh(f, sent.start, sent.end, name_prob)
        else:
            spans = ner.tag_en(doc.text, sent.start, sent.end, name_prob)
        for sp0 in spans:
            pieces = _trim(f, sp0.start, sp0.end)
            if not zh:
                pieces = [q for s, e in pieces for q in _trim_en(doc.text, s, e, ner.LABEL_CLASS[sp0.label] == "Person")]
            for s, e in pieces:
                sp = ner.Span(s, e, sp0.label, sp0.confidence)
                if zh and sp.label in ("name", "PER") and f[s:e].isascii():
                    continue  # Latin letters in Chinese text are brands and codes (QDII), not people
                out += _model_cand(doc, lex, sp, abbrev)
    return out


_KNOWN_TYPES = frozenset({"co", "fin"})  # company names of the training annotations; fin: marked in FinRE train
_NAME_POS = ("nt", "nz", "nr", "ns")


def _known_name_cands(doc: Doc, name_prob: dict[int, float]) -> list[Cand]:
    """Company names of the training annotations (CLUENER, MSRA, kg's own, FinRE's marked names)
    found again in the Chinese sentences the model read: the model weighs them as a feature but,
    trained mostly on other names, often misses a short form it has seen (屈臣氏).  Three
    characters at least, and none that jieba's dictionary knows as an ordinary word (总经理,
    信托公司).  (A floor on the model's probability over the name was tried: docs/models.md.)"""
    f = doc.folded
    out = []
    words = wordlists.load(wordlists.ZH_WORDS)
    for s, e, tag in wordlists.load(wordlists.ZH_NAMES).find(f):
        if tag not in _KNOWN_TYPES or e - s < 3 or not _is_cjk(f[s]) or s not in name_prob or e - 1 not in name_prob:
            continue
        name = f[s:e]
        stem = name[:-2] if name.endswith(("公司", "银行", "集团")) else name
        if (words.tag(name) or "nt") not in _NAME_POS or (words.tag(stem) or "nt") not in _NAME_POS or name in cues()["generic_heads"]:
            continue
        out.append(Cand(s, e, "Company", "model", None, 0, 0.5))
    return out


_COUNTED = re.compile(r"^[\d一二三四五六七八九十百千万两几多]+(?:年|个月|月|日|周|天|只|家|个|位|名)")  # 三年牛熊轮回, 两家公司


@lru_cache(maxsize=1)
def _eponym_heads() -> tuple[str, ...]:
    return tuple(cues()["eponym_heads"])


def _eponym(f: str, end: int) -> bool:
    """摩尔定律, 马太效应: a name right before 定律 or 效应 names a law or an effect, not the
    person or place it comes from."""
    return f.startswith(_eponym_heads(), end)


def _model_cand(doc: Doc, lex: lexmod.Lexicon, sp: ner.Span, abbrev: dict) -> list[Cand]:
    """The candidate of one model span (none for junk; a lone character only as a known place
    abbreviation: a name in news NER, 中美 or 鄂西北, but too often a piece of an unknown name,
    江 + 淮 in 江淮智芯, to become an entity by itself)."""
    f = doc.folded
    text = f[sp.start : sp.end]
    if sp.confidence < MODEL_MIN_CONFIDENCE or junk_name(text) or _COUNTED.match(text) or text in cues()["generic_heads"]:
        return []  # 公司, 中心 alone are words, not names (the anaphor rules read them)
    if ner.LABEL_CLASS[sp.label] == "Person" and (any(c.isdigit() for c in text) or doc.text[sp.start : sp.end].isupper()):
        return []  # 200 PFLOPS, CAGR: no person's name has digits or is all capitals
    if _eponym(f, sp.end):
        return []
    if len(text) < 2:
        key = abbrev.get(text) if ner.LABEL_CLASS[sp.label] == "LOC" else None
        return [Cand(sp.start, sp.end, lex.entries[key].type, "model", key, 0, sp.confidence)] if key in lex.entries else []
    return [Cand(sp.start, sp.end, refine_class(sp.label, text), "model", None, 0, sp.confidence)]


# --- choosing mentions ---------------------------------------------------------------------


def _select(cands: list[Cand]) -> tuple[list[Cand], list[Cand]]:
    """Longest non-overlapping candidates win (the lexicon on ties); contained lexicon names are
    kept as nested mentions, since 武汉 inside 武汉光迅科技股份有限公司 is still a mention of Wuhan.
    Each character remembers which chosen mention owns it, so the choice is linear in the text."""
    order = sorted(cands, key=lambda c: (-(c.end - c.start), -c.prio, c.start))
    size = max((c.end for c in cands), default=0)
    owner = [-1] * size
    taken: list[Cand] = []
    nested: list[Cand] = []
    seen_nested: set[tuple[int, int]] = set()
    for c in order:
        span = owner[c.start : c.end]
        if all(o < 0 for o in span):
            for k in range(c.start, c.end):
                owner[k] = len(taken)
            taken.append(c)
        elif c.source == "lexicon" and span[0] >= 0 and span.count(span[0]) == len(span):
            if (c.start, c.end) not in seen_nested:
                seen_nested.add((c.start, c.end))
                nested.append(c)
    taken.sort(key=lambda c: c.start)
    nested.sort(key=lambda c: c.start)
    return taken, nested


def find_mentions(doc: Doc, lex: lexmod.Lexicon) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int]]]:
    """Choose the document's mentions; return name definitions and the parentheses to hide."""
    f = doc.folded
    lex_cands = [c for c in _lexicon_cands(doc, lex) if _in_body(doc, c.start)]
    lex_spans = {c.end: c for c in lex_cands}
    sent_start = {s.start: i for i, s in enumerate(doc.sentences)}
    rule = _zh_rule_cands(doc, lex_spans, sent_start) + _en_rule_cands(doc) + _person_cands(doc)
    # 有限责任公司 alone is a legal form, not a name
    rule = [c for c in rule if not junk_name(f[c.start : c.end]) and (not c.source.startswith("rule:org") or _without_suffix(f[c.start : c.end]))]
    name_prob: dict[int, float] = {}
    model = _model_cands(doc, lex, name_prob)
    rule, model = _ownership_cut(rule, f), _ownership_cut(model, f)
    rule, model = _combine(rule, model + _known_name_cands(doc, name_prob), f, name_prob)
    cands = lex_cands + rule + model
    cands += _chip_cands(doc, cands)
    pairs, hidden = _alias_defs(doc, cands)
    full_cls = {(c.start, c.end): c.cls for c in cands}
    for s0, e0, a0, a1 in pairs:
        cands.append(Cand(a0, a1, full_cls.get((s0, e0), ""), "alias", None, 2))
    cands += _org_before_title(doc, cands)
    cands += _list_members(doc, cands)
    # Names found by rules are searched again across the document (bare 张建中 after 首席执行官张建中),
    # and so is the short form of a full company name (星河微电子 after 星河微电子股份有限公司).
    seen = {}
    for c in list(cands):
        if (c.source.startswith("rule:org") or (c.source == "model" and c.conf >= MODEL_OVER_RULES)) and c.cls in ORG:
            full = f[c.start : c.end]
            for short in (_short_name(full), core_name(full, lex)):
                # 浙江海纳星辰科技股份有限公司 ... 海纳星辰称: the short form names the company too
                cjk = sum(_is_cjk(x) for x in short or "")
                if short and short != full and short not in seen and (cjk >= 3 or (cjk == 0 and len(short) >= 5)):
                    seen[short] = Cand(c.start, c.end, c.cls, "rule:org.short", None, 1, c.conf)
    for c in cands:
        if c.source.startswith("rule:") or c.source in ("alias", "model"):
            key = f[c.start : c.end]
            if len(key) >= 2 and (not key.isascii() or len(key) >= 3):
                seen.setdefault(key, c)
    for key, c0 in seen.items():
        k = f.find(key)
        while k >= 0:
            e = k + len(key)
            if (k, e) != (c0.start, c0.end) and _in_body(doc, k) and _word_ok(f, k, e) and not _eponym(f, e):
                cands.append(Cand(k, e, c0.cls, "gazetteer", c0.key, 0 if c0.source == "model" else 2, c0.conf))
            k = f.find(key, k + 1)
    for m in _ANAPHOR.finditer(f):
        cands.append(Cand(m.start(), m.end(), "", "anaphor:" + m.group(2), None, 0))
    for m in _EN_ANAPHOR.finditer(f):
        cands.append(Cand(m.start(), m.end(), "", "anaphor:公司", None, 0))
    for sent in doc.sentences:  # a bare head noun opening a clause refers back too (中心节点依托…, ，公司创始人…)
        for k in [sent.start] + [i + 1 for i in range(sent.start, sent.end) if f[i] in ",，"]:
            m = _BARE_ANAPHOR.match(f, k)
            if m:
                cands.append(Cand(m.start(), m.end(), "", "anaphor:" + m.group(1), None, 0))
    cands = [c for c in cands if not any(h0 <= c.start < h1 for h0, h1 in hidden) or c.source == "alias"]
    taken, nested = _select(_combine(cands, model, f, name_prob)[0])
    _to_mentions(doc, taken, nested, pairs)
    return pairs, hidden


def _ownership_cut(cands: list[Cand], f: str) -> list[Cand]:
    """No name holds or straddles an ownership word: 招商地产子公司瑞嘉公司 is two companies, and
    in 长源电力控股股东 the name ends before 控股股东 (the model reads 控股 as part of a name)."""
    words = cues()["ownership_words"]
    out = []
    for c in cands:
        s, e = c.start, c.end
        if _is_cjk(f[s : s + 1] or "a"):
            for w in words:
                k = f.find(w, s + 1, e + len(w) - 1)
                while k >= 0 and k < e:
                    if k + len(w) > e and k - s >= 2:
                        e = k  # straddles the end
                    elif k + len(w) < e and e - (k + len(w)) >= 2 and f[k + len(w) : e].isalnum():
                        s = k + len(w)  # inside, with a name after it
                    k = f.find(w, k + 1, e + len(w) - 1)
        out.append(c if (s, e) == (c.start, c.end) else Cand(s, e, c.cls, c.source, c.key, c.prio, c.conf))
    return out


def _word_ok(f: str, s: int, e: int) -> bool:
    if f[s].isascii() and f[s].isalnum() and s > 0 and f[s - 1].isascii() and f[s - 1].isalnum():
        return False
    return not (f[e - 1].isascii() and f[e - 1].isalnum() and e < len(f) and f[e].isascii() and f[e].isalnum())


def _in_body(doc: Doc, pos: int) -> bool:
    i = bisect.bisect_right(doc.body, (pos, float("inf"))) - 1
    return i >= 0 and doc.body[i][0] <= pos < doc.body[i][1]


def _to_mentions(doc: Doc, taken: list[Cand], nested: list[Cand], pairs: list[tuple[int, int, int, int]]) -> None:
    starts = [s.start for s in doc.sentences]
    def sent_of(pos: int) -> int:
        i = bisect.bisect_right(starts, pos) - 1
        return i if i >= 0 and pos < doc.sentences[i].end else -1

    span_cls = {(c.start, c.end): c for c in taken + nested}
    # alias mentions take the class of the name they abbreviate
    alias_of = {(a0, a1): (s, e) for s, e, a0, a1 in pairs}
    ments: list[Mention] = []
    for c in taken:
        cls = c.cls
        if c.source == "alias" or (not cls and (c.start, c.end) in alias_of):
            full = span_cls.get(alias_of.get((c.start, c.end), (-1, -1)))
            cls = full.cls if full else "Organization"
        if c.source == "gazetteer" and not cls:
            cls = "Organization"
        ments.append(Mention(c.start, c.end, doc.text[c.start : c.end], cls, c.source, c.key, sent_of(c.start), c.conf))
    top_count = len(ments)
    for c in nested:
        m = Mention(c.start, c.end, doc.text[c.start : c.end], c.cls, "nested", c.key, sent_of(c.start))
        ments.append(m)
    # anaphors: the latest earlier top-level mention of a fitting class
    for i in range(top_count):
        m = ments[i]
        if not m.source.startswith("anaphor:"):
            continue
        head = m.source.split(":", 1)[1]
        allowed = _ANAPHOR_CLASS.get(head, ())
        best = None
        if allowed == ORG:
            # "the company" / 公司 is the article's subject: the organisation named most often so
            # far (the first named of them on a tie), not merely the last one named
            counts: dict[str, list[int]] = {}
            for j in range(i):
                a = ments[j]
                if a.cls in ORG and not a.source.startswith("anaphor"):
                    counts.setdefault(a.key or doc.folded[a.start : a.end], []).append(j)
            if counts:
                best = max(counts.values(), key=lambda js: (len(js), -js[0]))[-1]
        for j in range(i - 1, -1, -1) if best is None else ():
            a = ments[j]
            if a.cls in allowed and not a.source.startswith("anaphor"):
                if best is None:
                    best = j
                if doc.folded[a.start : a.end].endswith(head):
                    best = j
                    break
        if best is None:
            m.cls = ""
        else:
            m.cls = ments[best].cls
            m.key = f"@{best}"
    doc.mentions = [m for m in ments if m.cls]
    # re-point anaphor references after filtering
    index = {id(m): k for k, m in enumerate(doc.mentions)}
    for m in doc.mentions:
        if m.key and m.key.startswith("@"):
            target = ments[int(m.key[1:])]
            m.key = f"@{index[id(target)]}" if id(target) in index else None
