"""Domain rules no news corpus teaches: names by suffix, people by title, chips by model
number, names defined in brackets, list mates, anaphors, short forms of legal names."""

from __future__ import annotations

import re
from functools import lru_cache

from ..model import Doc
from .common import ORG, PLACE, Cand, _is_cjk, cues, is_association, is_honorific


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
    if is_association(surface):
        return "Organization"
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
                if len(words) > 1 and is_honorific(words[0]):  # Mr Winterkorn: the name is Winterkorn
                    s += len(words[0]) + 1
                    words = words[1:]
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
    weak = set(cues()["titles_weak"])  # 本报北京5月13日讯记者王霞光: a byline, no organisation before 记者
    for m in re.finditer(rf"(?:{alt})(?:{_TITLE_JOIN}(?:{alt}))*", f):
        if not any(m.end() + k in people for k in (0, 1)) or not _is_cjk(f[m.start() - 1 : m.start()] or "a"):
            continue
        if m.group(0) in weak:
            continue
        if any(s0 < m.start() <= e0 for s0, e0 in covered):
            continue
        j = scan_left(f, m.start(), 8, max(0, m.start() - 10), _left_stops(), {})
        stem = f[j : m.start()]
        if sum(_is_cjk(x) for x in stem) >= 2 and stem not in generic and not _STEM_BAD.match(stem) and not stem.endswith(("的", "副")):
            out.append(Cand(j, m.start(), "Company", "rule:org.before-title"))
    return out


_LIST = re.compile(r"[\u4e00-\u9fffa-z0-9]{2,12}(?:、[\u4e00-\u9fffa-z0-9]{2,12})+")


@lru_cache(maxsize=1)
def _title_end() -> re.Pattern:
    return re.compile(rf"(?:{_titles()[0]})$")


def _list_members(doc: Doc, cands: list[Cand]) -> list[Cand]:
    """In 中芯聚源、元禾璞华、青峰资本等 one known organisation makes its unknown list mates
    organisations too; the items are cut at known names, stop words and 等."""
    f = doc.folded
    spans = {(c.start, c.end): c for c in cands if c.cls in ORG}
    occupied = [(c.start, c.end) for c in cands]
    title_end = _title_end()
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
                if title_end.search(f, a, b):
                    continue  # 研究会会长、原建设部副部长: a list of posts, not of organisations
                out.append(Cand(a, b, cls, "rule:org.list-mate"))
    return out
