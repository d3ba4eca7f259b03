"""Synthetic training sentences for the relation classifier: kg's predicates in common phrasings.

The public data covers company-to-company deals (FinRE) and Wikipedia facts (Re-DocRED); kg's own
annotations are still few.  These generated sentences give every predicate, in Chinese and in
English, a few plain phrasings with invented names (random syllables, never real companies), plus
negated and rumoured variants labelled `none`.  They are weighted low in training, and the model
is scored on real held-out sentences only, so they add coverage without deciding the scores.
"""

from __future__ import annotations

import random

from kg.normalise import fold

from .relations_data import RelSent, _pair_label

_ZH_SYL = "华芯海光星源创云锐启明睿泰宏达天瑞恒通智博远航联晶微易科凯盛鼎新辰安信讯卓越立方英"
_ZH_SUFFIX = ["科技", "电子", "半导体", "集团", "股份", "智能", "微电子", "信息", "公司", "控股", "资本"]
_ZH_SURNAME = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_ZH_GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀霞平刚桂建华国"
_ZH_CITY = [
    "北京",
    "上海",
    "深圳",
    "无锡",
    "合肥",
    "苏州",
    "成都",
    "武汉",
    "杭州",
    "南京",
    "西安",
    "广州",
    "重庆",
    "长沙",
]
_ZH_EXCH = ["上交所", "深交所", "科创板", "创业板", "港交所", "纳斯达克", "北交所"]
_ZH_EVENT = ["世界人工智能大会", "中国算力大会", "集成电路产业峰会", "智算生态论坛", "半导体博览会"]
_EN_SYL = [
    "nova",
    "quan",
    "tera",
    "lum",
    "syn",
    "vor",
    "kel",
    "ark",
    "zen",
    "cor",
    "tri",
    "vex",
    "ion",
    "mer",
    "sol",
    "ral",
]
_EN_SUFFIX = [
    "",
    " Technologies",
    " Semiconductor",
    " Systems",
    " Labs",
    " Inc.",
    " Corp.",
    " Capital",
    " Networks",
]
_EN_FIRST = [
    "David",
    "Lisa",
    "Mark",
    "Anna",
    "Peter",
    "Julia",
    "Tom",
    "Sarah",
    "Ravi",
    "Mei",
    "Carlos",
    "Emma",
]
_EN_LAST = ["Chen", "Miller", "Kumar", "Lopez", "Schmidt", "Tanaka", "Brown", "Nguyen", "Rossi", "Park"]
_EN_CITY = [
    "Austin",
    "Hsinchu",
    "Munich",
    "Seoul",
    "Santa Clara",
    "Dresden",
    "Tokyo",
    "Bangalore",
    "Singapore",
]
_EN_EXCH = [
    "Nasdaq",
    "the New York Stock Exchange",
    "the Hong Kong Stock Exchange",
    "the London Stock Exchange",
]
_EN_EVENT = [
    "Computex",
    "Hot Chips",
    "the AI Infrastructure Summit",
    "SEMICON West",
    "the Open Compute Summit",
]

# (predicate, subject kind, object kind, template); {S} subject, {O} object, {X} a bystander.
# Kinds: ORG, PER, LOC, PRD, FAC, EVT, EXC (an exchange).
_ZH = [
    ("acquires", "ORG", "ORG", "{S}宣布收购{O}"),
    ("acquires", "ORG", "ORG", "{S}已完成对{O}的收购"),
    ("acquires", "ORG", "ORG", "{O}被{S}以{M}收购"),
    ("acquires", "ORG", "ORG", "{S}拟以{M}收购{O}全部股权"),
    ("acquires", "ORG", "ORG", "{S}并购了{O}，交易金额为{M}"),
    ("investsIn", "ORG", "ORG", "{S}领投了{O}的{R}轮融资"),
    ("investsIn", "ORG", "ORG", "{O}完成{M}{R}轮融资，由{S}领投"),
    ("investsIn", "ORG", "ORG", "{S}入股{O}，持股比例为{P}%"),
    ("investsIn", "ORG", "ORG", "{S}向{O}增资{M}"),
    ("investsIn", "ORG", "ORG", "{S}持有{O}{P}%的股份"),
    ("partnerOf", "ORG", "ORG", "{S}与{O}签署战略合作协议"),
    ("partnerOf", "ORG", "ORG", "{S}携手{O}共建智算生态"),
    ("partnerOf", "ORG", "ORG", "{S}和{O}宣布在数据中心领域达成合作"),
    ("competesWith", "ORG", "ORG", "{S}的主要竞争对手是{O}"),
    ("competesWith", "ORG", "ORG", "{S}与{O}在GPU市场展开激烈竞争"),
    ("subsidiaryOf", "ORG", "ORG", "{S}是{O}的全资子公司"),
    ("subsidiaryOf", "ORG", "ORG", "{O}旗下的{S}今年营收增长{P}%"),
    ("subsidiaryOf", "ORG", "ORG", "{O}控股子公司{S}发布公告"),
    ("founderOf", "PER", "ORG", "{S}于{Y}年创办了{O}"),
    ("founderOf", "PER", "ORG", "{O}由{S}创立"),
    ("founderOf", "PER", "ORG", "{O}创始人{S}表示"),
    ("executiveOf", "PER", "ORG", "{O}董事长{S}表示"),
    ("executiveOf", "PER", "ORG", "{S}出任{O}总裁"),
    ("executiveOf", "PER", "ORG", "{O}首席执行官{S}在会上介绍"),
    ("executiveOf", "PER", "ORG", "{S}是{O}的创始人兼CEO"),
    ("employeeOf", "PER", "ORG", "{O}分析师{S}认为"),
    ("employeeOf", "PER", "ORG", "{O}高级工程师{S}介绍"),
    ("locatedIn", "ORG", "LOC", "{S}总部位于{O}"),
    ("locatedIn", "ORG", "LOC", "位于{O}的{S}近日宣布扩产"),
    ("locatedIn", "FAC", "LOC", "{S}坐落于{O}"),
    ("develops", "ORG", "PRD", "{S}发布了新一代{O}芯片"),
    ("develops", "ORG", "PRD", "{S}推出{O}"),
    ("develops", "ORG", "PRD", "{O}由{S}自主研发"),
    ("develops", "ORG", "PRD", "{S}{O}搭载了全新的处理器"),
    ("develops", "ORG", "PRD", "{S}发布了{O}"),
    ("develops", "ORG", "PRD", "{S}正式发布{O}智算加速卡"),
    ("develops", "ORG", "PRD", "{S}推出的{O}性能提升{P}%"),
    ("manufactures", "ORG", "PRD", "{S}为客户代工{O}芯片"),
    ("manufactures", "ORG", "PRD", "{S}代工的{O}已经量产"),
    ("develops", "ORG", "PRD", "{S}的{O}在国内上市"),
    ("develops", "ORG", "PRD", "{S}新款{O}的售价为{N}元"),
    ("manufactures", "ORG", "PRD", "{O}由{S}代工生产"),
    ("manufactures", "ORG", "PRD", "{S}开始量产{O}"),
    ("supplies", "ORG", "ORG", "{S}向{O}供应AI芯片"),
    ("supplies", "ORG", "ORG", "{S}是{O}的核心供应商"),
    ("supplies", "ORG", "ORG", "{O}是{S}的重要客户"),
    ("supplies", "ORG", "ORG", "{S}为{O}提供服务器和存储设备"),
    ("supplies", "ORG", "ORG", "{S}已向{O}交付首批加速卡"),
    ("supplies", "ORG", "ORG", "{O}采购了{S}的GPU"),
    ("supplies", "ORG", "ORG", "{S}中标{O}智算中心项目"),
    ("supplies", "ORG", "ORG", "{S}承接了{O}的数据中心建设项目"),
    ("supplies", "ORG", "ORG", "作为{O}的主要供应商，{S}今年出货量大增"),
    ("supplies", "ORG", "ORG", "{O}向{S}订购了{N}台服务器"),
    ("deploys", "FAC", "PRD", "{S}部署了{N}张{O}加速卡"),
    ("deploys", "ORG", "PRD", "{S}采用了{O}"),
    ("validates", "FAC", "PRD", "{S}完成了对{O}的适配验证"),
    ("validates", "FAC", "ORG", "{S}为{O}提供验证环境"),
    ("hostedAt", "ORG", "FAC", "{S}已入驻{O}"),
    ("hostedAt", "ORG", "FAC", "{S}依托{O}开展研发"),
    ("builds", "ORG", "FAC", "{S}投资建设{O}"),
    ("builds", "ORG", "FAC", "{O}由{S}承建"),
    ("operates", "ORG", "FAC", "{S}负责运营{O}"),
    ("operates", "ORG", "FAC", "{O}由{S}运营"),
    ("listedOn", "ORG", "EXC", "{S}在{O}上市"),
    ("listedOn", "ORG", "EXC", "{S}正式登陆{O}"),
    ("speaksAt", "PER", "EVT", "{S}在{O}上发表主旨演讲"),
    ("speaksAt", "PER", "EVT", "在{O}上，{S}表示算力需求仍在增长"),
    (None, "ORG", "ORG", "{S}和{O}今年的营收均有增长"),
    (None, "ORG", "ORG", "{S}、{O}等公司股价上涨"),
    (None, "PER", "ORG", "{S}表示，{O}的产品很有竞争力"),
    (None, "ORG", "LOC", "{S}的产品销往{O}等地"),
    (None, "ORG", "PRD", "分析人士认为{S}难以追上{O}的性能"),
]
_ZH_NEG = ["否认", "并未", "传闻", "终止", "放弃"]
_EN = [
    ("acquires", "ORG", "ORG", "{S} acquired {O} for {M}"),
    ("acquires", "ORG", "ORG", "{S} has agreed to buy {O}"),
    ("acquires", "ORG", "ORG", "{O} was acquired by {S} last year"),
    ("acquires", "ORG", "ORG", "{S} completed its acquisition of {O}"),
    ("investsIn", "ORG", "ORG", "{S} led a {M} Series {R} round in {O}"),
    ("investsIn", "ORG", "ORG", "{O} raised {M} in a round led by {S}"),
    ("investsIn", "ORG", "ORG", "{S} invested {M} in {O}"),
    ("investsIn", "ORG", "ORG", "{O}, which is backed by {S}, expanded its team"),
    ("partnerOf", "ORG", "ORG", "{S} partnered with {O} on data center chips"),
    ("partnerOf", "ORG", "ORG", "{S} and {O} signed a strategic partnership agreement"),
    ("competesWith", "ORG", "ORG", "{S} competes with {O} in the server market"),
    ("competesWith", "ORG", "ORG", "{S}, a rival of {O}, cut prices"),
    ("subsidiaryOf", "ORG", "ORG", "{S}, a subsidiary of {O}, reported higher sales"),
    ("subsidiaryOf", "ORG", "ORG", "{O}'s chip unit {S} opened a new office"),
    ("founderOf", "PER", "ORG", "{S} founded {O} in {Y}"),
    ("founderOf", "PER", "ORG", "{O} was co-founded by {S}"),
    ("executiveOf", "PER", "ORG", "{S}, chief executive of {O}, said demand was strong"),
    ("executiveOf", "PER", "ORG", "{O} CEO {S} told reporters"),
    ("executiveOf", "PER", "ORG", "{O} chairman {S} said"),
    ("employeeOf", "PER", "ORG", "{S}, an analyst at {O}, said"),
    ("employeeOf", "PER", "ORG", "{S}, a senior engineer at {O}, explained"),
    ("locatedIn", "ORG", "LOC", "{S} is headquartered in {O}"),
    ("locatedIn", "ORG", "LOC", "{O}-based {S} said"),
    ("locatedIn", "FAC", "LOC", "{S} in {O} opened in {Y}"),
    ("develops", "ORG", "PRD", "{S} unveiled its {O} accelerator"),
    ("develops", "ORG", "PRD", "{S} launched the {O}"),
    ("develops", "ORG", "PRD", "{O}, developed by {S}, ships next year"),
    ("develops", "ORG", "PRD", "{S}'s {O} goes on sale next month"),
    ("develops", "ORG", "PRD", "the {O} from {S} beat expectations"),
    ("manufactures", "ORG", "PRD", "{O} is manufactured by {S}"),
    ("manufactures", "ORG", "PRD", "{S} will produce the {O}"),
    ("supplies", "ORG", "ORG", "{S} supplies memory to {O}"),
    ("supplies", "ORG", "ORG", "{S} is a key supplier to {O}"),
    ("supplies", "ORG", "ORG", "{O} buys its GPUs from {S}"),
    ("supplies", "ORG", "ORG", "{S} won an order from {O}"),
    ("supplies", "ORG", "ORG", "{O} signed a deal to buy GPUs from {S}"),
    ("develops", "ORG", "PRD", "{S} released the {O} accelerator card"),
    ("deploys", "FAC", "PRD", "{S} deployed {N} {O} accelerators"),
    ("validates", "FAC", "PRD", "{S} has validated the {O}"),
    ("hostedAt", "ORG", "FAC", "{S} is hosted at {O}"),
    ("builds", "ORG", "FAC", "{S} is building {O}"),
    ("operates", "ORG", "FAC", "{O} is operated by {S}"),
    ("listedOn", "ORG", "EXC", "{S} listed on {O} in {Y}"),
    ("speaksAt", "PER", "EVT", "{S} said at {O} that"),
    ("speaksAt", "PER", "EVT", "speaking at {O}, {S} said"),
    (None, "ORG", "ORG", "{S} and {O} both reported higher revenue"),
    (None, "ORG", "ORG", "shares of {S} and {O} rose"),
    (None, "PER", "ORG", "{S} said {O} had strong products"),
    (None, "ORG", "LOC", "{S} sells its products in {O}"),
]
_EN_NEG = ["denied that", "has not", "is rumoured to have", "called off plans after"]
_KIND_CLASS = {
    "ORG": "Company",
    "PER": "Person",
    "LOC": "City",
    "PRD": "Chip",
    "FAC": "ComputeCenter",
    "EVT": "Event",
    "EXC": "Organization",
}


def _name(kind: str, lang: str, r: random.Random) -> str:
    if lang == "zh":
        stem = "".join(r.sample(_ZH_SYL, 2))
        return {
            "ORG": lambda: stem + r.choice(_ZH_SUFFIX),
            "PER": lambda: r.choice(_ZH_SURNAME) + "".join(r.sample(_ZH_GIVEN, r.choice((1, 2)))),
            "LOC": lambda: r.choice(_ZH_CITY),
            "PRD": lambda: (
                stem + r.choice(["", " "]) + r.choice("XSMGH") + str(r.randint(1, 9)) + "0" * r.randint(1, 3)
            ),
            "FAC": lambda: (
                r.choice(_ZH_CITY) + r.choice(["智算中心", "城市智算中心", "超算中心", "数据中心"])
            ),
            "EVT": lambda: str(r.randint(2019, 2025)) + r.choice(_ZH_EVENT),
            "EXC": lambda: r.choice(_ZH_EXCH),
        }[kind]()
    stem = "".join(r.sample(_EN_SYL, 2)).capitalize()
    return {
        "ORG": lambda: stem + r.choice(_EN_SUFFIX),
        "PER": lambda: r.choice(_EN_FIRST) + " " + r.choice(_EN_LAST),
        "LOC": lambda: r.choice(_EN_CITY),
        "PRD": lambda: stem + " " + r.choice("XSMGH") + str(r.randint(1, 9)) + "00",
        "FAC": lambda: (
            "the "
            + r.choice(_EN_CITY)
            + r.choice([" AI Data Center", " Supercomputing Center", " Compute Hub"])
        ),
        "EVT": lambda: r.choice(_EN_EVENT) + " " + str(r.randint(2019, 2025)),
        "EXC": lambda: r.choice(_EN_EXCH),
    }[kind]()


def _fill(tpl: str, lang: str, r: random.Random) -> str:
    money = f"{r.randint(2, 90)}亿元" if lang == "zh" else f"${r.randint(2, 900)} million"
    return (
        tpl.replace("{M}", money)
        .replace("{R}", r.choice("ABCD"))
        .replace("{P}", str(r.randint(3, 60)))
        .replace("{Y}", str(r.randint(2001, 2024)))
        .replace("{N}", str(r.randint(100, 9000)))
    )


def _negate(tpl: str, lang: str, r: random.Random) -> str | None:
    if lang == "zh":
        k = tpl.find("{S}") + 3
        if k < 3 or tpl.startswith("{O}"):
            return None
        cue = r.choice(_ZH_NEG)
        return ("有传闻称" + tpl) if cue == "传闻" else tpl[:k] + cue + tpl[k:]
    if not tpl.startswith("{S} "):
        return None
    return "{S} " + r.choice(_EN_NEG) + " " + tpl[4:]


def generate(n_per_template: int = 12, seed: int = 13) -> list[RelSent]:
    """Sentences from every template (and its negation), folded, with mentions and labels."""
    r = random.Random(seed)
    out = []
    for lang, table in (("zh", _ZH), ("en", _EN)):
        for t_no, (pred, sk, ok, tpl) in enumerate(table):
            for k in range(n_per_template):
                variants = [(tpl, pred)]
                neg = _negate(tpl, lang, r) if pred and k % 3 == 0 else None
                if neg:
                    variants.append((neg, None))
                for v, p in variants:
                    s_name, o_name = _name(sk, lang, r), _name(ok, lang, r)
                    if s_name == o_name:
                        continue
                    text = _fill(v, lang, r)
                    if r.random() < 0.3:  # a bystander in a second clause
                        x = _name("ORG", lang, r)
                        text += (
                            "，{X}也表示关注" if lang == "zh" else ", while {X} declined to comment"
                        ).replace("{X}", x)
                    else:
                        x = None
                    text = text[0].upper() + text[1:] if lang == "en" and text[0] == "{" else text
                    raw, spans = "", []
                    parts = text.replace("{S}", "\x00S\x00").replace("{O}", "\x00O\x00").split("\x00")
                    for part in parts:
                        if part in ("S", "O"):
                            nm = s_name if part == "S" else o_name
                            spans.append(
                                (len(raw), len(raw) + len(nm), _KIND_CLASS[sk if part == "S" else ok], part)
                            )
                            raw += nm
                        else:
                            raw += part
                    raw += "。" if lang == "zh" else "."
                    if x:
                        xs = raw.find(x)
                        spans.append((xs, xs + len(x), "Company", "X"))
                    spans.sort()
                    ments = [(s, e, c) for s, e, c, _ in spans]
                    roles = [role for *_, role in spans]
                    labels: dict = {
                        (i, j): "none" for i in range(len(ments)) for j in range(i + 1, len(ments))
                    }
                    if p:
                        _pair_label(labels, roles.index("S"), roles.index("O"), p, True)
                    out.append(
                        RelSent(f"synth:{lang}:{t_no}:{k}", "synth", fold(raw), ments, labels, True, raw)
                    )
    return out
