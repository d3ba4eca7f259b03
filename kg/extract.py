"""Extract: entity mentions, relations and numeric facts from a normalised `Doc`.

Mentions come from the lexicon and from general rules (organisation, event, place and facility
names by their suffix; people by the title in front of them; chips by model numbers; names
defined in parentheses).  Relations come from sentence patterns written over a *template* of
the sentence in which each mention is replaced by a typed token, so one pattern covers every
name, and a coordinated list (A、B、C等 / A, B and C) yields one fact per member.
All patterns match the folded text (simplified script, lower case), so they are written once.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from . import lexicon as lexmod
from .model import Doc, Mention, Quantity, Relation

ORG = ("Organization", "Company", "ResearchInstitute", "GovernmentBody", "University", "Publisher", "Investor")
PLACE = ("Place", "Country", "Province", "City", "District")
PRODUCT = ("Product", "Chip", "AIModel")
CLASS_GROUPS: dict[str, tuple[str, ...]] = {
    "ORG": ORG,
    "PER": ("Person",),
    "PLACE": PLACE,
    "EVENT": ("Event",),
    "CENTER": ("ComputeCenter",),
    "FAC": ("Facility", "ComputeCenter"),
    "PRODUCT": PRODUCT,
    "CHIP": ("Chip",),
    "TECH": ("Technology",),
    "PROJECT": ("Project",),
    "THING": PRODUCT + ("Technology", "Project", "Facility", "ComputeCenter"),
    "ANY": ORG + PLACE + PRODUCT + ("Person", "Event", "ComputeCenter", "Facility", "Technology", "Project"),
}


@lru_cache(maxsize=1)
def cues() -> dict:
    return json.loads(resources.files("kg").joinpath("data/cues.json").read_text("utf-8"))


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff"


# --- candidate mentions ------------------------------------------------------------------


@dataclass
class Cand:
    start: int
    end: int
    cls: str
    source: str
    key: str | None = None
    prio: int = 1


def _lexicon_cands(doc: Doc, lex: lexmod.Lexicon) -> list[Cand]:
    """Lexicon matches; a Latin name written all in lower case ("arm", "apple") is an ordinary
    word, not the company, unless the lexicon itself writes it so."""
    out = []
    for s, e, i in lex.find(doc.folded):
        surface = doc.text[s:e]
        entry = lex.entries[i]
        if entry.type != "Technology" and surface.isascii() and surface.islower() and not any(n.islower() and n.isascii() for n in entry.names()):
            continue
        out.append(Cand(s, e, lex.entries[i].type, "lexicon", i, 3))
    return out


@lru_cache(maxsize=16)
def _stop_index(stops: tuple[str, ...]) -> tuple[frozenset[str], tuple[int, ...]]:
    return frozenset(stops), tuple(sorted({len(w) for w in stops}))


def _stopped(folded: str, j: int, stops: tuple[str, ...]) -> bool:
    """Does the text ending at `j` end with one of `stops`?  (a set lookup per word length)"""
    words, lengths = _stop_index(stops)
    return any(folded[j - n : j] in words for n in lengths if n <= j)


@lru_cache(maxsize=1)
def _left_stops() -> tuple[str, ...]:
    return tuple(sorted(cues()["left_stop_words"], key=len, reverse=True))


_EVENT_STOPS = ("在", "的", "于", "了", "是", "将", "参加", "出席", "举办", "举行", "召开", "开幕", "期间", "届时", "同期", "、", "本届", "此次", "该")
_LEAD_TRIM = "与和及同跟对向据由将在于为从了"


def scan_left(folded: str, s: int, limit: int, lo: int, stops: tuple[str, ...], lex_spans: dict[int, Cand]) -> int:
    """Walk left from `s` over name characters until a stop word, punctuation or `limit` chars.
    A place name from the lexicon just left of the walk is taken in (武汉 + 光迅科技...)."""
    j = s
    count = 0
    while j > lo and count < limit:
        c = folded[j - 1]
        if c == ")":
            k = folded.rfind("(", max(lo, j - 8), j)
            inner = folded[k + 1 : j - 1] if k >= 0 else ""
            if k >= 0 and 2 <= len(inner) <= 5 and all(_is_cjk(x) for x in inner):
                j = k
                continue
            break
        cand = lex_spans.get(j)
        if cand is not None and cand.cls in PLACE:
            j = cand.start
            count += 2
            continue
        if not (_is_cjk(c) or (c.isascii() and c.isalnum())):
            break
        if _stopped(folded, j, stops):
            break
        if c in "与和及同" and _latin_subject_before(folded, j - 1, lo):
            break
        j -= 1
        count += 1
    while j < s and folded[j] in _LEAD_TRIM:
        j += 1
    return j


def _latin_subject_before(folded: str, k: int, lo: int) -> bool:
    """True in "NICE与中国算力发展峰会": only a Latin name stands between the clause start and 与."""
    i = k
    while i > lo and folded[i - 1].isascii() and (folded[i - 1].isalnum() or folded[i - 1] in " -."):
        i -= 1
    return i < k and (i == lo or not _is_cjk(folded[i - 1]))


def _suffix_regex(words: list[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _zh_rules() -> list[tuple[re.Pattern, str, int, int, str]]:
    c = cues()
    # (suffix regex, class, max stem length, min CJK chars in stem, rule name)
    return [
        (_suffix_regex(c["org_suffix_strong"]), "Company", 12, 2, "org.suffix"),
        (_suffix_regex(c["event_suffix"]), "Event", 28, 3, "event.suffix"),
        (_suffix_regex(c["compute_suffix"]), "ComputeCenter", 14, 2, "center.suffix"),
        (_suffix_regex(c["facility_suffix"]), "Facility", 18, 3, "facility.suffix"),
        (_suffix_regex(c["org_suffix_weak"]), "Company", 4, 2, "org.weak-suffix"),
    ]


_ORG_CLASS_BY_SUFFIX = [
    (("研究院", "研究所", "实验室"), "ResearchInstitute"),
    (("大学", "学院"), "University"),
    (("委员会", "管理局", "政府"), "GovernmentBody"),
    (("基金", "创投", "资本", "产业基金", "投资基金"), "Investor"),
]
_GOV = re.compile(r"([\u4e00-\u9fff]{2,6}?)(党工委|管委会|市委|省委|区委|县委|市人民政府|省人民政府|市政府|省政府|区政府|县政府)")
_PLACE_SUFFIX = re.compile(r"([\u4e00-\u9fff]{2,4}?)(高新区|新区|自治区|开发区|省|市|县|区)(?![场值委民政长级内外区域县属域管辖])")
_STEM_BAD = re.compile(r"^(?:本届|此次|该|这|本|上届|下届|今年|去年|明年|首届|一|各|其|多|某|相关|有关|国内外|海内外|全国$|全球$|全市$|全省$)")


def _org_class(surface: str) -> str:
    for sufs, cls in _ORG_CLASS_BY_SUFFIX:
        if surface.endswith(sufs):
            return cls
    return "Company"


_ORG_AFTER = re.compile(
    r"^\s?(?:公司|集团|股份|\(以下简称|(?:的)?(?:创始人|董事长|总经理|首席|总裁|ceo|副总)|总部|宣布|表示|发布|推出|完成|获得|已|于(?:\d|今年|近日|日前|本月|本周|昨日|上周|去年)|将|正式|"
    r"参投|领投|投资|收购|旗下|是|为|向|在|与|和|携手|联合|签署|成立|计划|拟|开始|今年|近日|日前|自主|自研|研发|开发|生产|等|由|的(?:主要)?(?:竞争对手|对手|客户|供应商|子公司|股东|创始人))"
)
_ORG_BEFORE = re.compile(r"(?:收购|控股|投资|参投|领投|携手|联手|与|和|向|为|对标|入股|是)了?$")
_ORG_CONTEXT = re.compile(r"企业|公司|厂商|初创|独角兽|创企|供应商")


def _org_context(f: str, j: int, e: int, lo: int, hi: int, stem: str) -> bool:
    """A short name like 羚数智能 is taken as a company only where the sentence treats it as one:
    a title or 公司 follows it, or it stands in a list of a sentence about companies."""
    if stem in cues()["not_org_stems"] or j == e:
        return False
    if _ORG_AFTER.match(f[e : e + 8]):
        return True
    if _ORG_BEFORE.search(f[max(lo, j - 4) : j]) and (not _is_cjk(f[e : e + 1] or "a") or f[e : e + 1] == "的"):
        return True
    in_list = f[j - 1 : j] == "、" or f[e : e + 1] == "、" or f[e : e + 1] == "等"
    return in_list and bool(_ORG_CONTEXT.search(f[lo:hi]))


def _zh_rule_cands(doc: Doc, lex_spans: dict[int, Cand], sent_start: dict[int, int]) -> list[Cand]:
    f = doc.folded
    c = cues()
    generic = set(c["generic_heads"])
    stops = _left_stops()
    out: list[Cand] = []
    for sent in doc.sentences:
        lo, hi = sent.start, sent.end
        seg = f[lo:hi]
        if not any(_is_cjk(x) for x in seg):
            continue
        for rx, cls, limit, min_cjk, rule in _zh_rules():
            for m in rx.finditer(seg):
                s, e = lo + m.start(), lo + m.end()
                st = _EVENT_STOPS if cls == "Event" else stops
                j = scan_left(f, s, limit, lo, st, lex_spans)
                stem = f[j:s]
                if sum(_is_cjk(x) for x in stem) < min_cjk or _STEM_BAD.match(stem) or stem in generic:
                    continue
                if rule == "org.weak-suffix" and not _org_context(f, j, e, lo, hi, stem):
                    continue
                k = cls
                if cls == "Company":
                    k = _org_class(f[j:e])
                out.append(Cand(j, e, k, "rule:" + rule))
        for m in _GOV.finditer(seg):
            s = lo + m.start()
            j = scan_left(f, lo + m.end(1), 6, lo, stops, lex_spans)
            if j < lo + m.end(1) - 1:
                out.append(Cand(max(j, s), lo + m.end(), "GovernmentBody", "rule:gov.suffix"))
        for m in _PLACE_SUFFIX.finditer(seg):
            stem = m.group(1)
            j = scan_left(f, lo + m.end(1), 4, lo, stops, {})
            for c0 in lex_spans.values():  # 浙江省德清县: the county starts after the province
                if c0.cls in PLACE and j < c0.end <= lo + m.end(1) - 2:
                    j = c0.end
            stem = f[j : lo + m.end(1)]
            if len(stem) < 2 or stem in c["not_places"] or any(ch in c["name_stop_chars"] for ch in stem):
                continue
            cls = {"省": "Province", "市": "City", "县": "District"}.get(m.group(2), "District")
            out.append(Cand(j, lo + m.end(), cls, "rule:place.suffix"))
    return out


_TITLE_JOIN = r"(?:兼|、|和|及|与|并任| and |, | & |/)"


@lru_cache(maxsize=1)
def _titles() -> tuple[str, dict[str, str]]:
    c = cues()
    kind = {}
    for t in c["titles_employee"]:
        kind[t] = "employeeOf"
    for t in c["titles_exec"]:
        kind[t] = "executiveOf"
    for t in c["titles_founder"]:
        kind[t] = "founderOf"
    alt = "|".join(re.escape(t) for t in sorted(kind, key=len, reverse=True))
    return alt, kind


def _person_cands(doc: Doc) -> list[Cand]:
    """Chinese names right after a title (董事长张三), English names around a title."""
    f, t = doc.folded, doc.text
    c = cues()
    alt, _ = _titles()
    surnames = c["surnames"]
    doubles = tuple(c["surnames_double"])
    stop_chars = c["name_stop_chars"]
    out = []
    title_rx = re.compile(rf"(?:{alt})(?:{_TITLE_JOIN}(?:{alt}))*")
    for m in title_rx.finditer(f):
        p = m.end()
        if p < len(f) and f[p] == " ":
            p += 1
        sl = 2 if f.startswith(doubles, p) else 1
        if p >= len(f) or not (f[p] in surnames or sl == 2):
            continue
        q = p + sl
        n = 0
        while q < len(f) and n < 2 and _is_cjk(f[q]) and (n == 0 or f[q] not in stop_chars):
            q += 1
            n += 1
        if n == 0:
            continue
        if n == 2 and _stopped(f, q, tuple(c["speech_verbs"])):
            q -= 1
        out.append(Cand(p, q, "Person", "rule:person.title"))
    # English: "CEO Jane Doe", "Jane Doe, chief executive of", "Jane Doe said"
    name = r"([A-Z][a-z]+(?:[ -][A-Z]\.)?(?: (?:van |de |von )?[A-Z][a-z]+){1,2})"
    en_titles = r"(?:co-?founder|founder|chief executive|chief \w+ officer|ceo|cto|cfo|coo|chairman|chairwoman|president|vice president|managing director|general manager|chief scientist|professor|engineer|director|head|partner|analyst)"
    adj = r"(?:(?:a|an|the|its|their|company's|senior|former|principal|lead|chief|co-|deputy|executive)\s*)*"
    for rx in (
        re.compile(rf"\b(?i:{en_titles}),?\s+{name}"),
        re.compile(rf"{name},\s+{adj}(?i:{en_titles})\b"),
        re.compile(rf"{name}\s+(?:and\s+{name}\s+)?(?:co-?founded|founded|joined|leads|heads)\b"),
        re.compile(rf"{name}\s+(?:said|says|told|noted|added|explained)\b"),
        re.compile(rf"\b(?:said|says|told)\s+{name}"),
    ):
        for m in rx.finditer(t):
            for g in range(1, (rx.groups or 0) + 1):
                if m.group(g) is None:
                    continue
                s, e = m.span(g)
                words = t[s:e].split()
                if words[0] not in _EN_NOT_NAMES and not _EN_ORG_WORD.fullmatch(words[-1]):
                    out.append(Cand(s, e, "Person", "rule:person.en", None, 0))
    # 由林志远于2019年创办: a name as the agent of founding
    for m in re.finditer(r"由([\u4e00-\u9fff]{2,3}?)(?:于|在|等|共同|联合|\d|创)", f):
        if m.group(1)[0] in surnames and not any(ch in stop_chars for ch in m.group(1)[1:]):
            tail = f[m.end(1) : m.end(1) + 14]
            if re.search(r"创办|创立|创建|发起|成立", tail):
                out.append(Cand(m.start(1), m.end(1), "Person", "rule:person.founded-by"))
    return out


_EN_NOT_NAMES = {"The", "In", "On", "At", "For", "And", "But", "With", "By", "From", "This", "That", "Its", "Our", "New", "Chief", "Vice", "Executive", "Senior"}
_EN_SUFFIX = (
    r"Inc\.|Inc|Incorporated|Corp\.|Corp|Corporation|Co\.,?\s?Ltd\.|Co\.|Ltd\.|Ltd|LLC|PLC|GmbH|AG|S\.A\.|Technologies|Technology|"
    r"Semiconductors?|Microelectronics|Electronics|Systems|Labs|Laboratories|Group|Holdings|Capital|Ventures|Partners|Manufacturing|Co|"
    r"Photonics|Robotics|Networks|Computing|Compute|Instruments|Institute|Foundation|Fund|Optical|Optics|Chips|Devices|Materials|AI|"
    r"Lab|Exchange|Stock Exchange|Association|Alliance|Consortium"
)
_EN_ORG = re.compile(
    r"\b((?:[A-Z][\w&\-]*)(?:\s+(?:[A-Z][\w&\-]*|of|and|&|for)){0,4}?)((?:\s+(?:" + _EN_SUFFIX + r"))+)(?![\w-])"
)
_EN_ORG_OF = re.compile(r"\b((?:University|Institute|Academy|Bank|Ministry|Department|Bureau) of (?:the )?[A-Z][\w\-]*(?: [A-Z][\w\-]*){0,3})")
_EN_EVENT = re.compile(
    r"\b((?:(?:19|20)\d{2}\s+)?[A-Z][\w&\-]*(?:\s+(?:[A-Z0-9][\w&\-]*|for|of|on|and|&|in)){0,6}?\s+"
    r"(?:Conference|Summit|Expo|Forum|Exhibition|Congress|Symposium|Show|Fair|Roadshow)(?:\s+(?:19|20)\d{2})?)\b"
)
_EN_ORG_WORD = re.compile(_EN_SUFFIX)
_EN_TITLE_OF = re.compile(r"^(?:[A-Z]{2,4}|President|Chairman|Chairwoman|Founder|Co-founder|Director|Head|Chief(?: [A-Z][a-z]+){1,2}|Vice President)\s(?:of|at)\s")
_EN_CENTER = re.compile(
    r"\b((?:[A-Z][\w\-]*\s+){1,5}(?:Computing Cent(?:er|re)|Supercomputing Cent(?:er|re)|Data Cent(?:er|re)|AI Node|Compute Node|"
    r"Computing Node|Computing Hub|AI Cluster|Compute Cluster|Cloud Node))\b"
)
_EN_PLACE_CTX = re.compile(
    r"\b(?:based|headquartered|located|held|opened|hosted|built|moved|relocated|set up|plant|fab|factory|campus|office|offices|site|"
    r"Cent(?:er|re)|Conference|Summit|Expo|Forum|Lab|Park)"
    r"\s+(?:in|at)\s+((?:[A-Z][a-z]+)(?:\s[A-Z][a-z]+)?)\b"
)
_EN_LEAD = re.compile(r"^(?:(?:The|In|On|At|For|And|But|With|By|From|This|That|Its|Our|After|Before|Meanwhile|Last|Next|Both|Rival|Chinese|US|U\.S\.|British|American|Japanese|Korean|German|European|Taiwanese|Dutch|French|Indian|Canadian|Singaporean|Israeli|Swiss|Analysts?|Shares|Startup|Start-up)\s+)+")
_MODEL = re.compile(r"(?<![a-z0-9.-])([a-z]{1,5}-?\d{2,4}[a-z]{0,2}\d?|[a-z]{2,5} [a-z]?\d{2,4}[a-z]?)(?![a-z0-9-])")
_CHIP_HEAD = re.compile(
    r"^\s?(?:gpu|芯片|加速卡|推理卡|训练卡|智算卡|处理器|光引擎|光模块|交换芯片|chip|chips|accelerator|accelerators|processor|"
    r"ai chip|npu|asic|系列|switch|optical engine|module)"
)
_NAMED_CHIP = re.compile(r"新一代|下一代|自主|自研|首款|第[一二三四五六七八九十\d]+代|国产")
_BRAND_MODEL = re.compile(r"(?<=[\u4e00-\u9fff])([a-z]{1,3}\d{1,4}[a-z]?)(?![a-z0-9])")
_HEAD_BEFORE = re.compile(r"(?:芯片|加速卡|推理卡|训练卡|处理器|光引擎|光模块|gpu|chip|accelerator|engine)\s?$")
_LAUNCHED = re.compile(
    r"(?:unveiled|launched|released|introduced|debuted|announced|showcased|developed|designed|open-sourced|发布|推出|亮相|量产|首发)(?:了)?\s*"
    r"(?:its |the |a |an |new |next-generation |新一代|全新|最新|首款)*"
    r"([a-z][a-z0-9]*(?:[- ][a-z0-9]+){0,2}?-?\d[a-z0-9.]*)(?![a-z0-9])"
)
_PRODUCT_CLASS = [(re.compile(r"^\s?(?:大模型|模型|model|llm)"), "AIModel"), (_CHIP_HEAD, "Chip")]


def _en_rule_cands(doc: Doc) -> list[Cand]:
    t = doc.text
    out = []
    for s0, e0 in doc.body:
        seg = t[s0:e0]
        for rx, cls, rule in ((_EN_ORG, "Company", "org.en"), (_EN_EVENT, "Event", "event.en"), (_EN_ORG_OF, "Company", "org.en-of"),
                              (_EN_CENTER, "ComputeCenter", "center.en")):
            for m in rx.finditer(seg):
                s, e = s0 + m.start(), s0 + m.end()
                lead = _EN_LEAD.match(t[s:e])
                if lead:
                    s += lead.end()
                title = _EN_TITLE_OF.match(t[s:e])
                if title:
                    s += title.end()
                words = t[s:e].split()
                if len(words) < 2 or not words[0][:1].isupper() or words[0] in _EN_NOT_NAMES:
                    continue
                k = cls
                if cls == "Company":
                    k = ("University" if "University" in words or "College" in words else "ResearchInstitute" if words[-1] in ("Institute", "Laboratories") or words[0] in ("Institute", "Academy")
                         else "GovernmentBody" if words[0] in ("Ministry", "Department", "Bureau") else "Investor" if words[-1] in ("Capital", "Ventures", "Fund", "Partners") else "Company")
                out.append(Cand(s, e, k, "rule:" + rule))
        for m in _EN_PLACE_CTX.finditer(seg):
            s, e = s0 + m.start(1), s0 + m.end(1)
            if t[s:e].split()[0] not in _EN_NOT_NAMES:
                out.append(Cand(s, e, "City", "rule:place.en-context"))
    return out


def _chip_cands(doc: Doc, tops: list[Cand]) -> list[Cand]:
    """Model numbers (h100, mi300x, mtt s4000, 910b) next to a maker's name or a chip noun."""
    f = doc.folded
    ends = {c.end: c for c in tops if c.cls in ORG}
    out = []
    for m in _MODEL.finditer(f):
        s, e = m.span(1)
        tok = m.group(1)
        if re.search(r"(?:^|\D)(?:19|20)\d{2}$", tok) or re.fullmatch(r"[a-z]{1,2}\d{2}", tok) and not _CHIP_HEAD.match(f[e:e + 12]) and s not in ends:
            continue
        maker = ends.get(s) or ends.get(s - 1)
        if maker is None and not _CHIP_HEAD.match(f[e : e + 12]) and not _HEAD_BEFORE.search(f[max(0, s - 6) : s]):
            continue
        out.append(Cand(s, e, "Chip", "rule:chip.model"))
    org_surfaces = [f[c.start : c.end] for c in tops if c.cls in ORG]
    for m in _BRAND_MODEL.finditer(f):  # 星河S3 from the maker 星河微电子
        for k in (4, 3, 2):
            brand = f[m.start() - k : m.start()]
            known_brand = any(o.startswith(brand) and o != brand for o in org_surfaces)
            if k == 2 and not known_brand and _CHIP_HEAD.match(f[m.end() : m.end() + 8]) and all(_is_cjk(x) for x in brand):
                known_brand = not _stopped(f, m.start(), _left_stops())
            if len(brand) == k and all(_is_cjk(x) for x in brand) and known_brand:
                out.append(Cand(m.start() - k, m.end(), "Chip", "rule:chip.brand-model"))
                break
    for m in _LAUNCHED.finditer(f):  # "unveiled the XR-900", "发布了LX-1600"
        s, e = m.span(1)
        after = f[e : e + 8]
        cls = next((c for rx, c in _PRODUCT_CLASS if rx.match(after)), "Product")
        out.append(Cand(s, e, cls, "rule:product.launched"))
    # Chinese chip names with a Latin core and a CJK modifier: 新一代自主可控AI SoC芯片
    for m in re.finditer(r"([a-z][a-z0-9]*(?: [a-z0-9]+){0,2}) ?芯片", f):
        s, e = m.start(), m.end()
        j = scan_left(f, s, 10, max(0, s - 12), _left_stops() + ("现有", "公司"), {})
        if j < s and sum(_is_cjk(x) for x in f[j:s]) >= 2 and _NAMED_CHIP.search(f[j:s]):
            out.append(Cand(j, e, "Chip", "rule:chip.named"))
    return out


_ALIAS_DEF = re.compile(r"\((?:以下简称|以下称|下称|简称|hereinafter|hereafter)[:：,，\s]*[\"']?([^\"'()]{1,20}?)[\"']?\)")
_ACRONYM = re.compile(r"\(([a-z][a-z0-9.\-&]{1,11})\)")
_EXPANSION = re.compile(r"\(([\u4e00-\u9fff]{2,12})\)")


def _alias_defs(doc: Doc, cands: list[Cand]) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int]]]:
    """Parenthesised name definitions: X(以下简称"Y"), X(ABBR), ABBR(中文全称).
    Returns (full_start, full_end, alias_start, alias_end) pairs and the parenthesis spans to hide."""
    f = doc.folded
    by_end: dict[int, Cand] = {}
    for c in cands:
        if c.end not in by_end or c.end - c.start > by_end[c.end].end - by_end[c.end].start:
            by_end[c.end] = c
    pairs, hidden = [], []
    for rx in (_ALIAS_DEF, _ACRONYM, _EXPANSION):
        for m in rx.finditer(f):
            full = by_end.get(m.start())
            if full is None:
                continue
            a0, a1 = m.span(1)
            if rx is _EXPANSION and full.source != "lexicon" and full.cls not in ("Technology",):
                continue
            pairs.append((full.start, full.end, a0, a1))
            hidden.append(m.span())
    return pairs, hidden


_ANAPHOR = re.compile(r"(该|此|这家|这一|本届|本次|此次|上述|这个|该家)(公司|企业|集团|中心节点|节点|智算中心|中心|中试线|产线|工厂|基地|大会|会议|展会|论坛|峰会|平台|项目|芯片|机构|研究所)")
_EN_ANAPHOR = re.compile(r"\bthe (?:company|firm|chipmaker|chip maker|startup|start-up|chip designer|foundry)\b(?!'s\s(?:rivals|competitors))")
_BARE_ANAPHOR = re.compile(r"(中心节点|中试线|大会|峰会|公司)(?=[^\u4e00-\u9fff]|[依由在将于是已也还与和的创董总成主拥通同对向])")
_ANAPHOR_CLASS = {
    "公司": ORG, "企业": ORG, "集团": ORG, "机构": ORG, "研究所": ORG,
    "中心节点": ("ComputeCenter",), "节点": ("ComputeCenter",), "智算中心": ("ComputeCenter",), "中心": ("ComputeCenter", "Facility"), "平台": ("ComputeCenter",),
    "中试线": ("Facility",), "产线": ("Facility",), "工厂": ("Facility",), "基地": ("Facility",),
    "大会": ("Event",), "会议": ("Event",), "展会": ("Event",), "论坛": ("Event",), "峰会": ("Event",),
    "项目": ("Project",), "芯片": ("Chip",),
}


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
    cands = lex_cands + rule
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
        if c.source.startswith("rule:org") and c.cls in ORG:
            short = _short_name(f[c.start : c.end])
            if short and short != f[c.start : c.end] and short not in seen:
                seen[short] = Cand(c.start, c.end, c.cls, "rule:org.short")
    for c in cands:
        if c.source.startswith("rule:") or c.source == "alias":
            key = f[c.start : c.end]
            if len(key) >= 2 and (not key.isascii() or len(key) >= 3):
                seen.setdefault(key, c)
    for key, c0 in seen.items():
        k = f.find(key)
        while k >= 0:
            e = k + len(key)
            if (k, e) != (c0.start, c0.end) and _in_body(doc, k) and _word_ok(f, k, e):
                cands.append(Cand(k, e, c0.cls, "gazetteer", c0.key, 2))
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
    taken, nested = _select(cands)
    _to_mentions(doc, taken, nested, pairs)
    return pairs, hidden


_LEGAL_TAIL = re.compile(
    r"(?:\([\u4e00-\u9fff]{2,5}\))?(?:股份有限公司|有限责任公司|集团有限公司|控股有限公司|科技有限公司|有限公司|控股集团|集团|公司"
    r"|,? (?:inc\.?|corp\.?|corporation|co\., ?ltd\.?|ltd\.?|llc|plc))$"
)


def _short_name(full: str) -> str | None:
    """星河微电子股份有限公司 -> 星河微电子; Norwind Photonics Inc. -> norwind photonics."""
    short = _LEGAL_TAIL.sub("", full).strip()
    if short == full:
        return None
    cjk = sum(_is_cjk(x) for x in short)
    if cjk >= 3 or (cjk == 0 and len(short) >= 4 and " " in short) or (cjk == 0 and len(short) >= 5):
        return short
    return None


def _org_before_title(doc: Doc, cands: list[Cand]) -> list[Cand]:
    """瑞兴微系统董事长何静: the unknown name right before a title and a person is an organisation."""
    f = doc.folded
    alt, _ = _titles()
    people = {c.start: c for c in cands if c.cls == "Person"}
    covered = [(c.start, c.end) for c in cands if c.cls != "Person"]
    out = []
    generic = set(cues()["generic_heads"]) | {"记者", "公司", "集团", "本公司", "该公司"}
    for m in re.finditer(rf"(?:{alt})(?:{_TITLE_JOIN}(?:{alt}))*", f):
        if not any(m.end() + k in people for k in (0, 1)) or not _is_cjk(f[m.start() - 1 : m.start()] or "a"):
            continue
        if any(s0 < m.start() <= e0 for s0, e0 in covered):
            continue
        j = scan_left(f, m.start(), 8, max(0, m.start() - 10), _left_stops(), {})
        stem = f[j : m.start()]
        if sum(_is_cjk(x) for x in stem) >= 2 and stem not in generic and not _STEM_BAD.match(stem) and not stem.endswith(("的", "副")):
            out.append(Cand(j, m.start(), "Company", "rule:org.before-title"))
    return out


_LIST = re.compile(r"[\u4e00-\u9fffa-z0-9]{2,12}(?:、[\u4e00-\u9fffa-z0-9]{2,12})+")


def _list_members(doc: Doc, cands: list[Cand]) -> list[Cand]:
    """In 中芯聚源、元禾璞华、青峰资本等 one known organisation makes its unknown list mates
    organisations too; the items are cut at known names, stop words and 等."""
    f = doc.folded
    spans = {(c.start, c.end): c for c in cands if c.cls in ORG}
    occupied = [(c.start, c.end) for c in cands]
    out = []
    for m in _LIST.finditer(f):
        items, pos = [], m.start()
        for part in m.group(0).split("、"):
            items.append((pos, pos + len(part)))
            pos += len(part) + 1
        # the first item may carry words before the name; the last one words after it
        s0, e0 = items[0]
        items[0] = (scan_left(f, e0, 8, s0, _left_stops(), {}), e0)
        s1, e1 = items[-1]
        k = f.find("等", s1, e1)
        cut = min([e1, *(c.end for c in cands if c.start == s1 and c.end <= e1)])
        items[-1] = (s1, k if k > s1 else cut if cut > s1 else e1)
        known = [spans.get(it) for it in items]
        kinds = {c.cls for c in known if c}
        if not kinds:
            continue
        cls = sorted(kinds)[0]
        for (a, b), c in zip(items, known, strict=True):
            if c is None and b - a >= 2 and not any(x < b and a < y for x, y in occupied) and not _STEM_BAD.match(f[a:b]):
                out.append(Cand(a, b, cls, "rule:org.list-mate"))
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
        ments.append(Mention(c.start, c.end, doc.text[c.start : c.end], cls, c.source, c.key, sent_of(c.start)))
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


# --- relations -----------------------------------------------------------------------------


def _tok(name: str, group: str, lst: bool) -> str:
    classes = "|".join(dict.fromkeys(c for g in group.split("|") for c in CLASS_GROUPS[g]))
    one = rf"\x01\d+\x1f(?:{classes})\x02"
    if lst:
        sep = r"\s*(?:、|,|和|及|与|以及|and|&|, and)\s*(?:the\s)?"
        return rf"(?P<{name}>{one}(?:{sep}{one})*)(?:\s*等)?"
    return rf"\x01(?P<{name}>\d+)\x1f(?:{classes})\x02"


# Technology names often stand as modifiers (等智算芯片, CPO技术), so short gaps may cross them.
_GAP = r"(?:[^\x01\x02。]|\x01\d+\x1fTechnology\x02){0,14}?"
_LONG = r"[^。;]{0,120}?"


def _compile(p: str) -> re.Pattern:
    alt, _ = _titles()
    p = p.replace("{_}", _GAP).replace("{__}", _LONG).replace("{TITLES}", rf"(?P<R>(?:{alt})(?:{_TITLE_JOIN}(?:{alt}))*)")
    p = p.replace("{TITLES0}", rf"(?:{alt})(?:{_TITLE_JOIN}(?:{alt}))*")
    p = p.replace("{ADJ}", r"(?:(?:a|an|the|its|their|senior|former|principal|lead|deputy|executive|chief|assistant|associate|visiting|adjunct|general)\s)*")
    p = p.replace("{PLACES}", r"(?:\x01\d+\x1f(?:" + "|".join(PLACE) + r")\x02)*")
    p = p.replace("{SPEECH}", "(?:" + "|".join(cues()["speech_verbs"]) + ")")

    def repl(m: re.Match) -> str:
        return _tok(m.group(1), m.group(3), bool(m.group(2)))

    return re.compile(re.sub(r"\{([A-Z])(\+?):([A-Z|]+)\}", repl, p))


# (rule name, pattern, [(subject group, predicate, object group)], confidence)
_PATTERNS: list[tuple[str, str, list[tuple[str, str, str]], float]] = [
    # people and their organisations
    ("zh.role.org-title-person", r"{O:ORG}(?:的)?\s?{TITLES}\s?{S:PER}", [("S", "@role", "O")], 0.9),
    ("zh.role.org-title-person-2", r"{O:ORG}(?:的)?\s?{TITLES0}\s?\x01\d+\x1fPerson\x02\s?、\s?{TITLES}\s?{S:PER}", [("S", "@role", "O")], 0.85),
    ("zh.role.person-org-title", r"{S:PER}\s?[,，]\s?(?:现任)?{O:ORG}(?:的)?{TITLES}", [("S", "@role", "O")], 0.85),
    ("zh.role.person-serves", r"{S:PER}{_}(?:担任|出任|任职)(?:于)?{O:ORG}(?:的)?{TITLES}", [("S", "@role", "O")], 0.85),
    ("en.role.org-title-person", r"{O:ORG}(?:'s)?\s{ADJ}{TITLES}\s{S:PER}", [("S", "@role", "O")], 0.85),
    ("en.founder.founded-by", r"{O:ORG}\s?,\s(?:which\swas\s)?(?:co-?founded|founded|started)\s(?:in\s\d{4}\s)?by\s[^。]{0,60}?{S+:PER}", [("S", "founderOf", "O")], 0.8),
    ("en.role.person-title-of", r"{S:PER},\s{ADJ}{TITLES}\s(?:of|at)\s(?:the\s)?{O:ORG}", [("S", "@role", "O")], 0.9),
    ("en.role.org-title-comma-person", r"{O:ORG}(?:'s)?\s{ADJ}{TITLES},\s{S:PER}", [("S", "@role", "O")], 0.85),
    ("en.role.person-org-title", r"{S:PER},\s{O:ORG}(?:'s)?\s{TITLES}", [("S", "@role", "O")], 0.85),
    ("en.founder.cofounded", r"{S+:PER}{_}(?:co-?founded|founded|started)\s{O:ORG}", [("S", "founderOf", "O")], 0.85),
    ("zh.founder.created", r"{S+:PER}{_}(?:创办|创立|创建|联合创办)(?:了)?{O:ORG}", [("S", "founderOf", "O")], 0.85),
    ("zh.founder.created-by", r"{O:ORG}\s?由{__}{S+:PER}{_}(?:创办|创立|创建|联合创办|共同创办)", [("S", "founderOf", "O")], 0.85),
    # talks at events
    ("zh.speaks.person-at-event", r"{S:PER}{_}在{__}{O:EVENT}\s?(?:上|期间|现场|开幕式|演讲|致辞|发言|主论坛|分论坛)", [("S", "speaksAt", "O")], 0.85),
    ("zh.speaks.event-then-person", r"在{__}{O:EVENT}\s?(?:上|期间(?=[,，])|现场)\s?[,，]?{__}{S:PER}{_}{SPEECH}", [("S", "speaksAt", "O")], 0.8),
    ("en.speaks.said-at", r"{S:PER}(?:\s?,[^,]{0,80},)?\s?(?:said|says|told|spoke|noted|presented|argued)\s(?:at|during)\s(?:the\s)?{O:EVENT}", [("S", "speaksAt", "O")], 0.85),
    ("en.speaks.at-event", r"(?:at|during|speaking at)\s(?:the\s)?{O:EVENT}\s?,{__}{S:PER}{_}(?:said|says|told|noted|argued|announced|presented)", [("S", "speaksAt", "O")], 0.8),
    ("en.speaks.speaking-at", r"speaking at (?:the )?{O:EVENT}\s?,\s?{S:PER}", [("S", "speaksAt", "O")], 0.85),
    # launches
    ("zh.launch.at-event-released", r"(?:在|^){__}{O:EVENT}\s?(?:上|期间(?=\s?[,，]))\s?[,，]?{__}(?:发布|揭牌|亮相|推出|首发|启动|开通|揭晓)(?:了)?{_}{S:THING}", [("S", "launchedAt", "O")], 0.85),
    ("zh.launch.thing-at-event", r"{S:THING}{_}在{_}{O:EVENT}\s?(?:上|期间)(?:正式|隆重)?(?:揭牌|发布|亮相|首发|启动|开通|上线)", [("S", "launchedAt", "O")], 0.85),
    ("en.launch.unveiled-at", r"{S:THING}\s(?:was|were|is|are|has been)\s(?:officially\s)?(?:unveiled|launched|announced|introduced|showcased|opened)\s(?:at|during)\s(?:the\s)?{O:EVENT}", [("S", "launchedAt", "O")], 0.85),
    ("en.launch.verb-at", r"(?:unveiled|launched|introduced|showcased|debuted)\s(?:its\s|the\s|a\s|an\s)?(?:new\s)?{S:THING}{_}\s(?:at|during)\s(?:the\s)?{O:EVENT}", [("S", "launchedAt", "O")], 0.8),
    # validation
    ("zh.validates.provide-env", r"{S:CENTER}{__}为{O+:ANY}{_}提供{_}验证", [("S", "validates", "O")], 0.9),
    ("zh.validates.org-provide-env", r"{S:ORG}{__}为{O+:ANY}{_}提供{_}验证", [("S", "validates", "O")], 0.75),
    ("zh.validates.completed", r"{S:CENTER}{__}(?:完成|通过)(?:了)?(?:对|与)?{O+:ANY}{_}(?:的)?(?:适配|兼容|测试|互认)?验证", [("S", "validates", "O")], 0.85),
    ("zh.validates.passed-at", r"{O+:ANY}{_}(?:在|于){S:CENTER}{_}(?:完成|通过)(?:了)?{_}验证", [("S", "validates", "O")], 0.85),
    ("en.validates.validated", r"{S:FAC}{_}\s(?:has\s|have\s)?(?:validated|certified|qualified)\s(?:the\s)?(?:(?:chips|products|accelerators|gpus|processors)\s(?:from|of|by)\s)?{O+:ANY}", [("S", "validates", "O")], 0.85),
    ("en.validates.org-validated", r"{S:ORG}\s(?:has\s|have\s)?validated\s(?:the\s)?{O+:PRODUCT}", [("S", "validates", "O")], 0.8),
    ("en.validates.env-for", r"{S:FAC}{__}(?:validation|verification|test)\s(?:environment|platform|bed|services?)\sfor\s{O+:ANY}", [("S", "validates", "O")], 0.85),
    ("en.validates.passive", r"{O+:ANY}{_}\s(?:were|was|have been|has been)\svalidated\s(?:at|by|on)\s(?:the\s)?{S:FAC}", [("S", "validates", "O")], 0.85),
    # hosting and location
    ("zh.hosted.attracts", r"{S:FAC}{__}吸引(?:了)?{O+:ORG}{__}(?:落地|落户|入驻|集聚|扎根)", [("O", "hostedAt", "S")], 0.85),
    ("zh.hosted.settle-in-place", r"{S+:ORG|FAC}{_}(?:相继|先后|已|纷纷|正式|将)?(?:落地|落户|入驻|扎根)(?:于|在|到)?{O:PLACE}", [("S", "locatedIn", "O")], 0.85),
    ("zh.hosted.settle-in-center", r"{S+:ORG}{_}(?:相继|先后|已|纷纷|正式|将)?(?:落地|落户|入驻|扎根)(?:于|在|到)?{O:FAC}", [("S", "hostedAt", "O")], 0.85),
    ("zh.located.sits-in", r"{S:ANY}(?:的)?(?:总部)?(?:位于|坐落于|坐落在|设在|地处|总部设在|落户于|落户)(?:中国)?{PLACES}{O:PLACE}", [("S", "locatedIn", "O")], 0.9),
    ("zh.located.topic-hq", r"^{S:ORG}{__}总部(?:位于|设在){PLACES}{O:PLACE}", [("S", "locatedIn", "O")], 0.85),
    ("zh.located.held-in-event", r"在{PLACES}{O:PLACE}(?:举行|举办|召开)的{S:EVENT}", [("S", "locatedIn", "O")], 0.85),
    ("zh.located.event-opens-in", r"{S:EVENT}{_}(?:在|于){O:PLACE}(?:开幕|举行|举办|召开|启幕)", [("S", "locatedIn", "O")], 0.9),
    ("zh.located.event-opens-at", r"{S:EVENT}{_}(?:在|于){O:FAC}(?:开幕|举行|举办|召开|启幕)", [("S", "locatedIn", "O")], 0.85),
    ("zh.hosted.relies-on", r"{S:ANY}\s?(?:依托|依托于|设在|设于|入驻)\s?{O:FAC}", [("S", "hostedAt", "O")], 0.85),
    ("zh.hosted.relies-on-org", r"{S:FAC}\s?(?:依托|依托于)\s?{O:ORG}", [("S", "hostedAt", "O")], 0.85),
    ("en.hosted.by", r"{S:ANY}\s(?:is|was|are|will be)\s(?:hosted|housed)\s(?:by|at|in)\s(?:the\s)?{O:ANY}", [("S", "hostedAt", "O")], 0.85),
    ("en.located.event-in", r"{S:EVENT}\s(?:in|at)\s{O:PLACE}", [("S", "locatedIn", "O")], 0.85),
    ("en.located.facility-in", r"{S:FAC}\sin\s{O:PLACE}", [("S", "locatedIn", "O")], 0.85),
    ("zh.located.hq-in", r"总部(?:位于|设在){O:PLACE}的{S:ORG}", [("S", "locatedIn", "O")], 0.9),
    ("zh.located.project-in-place", r"在{O:PLACE}\s?[,，]\s?{S:ORG}(?:将|把|已将|计划将){__}(?:项目|基地|总部|工厂|中心|产线)(?:落|放|设|建)(?:在|地|户)", [("S", "locatedIn", "O")], 0.8),
    ("en.located.based-in", r"{S:ANY}\s?,\s(?:which\sis\s)?(?:headquartered|based|located)\sin\s{O:PLACE}", [("S", "locatedIn", "O")], 0.9),
    ("en.located.is-based-in", r"{S:ANY}\s(?:is|are|was)\s(?:headquartered|based|located)\sin\s{O:PLACE}", [("S", "locatedIn", "O")], 0.9),
    ("en.located.place-based", r"{O:PLACE}-based\s{S:ORG}", [("S", "locatedIn", "O")], 0.9),
    ("en.located.appositive-based", r"{S:ORG}\s?,\s(?:a|an|the)\s{O:PLACE}-based", [("S", "locatedIn", "O")], 0.85),
    ("zh.located.in-place-of", r"(?:位于|地处){O:PLACE}的{S:ORG}", [("S", "locatedIn", "O")], 0.85),
    ("en.located.opened-in", r"{S:ORG}{_}\s(?:opened|set up|established|moved|relocated)\s(?:a\s|its\s|an\s)?(?:new\s)?(?:plant|fab|factory|facility|headquarters|office|centre|center|site|campus)?\s?in\s{O:PLACE}", [("S", "locatedIn", "O")], 0.8),
    # products
    ("zh.develops.rd-project", r"{S:ORG}(?:将|把)?{_}{O:PRODUCT}{_}(?:研发|开发|研制)", [("S", "develops", "O")], 0.85),
    ("zh.develops.release", r"{S:ORG}{_}(?:发布|推出|研发|开发|研制|量产|打造|自研)(?:了)?(?:新一代|新款|全新|最新|自研)?(?:的)?{_}{O+:PRODUCT}", [("S", "develops", "O")], 0.85),
    ("zh.develops.maker-model", r"{S:ORG}\s?{O:CHIP}", [("S", "develops", "O")], 0.8),
    ("en.develops.release", r"{S:ORG}{_}\s(?:unveiled|launched|introduced|released|announced|developed|designed|rolled out|debuted|began shipping|unveils|launches|introduces|releases|develops|designs)\s(?:its\s|a\s|an\s|the\s)?(?:new\s|next-generation\s|latest\s)?{_}{O+:PRODUCT}", [("S", "develops", "O")], 0.85),
    ("en.develops.possessive", r"{S:ORG}'s\s(?:new\s|latest\s|flagship\s)?{O:PRODUCT}", [("S", "develops", "O")], 0.8),
    ("zh.manufactures.makes", r"{S:ORG}{_}(?:代工|生产|制造)(?:了)?{_}{O+:PRODUCT}", [("S", "manufactures", "O")], 0.8),
    ("zh.manufactures.made-by", r"{O:PRODUCT}{_}由{S:ORG}(?:代工|生产|制造)", [("S", "manufactures", "O")], 0.85),
    ("en.manufactures.makes", r"{S:ORG}\s(?:manufactures|will manufacture|produces|will produce|fabricates|makes)\s{_}{O+:PRODUCT}", [("S", "manufactures", "O")], 0.8),
    ("en.manufactures.made-by", r"{O:PRODUCT}{_}\s(?:is|are|will be|was|were)\s(?:manufactured|produced|fabricated|made)\sby\s{S:ORG}", [("S", "manufactures", "O")], 0.85),
    # supply
    ("zh.supplies.provide-to", r"{S:ORG}{_}(?:为|向){O+:ANY}{_}(?:提供|供应|供货|交付)(?![^，。]{0,10}验证)", [("S", "supplies", "O")], 0.8),
    ("zh.supplies.is-supplier", r"{S:ORG}{_}(?:是|为|成为|系){O:ORG}(?:的)?{_}(?:供应商|供货商)", [("S", "supplies", "O")], 0.85),
    ("zh.supplies.supplier-of", r"{O:ORG}(?:的)?{_}供应商{S+:ORG}", [("S", "supplies", "O")], 0.8),
    ("zh.supplies.customers-include", r"^{S:ORG}{__}客户(?:包括|有|为|涵盖|主要为|主要包括){O+:ORG}", [("S", "supplies", "O")], 0.8),
    ("zh.supplies.is-customer", r"{O+:ORG}{_}(?:均|都|也)?(?:是|为|成为){S:ORG}(?:的)?{_}客户", [("S", "supplies", "O")], 0.85),
    ("en.supplies.supplies-to", r"{S:ORG}\s(?:supplies|will supply|supplied|provides|provided|ships|shipped|delivers|delivered|sells|sold)\s{__}\sto\s{O+:ANY}", [("S", "supplies", "O")], 0.8),
    ("en.supplies.supplier-of", r"{S:ORG}\s?,?\s(?:is\s|as\s)?(?:a\s|the\s|an\s)?(?:key\s|major\s|main\s|sole\s|exclusive\s)?supplier\s(?:of|to)\s{O+:ANY}", [("S", "supplies", "O")], 0.85),
    ("en.supplies.supplies-obj", r"{S:ORG}\s(?:supplies|will supply|supplied)\s{O+:ORG}", [("S", "supplies", "O")], 0.8),
    # money
    ("zh.invests.led", r"{S+:ORG}{_}(?:领投|参投|跟投|投资|战略投资|注资|入股)(?:了)?{_}{O:ORG}", [("S", "investsIn", "O")], 0.85),
    ("zh.invests.round-by", r"{O:ORG}{__}(?:获得|完成|宣布完成|获){__}由{S+:ORG}{_}(?:领投|参投|跟投|投资|联合领投)", [("S", "investsIn", "O")], 0.85),
    ("zh.invests.round-then", r"{O:ORG}{__}(?:融资|轮){__}[,，]\s?{S+:ORG}{_}(?:领投|联合领投|参投|跟投)", [("S", "investsIn", "O")], 0.75),
    ("en.invests.led-round", r"{S+:ORG}\s(?:led|co-led|joined|participated in)\s{__}(?:round|funding|financing|investment)\s(?:in|for)\s{O:ORG}", [("S", "investsIn", "O")], 0.85),
    ("en.invests.raised-led-by", r"{O:ORG}{__}(?:raised|closed|secured|completed){__}(?:led by|from|backed by|with participation from)\s{S+:ORG}", [("S", "investsIn", "O")], 0.85),
    ("en.invests.invested-in", r"{S+:ORG}[^\x01\x02。]{0,40}?\s(?:invested|invests|invest|investing)\s[^\x01\x02。]{0,40}?in\s{O+:ORG}", [("S", "investsIn", "O")], 0.85),
    ("en.invests.backed-by", r"{O:ORG}\s?,\s(?:which is\s)?(?:backed|funded) by\s{S+:ORG}", [("S", "investsIn", "O")], 0.8),
    ("en.invests.is-backed-by", r"{O:ORG}{__}\s(?:is|are|was|has been)\s(?:also\s)?(?:backed|funded)\sby\s{S+:ORG}", [("S", "investsIn", "O")], 0.8),
    ("zh.acquires.completed", r"{S:ORG}{_}(?:完成|宣布完成|已完成)(?:了)?对{O:ORG}[^\x01\x02。]{0,12}?的收购", [("S", "acquires", "O")], 0.85),
    ("zh.acquires.stake", r"{S:ORG}{_}(?:取得|获得)(?:了)?{O:ORG}(?:的)?(?:控股权|控制权|多数股权|全部股权)", [("S", "acquires", "O")], 0.85),
    ("zh.acquires", r"{S:ORG}{_}(?:拟|将|宣布|计划|正式|已)?(?:收购|并购|吸收合并|控股(?!股东|子公司|集团|公司)|购入|吞并)(?:了)?{_}{O:ORG}", [("S", "acquires", "O")], 0.85),
    ("zh.acquires.passive", r"{O:ORG}{_}被{S:ORG}{_}(?:收购|并购|吸收合并|控股)", [("S", "acquires", "O")], 0.85),
    ("zh.acquires.controlling-holder", r"{O:ORG}(?:的)?控股股东(?:为|是)?{S:ORG}", [("S", "acquires", "O")], 0.8),
    ("en.acquires", r"{S:ORG}\s(?:has\s|had\s)?(?:acquired|will acquire|agreed to (?:buy|acquire)|bought|completed (?:the|its) acquisition of|is acquiring|to acquire|acquires|buys)\s{_}{O:ORG}", [("S", "acquires", "O")], 0.85),
    ("en.acquires.stake", r"{S:ORG}{__}(?:a\s|the\s)?(?:controlling|majority)\sstake\sin\s{O:ORG}", [("S", "acquires", "O")], 0.8),
    ("en.acquires.passive", r"{O:ORG}\s(?:was|will be|has been|is being)\s(?:acquired|bought)\sby\s{S:ORG}", [("S", "acquires", "O")], 0.85),
    # partnership and competition
    ("zh.partner.with", r"{S:ORG}{_}(?:与|和|同|跟){O+:ORG}{_}(?:合作|签约|签署|携手|联合|达成|共建|战略合作)", [("S", "partnerOf", "O")], 0.8),
    ("zh.partner.joins-hands", r"{S:ORG}{_}(?:携手|联手|牵手){O+:ORG}", [("S", "partnerOf", "O")], 0.85),
    ("en.partner.with", r"{S+:ORG}\s(?:has\s|have\s)?(?:also\s)?(?:partnered|partners|teamed up|is partnering|will partner|(?:signed|formed|entered|struck|announced)\s{__}(?:agreement|deal|memorandum|mou|partnership|alliance|collaboration))\swith\s{O+:ORG}", [("S", "partnerOf", "O")], 0.85),
    ("en.partner.and", r"{S:ORG}\sand\s{O:ORG}\s(?:signed|announced|formed|entered|have formed|struck)\s[^\x01\x02。]{0,60}?(?:partnership|agreement|alliance|cooperation|collaboration)(?!\s(?:with|to)\b)", [("S", "partnerOf", "O")], 0.85),
    ("en.partner.between", r"(?:partnership|collaboration|alliance|agreement)\s(?:between|with)\s{S:ORG}\sand\s{O:ORG}", [("S", "partnerOf", "O")], 0.8),
    ("zh.competes.rival", r"{S:ORG}{__}(?:竞争对手|对手)(?:是|包括|为|有)?{O+:ORG}", [("S", "competesWith", "O")], 0.8),
    ("zh.competes.benchmark", r"{S:ORG}{_}(?:对标|比肩|挑战|正面竞争){O+:ORG}", [("S", "competesWith", "O")], 0.75),
    ("zh.competes.product-benchmark", r"{S:PRODUCT}{_}(?:对标|比肩){__}{O:PRODUCT}", [("S", "competesWith", "O")], 0.75),
    ("zh.competes.with", r"{S:ORG}(?:与|和){O:ORG}{_}(?:竞争|争夺|角逐)", [("S", "competesWith", "O")], 0.8),
    ("en.competes.with", r"{S:ORG}\s(?:competes|competing|will compete|to compete)\s(?:directly\s|head-on\s)?with\s{O+:ORG}", [("S", "competesWith", "O")], 0.85),
    ("en.competes.rival-of", r"{S:ORG}\s?,\s(?:a\s)?(?:rival|competitor)\s(?:of|to)\s{O+:ORG}", [("S", "competesWith", "O")], 0.85),
    ("en.competes.rivals-include", r"{S:ORG}(?:'s)?\s(?:rivals|competitors)\s(?:include|such as|like)\s{O+:ORG}", [("S", "competesWith", "O")], 0.8),
    # deployments, building, operating
    ("zh.deploys.deployed", r"{S:FAC}{__}(?:部署|采用|搭载|上线)(?:了)?{__}{O+:PRODUCT}", [("S", "deploys", "O")], 0.8),
    ("zh.deploys.org-deployed", r"{S:ORG}{_}(?:部署|采用|搭载)(?:了)?{_}{O+:PRODUCT}", [("S", "deploys", "O")], 0.75),
    ("zh.deploys.built-on", r"基于{O+:PRODUCT}{_}(?:构建|打造|搭建)的{S:ANY}", [("S", "deploys", "O")], 0.8),
    ("zh.deploys.build-on", r"{S:ANY}{_}基于{O+:PRODUCT}{_}(?:构建|打造|搭建)", [("S", "deploys", "O")], 0.8),
    ("en.deploys.deployed", r"{S:ANY}\s(?:has\s|have\s|had\s)?(?:deployed|deploys|will deploy|installed|runs on|is built on|was built on|uses)\s{__}{O+:PRODUCT}", [("S", "deploys", "O")], 0.8),
    ("en.deploys.built-on", r"{S:ANY}\s?,\s(?:built|running)\son\s{O+:PRODUCT}", [("S", "deploys", "O")], 0.8),
    ("zh.builds", r"{S:ORG}{_}(?:建设|承建|投建|兴建|打造)(?:了|的)?{_}{O:FAC}", [("S", "builds", "O")], 0.8),
    ("zh.builds.by", r"{O:FAC}{_}由{S:ORG}{_}(?:建设|承建|投建|兴建|打造)", [("S", "builds", "O")], 0.85),
    ("zh.operates.by", r"{O:FAC}\s?[,，]?\s?由{S:ORG}{_}(?:运营|运维|管理)", [("S", "operates", "O")], 0.85),
    ("zh.operates.topic-by", r"^{O:FAC}{__}[,，]\s?由{S:ORG}{_}(?:运营|运维|管理)", [("S", "operates", "O")], 0.8),
    ("zh.operates", r"{S:ORG}(?:负责)?运营(?:的)?{_}{O:FAC}", [("S", "operates", "O")], 0.8),
    ("en.builds", r"{S:ORG}\s(?:built|builds|will build|is building|constructed|is constructing)\s{_}{O:FAC}", [("S", "builds", "O")], 0.8),
    ("en.operates", r"{S:ORG}\s(?:operates|runs|will operate)\s{_}{O:FAC}", [("S", "operates", "O")], 0.8),
    ("en.operates.by", r"{O:FAC}\s?,\s(?:built|operated|run)\sby\s{S:ORG}", [("S", "operates", "O")], 0.8),
    # listings
    ("zh.listed.on", r"{S:ORG}{__}(?:在|于|登陆|登录|挂牌|赴)?{O:ORG}\s?(?:上市|挂牌|ipo|首发|主板上市)", [("S", "listedOn", "O")], 0.85),
    ("zh.listed.lands", r"{S:ORG}{_}(?:登陆|登录)(?:了)?{O:ORG}", [("S", "listedOn", "O")], 0.85),
    ("en.listed.on", r"{S:ORG}{__}\s(?:listed|listing|debuted|went public|ipo|initial public offering|began trading)\s(?:on|in)\s(?:the\s)?{O+:ORG}", [("S", "listedOn", "O")], 0.85),
    # corporate structure
    ("zh.subsidiary.under", r"{O:ORG}(?:旗下|下属)(?:的)?{_}{S+:ORG}", [("S", "subsidiaryOf", "O")], 0.85),
    ("zh.subsidiary.is", r"{S:ORG}{_}(?:是|为|系|作为|成为){O:ORG}(?:旗下|下属)?(?:的)?(?:全资|控股)?(?:子公司|旗下公司|下属企业|旗下企业)", [("S", "subsidiaryOf", "O")], 0.9),
    ("zh.subsidiary.set-up", r"{O:ORG}{__}(?:设立|成立|组建|注册)(?:了)?(?:全资|控股)?子公司\s?{S:ORG}", [("S", "subsidiaryOf", "O")], 0.85),
    ("zh.subsidiary.under-is", r"{S:ORG}{_}(?:原为|原是|是|为|系){O:ORG}(?:旗下|下属)(?:的)?(?:公司|企业|子公司)", [("S", "subsidiaryOf", "O")], 0.85),
    ("zh.subsidiary.sub", r"{O:ORG}(?:的)?(?:全资|控股)?子公司{S:ORG}", [("S", "subsidiaryOf", "O")], 0.85),
    ("en.subsidiary.of", r"{S:ORG}\s?,\s(?:a\s|the\s|its\s)?(?:[a-z\-]+\s){0,3}(?:subsidiary|unit|division|arm|affiliate)\sof\s{O:ORG}", [("S", "subsidiaryOf", "O")], 0.9),
    ("en.subsidiary.as", r"{S:ORG}{_}\s(?:as|is|became|will become|becomes|to become)\s(?:a\s|an\s|the\s)?(?:wholly[- ]owned\s|majority-owned\s)?(?:subsidiary|unit|division|arm)\sof\s{O:ORG}", [("S", "subsidiaryOf", "O")], 0.9),
    ("en.subsidiary.possessive", r"{O:ORG}(?:'s)?\s(?:subsidiary|unit|chip unit|division|arm|chip arm)\s{S:ORG}", [("S", "subsidiaryOf", "O")], 0.85),
    # events with events
    ("zh.event.held-with", r"(?:与|和){O:EVENT}\s?同期(?:举行|举办|召开)的{S:EVENT}", [("S", "heldWith", "O")], 0.9),
    ("zh.event.held-with-2", r"{S:EVENT}\s?(?:与|和){O:EVENT}\s?同期(?:举行|举办|召开)", [("S", "heldWith", "O")], 0.9),
    ("zh.event.topic-held-with", r"^{S:EVENT}{__}[,，]\s?(?:与|和){O:EVENT}\s?同期(?:举行|举办|召开)", [("S", "heldWith", "O")], 0.85),
    ("zh.event.during", r"{O:EVENT}\s?期间(?:举办|举行|召开)?的{S:EVENT}", [("S", "partOf", "O")], 0.85),
    ("en.located.event-took-place", r"{S:EVENT}\s(?:took place|was held|is held|will be held|opened|kicked off|runs|ran)\s(?:in|at)\s{O:PLACE}", [("S", "locatedIn", "O")], 0.9),
    ("en.event.topic-held-with", r"^(?:the\s)?{S:EVENT}{__},\s(?:held|co-located|running)\s(?:alongside|with)\s(?:the\s)?{O:EVENT}", [("S", "heldWith", "O")], 0.85),
    ("en.event.held-with", r"{S:EVENT}\s?,?\s(?:held|co-located|running)\s(?:alongside|with)\s(?:the\s)?{O:EVENT}", [("S", "heldWith", "O")], 0.85),
    ("en.event.part-of", r"{S:EVENT}\s?,\s(?:a\s|one\s)?(?:session|part|sub-forum|track|side event)\sof\s(?:the\s)?{O:EVENT}", [("S", "partOf", "O")], 0.85),
]
_VETO = {
    "listedOn": re.compile(r"申请|审核|辅导|筹划|计划|拟|递表|招股|filed|plans? to|applied|application|prospectus|seeking"),
}
_NEG = re.compile(r"(?:并未|尚未|未能|未曾|没有|否认|并非|不会|无意|终止|放弃|未(?!来))|\b(?:not|never|denied|denies|deny|no plans|won't|didn't|doesn't|terminated|abandoned|called off|rumou?red)\b")


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, re.Pattern, list[tuple[str, str, str]], float, list[frozenset[str]]]]:
    """Patterns with the classes each needs, so a sentence skips patterns it cannot match."""
    out = []
    for n, p, roles, c in _PATTERNS:
        needs = [frozenset(x for g in grp.split("|") for x in CLASS_GROUPS[g]) for grp in re.findall(r"\{[A-Z]\+?:([A-Z|]+)\}", p)]
        out.append((n, _compile(p), roles, c, needs))
    return out


def _template(doc: Doc, si: int, tops: list[int], hidden: list[tuple[int, int]]) -> str:
    s = doc.sentences[si]
    out = []
    pos = s.start
    for mi in tops:
        m = doc.mentions[mi]
        if any(h0 <= m.start < h1 for h0, h1 in hidden):
            continue
        out.append(_strip_hidden(doc.folded, pos, m.start, hidden))
        out.append(f"\x01{mi}\x1f{m.cls}\x02")
        pos = m.end
    out.append(_strip_hidden(doc.folded, pos, s.end, hidden))
    return "".join(out)


def _strip_hidden(f: str, a: int, b: int, hidden: list[tuple[int, int]]) -> str:
    parts = []
    for h0, h1 in hidden:
        if h1 <= a or h0 >= b:
            continue
        parts.append(f[a:max(a, h0)])
        a = max(a, h1)
    parts.append(f[a:b])
    return "".join(parts)


def _ids(group: str) -> list[int]:
    return [int(x) for x in _TOKEN_ID.findall(group)] or ([int(group)] if group.isdigit() else [])


_TOKEN = re.compile(r"\x01\d+\x1f\w+\x02")
_TOKEN_ID = re.compile(r"\x01(\d+)\x1f")


def find_relations(doc: Doc, hidden: list[tuple[int, int]]) -> None:
    _, title_kind = _titles()
    by_sent: dict[int, list[int]] = {}
    for i, m in enumerate(doc.mentions):
        if m.source != "nested" and m.sentence >= 0:
            by_sent.setdefault(m.sentence, []).append(i)
    seen = set()
    templates = {si: _template(doc, si, sorted(tops, key=lambda i: doc.mentions[i].start), hidden) for si, tops in by_sent.items()}
    for si, tops in by_sent.items():
        if len(tops) < 2:
            continue
        tpl = templates[si]
        present = frozenset(doc.mentions[i].cls for i in tops)
        for name, rx, roles, conf, needs in _compiled():
            if not all(not present.isdisjoint(need) for need in needs):
                continue
            for m in rx.finditer(tpl):
                plain = _TOKEN.sub(" ", m.group(0))
                if _NEG.search(plain) or any(p in _VETO and _VETO[p].search(tpl) for _, p, _ in roles):
                    continue
                for sg, pred, og in roles:
                    preds = [(pred, None)]
                    if pred == "@role":
                        role_folded = m.group("R")
                        found = [t for t in re.split(_TITLE_JOIN, role_folded) if t]
                        kinds = {title_kind.get(t.strip(), "executiveOf") for t in found}
                        role = _original_role(doc, si, role_folded)
                        preds = [(k, role) for k in sorted(kinds)]
                    for subj in _ids(m.group(sg)):
                        for obj in _ids(m.group(og)):
                            if subj == obj:
                                continue
                            for p, role in preds:
                                k = (subj, p, obj, si)
                                if k in seen:
                                    continue
                                seen.add(k)
                                doc.relations.append(Relation(subj, p, obj, si, name, conf, role))
    round_investors(doc, templates)


_ROUND_SUBJECT = r"{S:ORG}{__}(?:raised|closed|secured|completed|announced|完成|获得|宣布完成|获)[^。]{0,40}?(?:round|funding|financing|融资|轮)"
_ROUND_INVESTORS = re.compile(r"\b(?:led|co-led|took part|participated|joined)\b|领投|参投|跟投|联合领投")


def round_investors(doc: Doc, templates: dict[int, str]) -> None:
    """A funding round is often told over two sentences: "X raised $120 million in a Series B.
    Y led the round, while Z also took part."  Investors named in the next two sentences with
    a round verb are linked to the company that raised the round."""
    subj_rx = _compile(_ROUND_SUBJECT)
    seen = {(r.subj, r.pred, r.obj) for r in doc.relations}
    for si in sorted(templates):
        m = subj_rx.search(templates[si])
        if not m:
            continue
        target = int(m.group("S"))
        for sj in (si, si + 1, si + 2):
            tpl = templates.get(sj)
            if tpl is None or (sj != si and subj_rx.search(tpl)) or not _ROUND_INVESTORS.search(tpl):
                continue
            for mi in _ids(tpl[m.end() :] if sj == si else tpl):
                if doc.mentions[mi].cls in ORG and mi != target and (mi, "investsIn", target) not in seen:
                    if doc.mentions[mi].key and doc.mentions[mi].key == doc.mentions[target].key:
                        continue
                    seen.add((mi, "investsIn", target))
                    doc.relations.append(Relation(mi, "investsIn", target, sj, "round.investors", 0.75))


def _original_role(doc: Doc, si: int, role_folded: str) -> str:
    s = doc.sentences[si]
    k = doc.folded.find(role_folded, s.start, s.end)
    return doc.text[k : k + len(role_folded)] if k >= 0 else role_folded


_SUBSIDIARY_TAIL = re.compile(r"^(?:\d+所|\d+研究所|研究所|研究院|分公司|子公司|实验室|分院|\d+厂)$")


def structural_relations(doc: Doc, lex: lexmod.Lexicon) -> None:
    """Facts carried by the names themselves: a place inside a name (武汉光迅科技 -> Wuhan),
    an institute named after its parent (中国电科58所), a node named after its cloud."""
    f = doc.folded
    ments = doc.mentions
    tops = [i for i, m in enumerate(ments) if m.source != "nested"]
    seen = {(r.subj, r.pred, r.obj) for r in doc.relations}

    def add(s: int, p: str, o: int, si: int, rule: str, conf: float) -> None:
        if (s, p, o) not in seen and s != o and si >= 0:
            seen.add((s, p, o))
            doc.relations.append(Relation(s, p, o, si, rule, conf))

    top_starts = [ments[i].start for i in tops]
    nested_orgs = [m for m in ments if m.source == "nested" and m.cls in ORG]
    for ni, n in enumerate(ments):
        if n.source != "nested":
            continue
        k = bisect.bisect_right(top_starts, n.start) - 1
        outer = tops[k] if k >= 0 and n.end <= ments[tops[k]].end else None
        if outer is None:
            continue
        o = ments[outer]
        inside_other = any(m is not n and m.start <= n.start and n.end <= m.end for m in nested_orgs)
        if n.cls in PLACE and n.cls != "Country" and not inside_other and o.cls not in PLACE and o.cls != "Person":
            add(outer, "locatedIn", ni, o.sentence, "name.place-in-name", 0.85 if o.cls not in ORG else 0.7)
        elif n.cls in ORG and o.cls in ORG and n.start == o.start:
            tail = f[n.end : o.end]
            if _SUBSIDIARY_TAIL.match(tail):
                add(outer, "subsidiaryOf", ni, o.sentence, "name.parent-prefix", 0.85)
    centers = [i for i in tops if ments[i].cls == "ComputeCenter" and not ments[i].source.startswith("anaphor")]
    for a in centers:
        for b in centers:
            fa, fb = f[ments[a].start : ments[a].end], f[ments[b].start : ments[b].end]
            if fa != fb and fa.startswith(fb) and len(fa) - len(fb) <= 6:
                add(a, "partOf", b, ments[a].sentence, "name.node-of-cloud", 0.85)


# --- numbers -------------------------------------------------------------------------------

_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_Q_PATTERNS = [
    ("num.cards", re.compile(_NUM + r"\s*(万)?\s*(?:张|块)(?=[^。]{0,6}?(?:卡|gpu))|" + r"(?<=卡)[^\d。]{0,4}" + _NUM + r"\s*(万)?\s*(?:张|块)"), "cards", "accelerator cards"),
    ("num.cards.en", re.compile(_NUM + r"\s*(thousand|million)?\s*(?:nvidia\s|domestic\s|ai\s)?(?:gpus|accelerators|accelerator cards|ai chips|cards)\b"), "cards", "accelerator cards"),
    ("num.flops", re.compile(_NUM + r"\s*(p|pflops|petaflops|e|eflops|exaflops|t|tflops|teraflops)(?![a-z])"), "", "computing capacity"),
    ("num.money", re.compile(_NUM + r"\s*(万亿|亿|万)?\s*(美元|元|人民币|港元|欧元)"), "", "amount"),
    ("num.money.en", re.compile(r"(?:us)?\$\s?" + _NUM + r"\s*(trillion|billion|million|bn|m)?\b"), "", "amount"),
    ("num.percent", re.compile(_NUM + r"\s*%"), "percent", "percent"),
]
_FLOPS_UNIT = {"p": "PFLOPS", "pflops": "PFLOPS", "petaflops": "PFLOPS", "e": "EFLOPS", "eflops": "EFLOPS", "exaflops": "EFLOPS", "t": "TFLOPS", "tflops": "TFLOPS", "teraflops": "TFLOPS"}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年|\bin\s((?:19|20)\d{2})\b|\bby\s((?:19|20)\d{2})\b")


_PERCENT_KINDS = [(re.compile(r"份额|占据|占比|share"), "share"), (re.compile(r"增长|增速|复合|cagr|growth|grew|rose|fell|下降|下滑"), "growth rate")]


def find_quantities(doc: Doc) -> None:
    by_sent: dict[int, list[int]] = {}
    for i, m in enumerate(doc.mentions):
        if m.source != "nested" and m.sentence >= 0:
            by_sent.setdefault(m.sentence, []).append(i)
    seen = set()
    for si, s in enumerate(doc.sentences):
        ments = by_sent.get(si)
        if not ments:
            continue
        seg = doc.folded[s.start : s.end]
        for rule, rx, unit, kind in _Q_PATTERNS:
            for m in rx.finditer(seg):
                groups = [g for g in m.groups()]
                num_i = next(i for i, g in enumerate(groups) if g is not None)
                raw = groups[num_i].replace(",", "")
                try:
                    value = float(raw)
                except ValueError:
                    continue
                mult = groups[num_i + 1] if num_i + 1 < len(groups) else None
                u, k = unit, kind
                if rule.startswith("num.cards"):
                    value *= {"万": 1e4, "thousand": 1e3, "million": 1e6}.get(mult or "", 1)
                elif rule == "num.flops":
                    u = _FLOPS_UNIT[mult]
                elif rule == "num.money":
                    cur = {"美元": "USD", "元": "CNY", "人民币": "CNY", "港元": "HKD", "欧元": "EUR"}[groups[num_i + 2]]
                    value *= {"万亿": 1e12, "亿": 1e8, "万": 1e4}.get(mult or "", 1)
                    value, u = _scale(value, cur)
                elif rule == "num.money.en":
                    value *= {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "m": 1e6}.get(mult or "", 1)
                    value, u = _scale(value, "USD")
                if rule.startswith("num.money"):
                    k = "market size" if re.search(r"市场|market", seg) else "funding" if re.search(r"融资|轮|round|raised", seg) else "amount"
                if rule == "num.percent":
                    near = seg[max(0, m.start() - 14) : m.end() + 8]
                    k = next((kk for scope in (near, seg) for rx_k, kk in _PERCENT_KINDS if rx_k.search(scope)), "percent")
                pos = s.start + m.start()
                about = [i for i in ments if doc.mentions[i].end <= pos]
                target = about[-1] if about else ments[0]
                if doc.mentions[target].cls == "Person":
                    continue
                years = [y for y in _YEAR.finditer(seg[: m.start()])]
                year = int(next(g for g in years[-1].groups() if g)) if years else None
                key = (target, round(value, 6), u, pos)
                if key in seen:
                    continue
                seen.add(key)
                doc.quantities.append(Quantity(target, round(value, 6), u, k, si, pos, s.start + m.end(), rule, year))


def _scale(value: float, cur: str) -> tuple[float, str]:
    if value >= 1e9:
        return value / 1e9, f"billion {cur}"
    if value >= 1e6:
        return value / 1e6, f"million {cur}"
    return value, cur


def extract(doc: Doc, lex: lexmod.Lexicon | None = None) -> Doc:
    """Fill `mentions`, `relations` and `quantities` of a normalised `Doc`."""
    lex = lex or lexmod.load()
    pairs, hidden = find_mentions(doc, lex)
    find_relations(doc, hidden)
    structural_relations(doc, lex)
    find_quantities(doc)
    doc.aliases = pairs
    return doc
