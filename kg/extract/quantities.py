"""Numeric facts: a value with its unit, of a named kind, about the entity the clause states it of.

A number becomes a measurement only when all of this holds (anything unclear gives no fact):

- it is a number of its own, not part of a model name: a digit glued to a letter, a hyphen or a
  dot (HBM3E, N4P, H20, 910C, 5nm, XR-900, F3.5), a number inside a name the extractor found
  (沪深300指数), or a number after an upper-case model word (RTX 4090) is never a value;
- its unit is written right after it (亿元, 美元, %, P/EFLOPS, 张卡, GPUs) or, for dollars, right
  before it ($, US$); ranges (75万到150万元), limits (不低于80%) and sums shared by a list of
  entities (分别...) are not measurements;
- a trigger word of the clause says what it measures (估值 valuation, 融资 funding, 营收 revenue,
  净利润 net profit, 市场规模 market size, 售价 price, 份额 share, 增长 growth rate, 算力 ...; the
  nearest one wins); a bare amount or percentage with no trigger is left alone;
- the entity is the subject of the clause: the first mention of the clause (or, when the clause
  has none, of the nearest clause before it in the sentence) that is not the object of a
  preposition (在国内市场, 从佳能经销商处), not a person, not a generic group (偏股型基金,
  62只基金) and of a class the kind fits (a price belongs to a product, funding to an
  organisation, never to a city);
- the clause is not negated, denied, rumoured, conditional or planned (未, 否认, 传闻, 拟, if,
  reportedly, ...).
"""

from __future__ import annotations

import re

from ..model import Doc, Quantity

# --- numbers and units ----------------------------------------------------------------------

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# what may follow a number (folded text: simplified script, half width, lower case)
_ZH_SCALE = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7, "百万": 1e6, "万": 1e4, "千": 1e3}
_EN_SCALE = {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mn": 1e6, "m": 1e6, "thousand": 1e3, "k": 1e3}
_CURRENCY = {"美元": "USD", "元": "CNY", "人民币": "CNY", "元人民币": "CNY", "港元": "HKD", "港币": "HKD", "欧元": "EUR", "日元": "JPY",
             "yuan": "CNY", "rmb": "CNY", "dollars": "USD", "usd": "USD", "euros": "EUR", "eur": "EUR"}
_FLOPS = {"p": "PFLOPS", "pflops": "PFLOPS", "petaflops": "PFLOPS", "e": "EFLOPS", "eflops": "EFLOPS", "exaflops": "EFLOPS",
          "t": "TFLOPS", "tflops": "TFLOPS", "teraflops": "TFLOPS"}
_UNIT = re.compile(
    r"\s?(?:多|余)?\s?(?P<zs>万亿|千亿|百亿|亿|千万|百万|万|千)?\s?(?:"
    r"(?P<cur>元人民币|美元|人民币|港元|港币|欧元|日元|元)"
    r"|(?P<pct>%|percent\b|per cent\b)"
    r"|(?P<fl>pflops|petaflops|eflops|exaflops|tflops|teraflops|p|e|t)(?![a-z0-9])"
    r"|(?P<card>张|块)"
    r"|(?P<wafer>片)"
    r"|(?P<unit>台|部|颗)"
    r"|(?P<es>trillion|billion|bn|million|mn|thousand)?\s?(?P<ecur>yuan|rmb|dollars|usd|euros)\b"
    r"|(?P<es2>thousand|million)?\s?(?P<ecard>(?:[a-z0-9][\w-]*\s){0,2}(?:gpus|accelerators|accelerator cards|ai chips|cards))\b"
    r"|(?P<bare>(?=[,;。)\s]|$)))"
)
_DOLLAR = re.compile(r"(?:us|hk)?\$\s?$")
_EN_AFTER_DOLLAR = re.compile(r"\s?(trillion|billion|bn|million|mn|m|k)?\b")
_CARD_NEAR = re.compile(r"卡|gpu|加速器|芯片")
_RANGE_AFTER = re.compile(r"\s?(?:到|至|~|-|—|－|to)\s?\d")
_RANGE_BEFORE = re.compile(r"\d\s?[^\d\s,;。增降涨升跌高低]{0,3}(?:到|至|~|-|—|－|to)\s?$")
_LIMIT_BEFORE = re.compile(r"(?:不低于|不超过|不高于|不少于|不到|不足|不及|低于|高于|少于|至少|最多|最高|最低|上限|下限|门槛|"
                           r"超过了?|逾|at least|at most|up to|less than|more than|under)\s?$")

# --- what a number measures: the trigger word nearest to it in its clause wins ---------------

_MONEY_TRIGGERS = [
    (r"估值|valuation|valued at", "valuation"),
    (r"投资收益", "investment income"),
    (r"融资|募资|募集|认购|首发|raised|raises|raise|raising|funding|series [a-z]\b|[a-e]\+?轮", "funding"),
    (r"发行(?!价)", "funding"),
    (r"营业收入|营收|营业额|销售收入|销售额|收入|revenues?|sales", "revenue"),
    (r"净利润|净利|净亏损|净亏|net profit|net income|net loss", "net profit"),
    (r"市场规模|市场容量|市场空间|market size|market", "market size"),
    (r"产业规模|产值|industry", "industry size"),
    (r"管理规模|资产规模|管理资产|托管资产|基金规模|规模|assets under management|aum", "assets"),
    (r"收购|并购|交易对价|交易金额|对价|acquisition|acquire|acquires|acquired|deal", "deal value"),
    (r"总投资|投资|投入|注资|invest|investment", "investment"),
    (r"股价|收盘价|收报|每股|share price|per share", "share price"),
    (r"售价|价格|报价|价为|定价|参考价|现货|仅售|售|发行价|price|priced|costs?|sells? for", "price"),
    (r"分红|红利|派发|派息|dividend|市值|成交|市场上", None),  # money of other kinds: no fact
]
_PERCENT_TRIGGERS = [
    (r"市场份额|份额|占比|市占率|占有率|占据|占|market share|share of", "share"),
    (r"毛利率|gross margin", "gross margin"),
    (r"收益率|收益|回报|盈利|return", "return"),
    (r"增长率|增长|增速|增幅|同比|环比|复合|cagr|涨幅|上涨|涨|上升|提升|增加|growth|grew|rose|increased?|up",
     "growth rate"),
    (r"下跌|跌幅|跌|下降|下滑|减少|回落|fell|declined?|dropped|down", "fall"),
    (r"亏损|浮亏|亏|loss", "loss"),
    (r"仓位|持股|折价|溢价|误差|费率|利率|比例|概率|认为|满意|支持率|税", None),
]
_FALL = "fall"
_MONEY_RX = re.compile("|".join(f"(?P<m{i}>{p})" for i, (p, _) in enumerate(_MONEY_TRIGGERS)))
_PERCENT_RX = re.compile("|".join(f"(?P<p{i}>{p})" for i, (p, _) in enumerate(_PERCENT_TRIGGERS)))
_MONEY_BLOCK = re.compile(next(p for p, k in _MONEY_TRIGGERS if k is None))
_LEVEL_BEFORE = re.compile(r"(?:到|至|\bto)\s?(?:约|大约)?$")
_PERCENT_BLOCK = re.compile(next(p for p, k in _PERCENT_TRIGGERS if k is None))
_COMPUTE = re.compile(r"算力|计算能力|compute|computing|performance")
_CAPACITY = re.compile(r"产能|capacity")
_SHIPMENTS = re.compile(r"出货|销量|shipments?|shipped")

# --- clauses, hedges and subjects ------------------------------------------------------------

_CLAUSE_END = re.compile(r"[;。!?]|,(?!\d{3})|:(?!\d)")
_HEDGE = re.compile(
    r"未(?!来)|没有|平均|均值|等(?:\d+|[两三四五六七八九十几多]+)[只家个]|并非|不是|不会|否认|传闻|据传|传言|或将|或许|可能|理论上|如果|假如|假设|若|拟|计划|打算|分别|"
    r"\bnot\b|n't|\bnever\b|\bno\b|denied|denies|deny|rumou?r|reportedly|\bif\b|\bcould\b|\bmight\b|\bwould\b|plans? to|respectively|\baverage"
)
_PREP_BEFORE = re.compile(r"(?:在|于|从|向|对|与|和|及|比|较|至|到|跟|同|给|以|据|由|被|把|将|按|像|为|\b(?:in|at|from|to|with|than|by|of|for|on|into)\s)$")
_AGENT_AFTER = re.compile(r"^[^,;。]{0,6}?(?:建设|建成|打造|部署|提供|推出|发布|投资|收购|参与|购买|管理|发行|代销)的")
_CONT = re.compile(r"\s*(?:其|该|它|总|共|合计|累计|同比|环比|一期|二期|三期|年内|全年|今年|去年|目前|(?:19|20)\d\d|"
                   r"its?\b|their\b|bringing|taking|with\b|and\b|up\b|down\b)")
_NAME_GOES_ON = re.compile(r"[a-z0-9]*[a-z]|指数|指(?![标出])|\s?index")
_OBJECT_OF = re.compile(r"持有|收购|投资|入股|增持|减持|买入|卖出|购买|跑赢|超越|相比|超过|落后|\b(?:holds?|bought|acquired?|beat)\b")
_GENERIC = re.compile(r"^(?:有|仅|其余|其他|另有|另|余|近|全部|全体|部分|各|这|那|以来|期|约|共|第|首只|\d)|占|首只|半年|牛年|熊年|以来|(?:\d|[两三四五六七八九十百千几多])[只家个]|[型式类]基金$|^(?:偏股|次新|指数|债券|股票|货币|混合|封闭|开放|新|老|主动|被动|证券投资|年金|企业年金)+基金$")

_ORG = {"Company", "Investor", "ResearchInstitute", "University", "GovernmentBody", "Organization", "ComputeCenter"}
_PLACE = {"City", "Province", "Country", "District", "Place"}
_PRODUCT = {"Chip", "Product", "AIModel"}
_FITS = {
    "valuation": _ORG, "funding": _ORG, "revenue": _ORG, "net profit": _ORG, "investment income": _ORG, "assets": _ORG,
    "deal value": _ORG, "investment": _ORG | {"Project", "Facility"}, "share price": {"Company"},
    "price": _PRODUCT, "market size": {"Technology"} | _PRODUCT, "industry size": _PLACE | {"Technology"},
    "computing capacity": _ORG | _PLACE | _PRODUCT | {"Facility"}, "accelerator cards": _ORG | _PLACE | {"Facility"},
    "production capacity": _ORG | {"Facility"}, "shipments": _ORG | _PRODUCT,
    "share": _ORG | _PRODUCT | {"Technology"}, "gross margin": _ORG, "return": _ORG,
    "growth rate": _ORG | _PRODUCT | {"Technology"},  # not a place: 中国 in 嘉实海外中国股票 is a fund's name
}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年|\bin\s((?:19|20)\d{2})\b|\bby\s((?:19|20)\d{2})\b")


SURE = 0.6  # the mention model's span confidence below which a name gets no measurement


def find_quantities(doc: Doc) -> None:
    by_sent: dict[int, list[int]] = {}
    for i, m in enumerate(doc.mentions):
        # a number is about a name kg is sure of: the model's doubtful spans (基金赚) carry none
        if m.source != "nested" and m.sentence >= 0 and m.confidence >= SURE:
            by_sent.setdefault(m.sentence, []).append(i)
    seen = set()
    for si, s in enumerate(doc.sentences):
        ments = by_sent.get(si)
        if not ments:
            continue
        seg = doc.folded[s.start : s.end]
        if not any(c.isdigit() for c in seg):
            continue
        ments = sorted(ments, key=lambda i: doc.mentions[i].start)
        spans = [(doc.mentions[i].start - s.start, doc.mentions[i].end - s.start) for i in ments]
        cuts = [0] + [m.end() for m in _CLAUSE_END.finditer(seg)] + [len(seg) + 1]
        for nm in _NUMBER.finditer(seg):
            q = _reading(doc, s.start, seg, nm, spans)
            if q is None:
                continue
            value, unit, kind, end, rule = q
            a = nm.start()
            ci = next(k for k in range(len(cuts) - 1) if cuts[k] <= a < cuts[k + 1])
            c0, c1 = cuts[ci], min(cuts[ci + 1], len(seg))
            if _HEDGE.search(seg, c0, c1):
                continue
            found = _subject(doc, seg, ments, spans, cuts, ci, a, kind)
            if found is None:
                continue
            target, k0 = found
            if k0 < c0:  # the subject stands in an earlier clause: what that clause measures counts too
                block = _PERCENT_BLOCK if unit == "percent" else _MONEY_BLOCK if rule.startswith("num.money") else None
                if block is not None and block.search(seg, k0, c0):
                    continue
            years = list(_YEAR.finditer(seg, 0, a))
            year = int(next(g for g in years[-1].groups() if g)) if years else None
            pos = s.start + a
            key = (target, round(value, 6), unit, pos)
            if key in seen:
                continue
            seen.add(key)
            doc.quantities.append(Quantity(target, round(value, 6), unit, kind, si, pos, s.start + end, rule, year))


def _reading(doc: Doc, base: int, seg: str, nm: re.Match, spans: list[tuple[int, int]]):
    """(value, unit, kind, end offset in seg, rule) of a number, or None when it is no measurement."""
    a, b = nm.start(), nm.end()
    raw = nm.group()
    if raw.endswith(","):
        raw, b = raw.rstrip(","), b - (len(raw) - len(raw.rstrip(",")))
    prev = seg[a - 1] if a else " "
    negative = False
    if prev.isascii() and (prev.isalnum() or prev in "._/#"):
        return None  # h100, n4p, f3.5, ipod3
    if prev in "-－":
        if a >= 2 and seg[a - 2].isascii() and seg[a - 2].isalnum():
            return None  # xr-900, eos-1d
        negative = True
    if b < len(seg) and seg[b] == "." and b + 1 < len(seg) and seg[b + 1].isdigit():
        return None  # 6.183.471
    if any(x <= a < y for x, y in spans):
        return None  # 沪深300指数, 万家180指数基金
    if _model_word_before(doc.text, base, a):
        return None  # RTX 4090, EOS 50D, DIGIC 4
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        return None
    dollar = _DOLLAR.search(seg, max(0, a - 4), a)
    if dollar:
        um = _EN_AFTER_DOLLAR.match(seg, b)
        mult = um.group(1) if um else None
        value *= _EN_SCALE.get(mult or "", 1)
        cur = "HKD" if dollar.group().startswith("hk") else "USD"
        end = um.end() if um and mult else b
        return _money(seg, a, end, value, cur, "num.money.en")
    um = _UNIT.match(seg, b)
    if um is None:
        return None
    end = um.end()
    if um.group("bare") is not None and um.group("zs") not in ("亿", "万亿"):
        return None  # a number with no unit
    if _RANGE_AFTER.match(seg, end) or _RANGE_BEFORE.search(seg, max(0, a - 8), a) or _LIMIT_BEFORE.search(seg, max(0, a - 10), a):
        return None
    if a >= 1 and seg[a - 1] == "第":
        return None
    zs = um.group("zs")
    zmult = _ZH_SCALE.get(zs or "", 1)
    if um.group("cur") or um.group("bare") is not None:
        if seg.startswith("个", b):  # 1个亿
            return None
        cur = _CURRENCY[um.group("cur")] if um.group("cur") else "CNY"
        return _money(seg, a, end, value * zmult, cur, "num.money")
    if um.group("ecur"):
        return _money(seg, a, end, value * _EN_SCALE.get(um.group("es") or "", 1), _CURRENCY[um.group("ecur")], "num.money.en")
    if um.group("pct"):
        if zs:
            return None
        kind = _nearest(_PERCENT_RX, _PERCENT_TRIGGERS, seg, a, end)
        if kind is None:
            return None
        if kind in (_FALL, "growth rate") and _LEVEL_BEFORE.search(seg, max(0, a - 3), a):
            return None  # 回落到30%, 升至8%: a level reached, not a change (whose rate is unsaid)
        if kind in (_FALL, "loss"):
            kind = "return" if kind == "loss" or _RETURN_NEAR.search(seg, max(0, a - 12), a) else "growth rate"
            value = -abs(value)
        elif negative:
            value = -value
        return value, "percent", kind, end, "num.percent"
    if negative:
        return None
    if um.group("fl"):
        fl = um.group("fl")
        if len(fl) == 1 and not _COMPUTE.search(seg, max(0, a - 16), a):
            return None  # 720p, 1.6t optics: a bare letter is a unit only after 算力
        return value * zmult, _FLOPS[fl], "computing capacity", end, "num.flops"
    if um.group("card"):
        if not (_CARD_NEAR.search(seg, end, end + 8) or seg.rfind("卡", max(0, a - 6), a) >= 0):
            return None
        return value * zmult, "cards", "accelerator cards", end, "num.cards"
    if um.group("ecard"):
        return value * _EN_SCALE.get(um.group("es2") or "", 1), "cards", "accelerator cards", end, "num.cards.en"
    if um.group("wafer") or um.group("unit"):
        left = seg[max(0, a - 12) : a]
        if _CAPACITY.search(left) and um.group("wafer"):
            return value * zmult, "wafers", "production capacity", end, "num.capacity"
        if _SHIPMENTS.search(left):
            return value * zmult, "units", "shipments", end, "num.shipments"
    return None


_RETURN_NEAR = re.compile(r"收益|回报|return")
_MODEL_WORD = re.compile(r"(?:^|[^A-Za-z])([A-Z][A-Za-z]{0,5}|[A-Z]{2,6}|i[A-Z][a-z]+(?: [a-z]+)?)\s$")


def _model_word_before(text: str, base: int, a: int) -> bool:
    """True when the number follows a model word written in capitals: RTX 4090, EOS 50D, iPod touch 3."""
    if a == 0 or text[base + a - 1] != " ":
        return False
    m = _MODEL_WORD.search(text, max(0, base + a - 16), base + a)
    if not m:
        return False
    w = m.group(1)
    return w.isupper() or w.startswith("i") or (len(w) <= 4 and w[0].isupper() and w not in ("The", "In", "By", "To", "At", "Of"))


def _money(seg: str, a: int, end: int, value: float, cur: str, rule: str):
    kind = _nearest(_MONEY_RX, _MONEY_TRIGGERS, seg, a, end)
    if kind is None:
        return None
    v, u = _scale(value, cur)
    return v, u, kind, end, rule


def _nearest(rx: re.Pattern, table: list, seg: str, a: int, end: int) -> str | None:
    """The kind of the trigger nearest to the number within its clause (left up to 48 chars, right up to 10)."""
    lo = a
    while lo > 0 and a - lo < 48 and not _CLAUSE_END.match(seg, lo - 1):
        lo -= 1
    hi = end
    while hi < len(seg) and hi - end < 10 and not _CLAUSE_END.match(seg, hi):
        hi += 1
    best, best_d = None, 1 << 30
    for m in rx.finditer(seg, lo, hi):
        if m.end() <= a:
            d = a - m.end()
        elif m.start() >= end:
            d = m.start() - end + 2  # a trigger before the number reads first
        else:
            continue
        if d < best_d:
            best_d = d
            best = table[int(m.lastgroup[1:])][1]
    return best


def _subject(doc: Doc, seg: str, ments: list[int], spans: list[tuple[int, int]], cuts: list[int], ci: int, a: int,
             kind: str) -> tuple[int, int] | None:
    """The mention the clause states the number of, with the start of the clause it stands in;
    None when there is no clear one."""
    fits = _FITS.get(kind, set())
    for k in range(ci, -1, -1):
        c0 = cuts[k]
        stop = a if k == ci else cuts[k + 1]
        inside = [j for j, (x, y) in enumerate(spans) if c0 <= x and y <= stop]
        if not inside:
            if not _continues(seg, c0):
                return None  # the clause has a subject of its own that no mention covers
            continue
        for j in inside:
            x, y = spans[j]
            m = doc.mentions[ments[j]]
            if _PREP_BEFORE.search(seg, max(c0, x - 4), x):
                continue
            if m.cls == "Person" or _GENERIC.search(m.surface):
                return None
            if m.cls not in fits:
                return None
            if _AGENT_AFTER.match(seg[y:stop]):
                return None  # 科大讯飞建设的1500P: the number is not the builder's
            if _NAME_GOES_ON.match(seg, y) or (x and (seg[x - 1] in "-_" or (seg[x - 1].isascii() and seg[x - 1].isalnum()))):
                return None  # 深圳100etf, 纳斯达克指数, dsc-h20: the mention is part of a longer name
            if _OBJECT_OF.search(seg, c0, x):
                return None  # 持有中国联通...: the mention is an object, the subject is not a known name  # 深圳100etf: the mention is the start of a longer name
            if seg[y : y + 1] in ("、", "和", "及", "与", "/"):
                return None  # a list of entities shares the number
            return ments[j], c0
        return None
    return None


def _continues(seg: str, c0: int) -> bool:
    """True when the clause at c0 goes on from the clause before it (no subject of its own):
    it opens with a trigger word, a pronoun or a date (,融资金额为8亿元 / ,同比增长28% / ,其单卡算力)."""
    head = seg[c0 : c0 + 12]
    return bool(_CONT.match(head) or _MONEY_RX.search(head, 0, 4) or _PERCENT_RX.search(head, 0, 4) or _COMPUTE.search(head, 0, 5))


def _scale(value: float, cur: str) -> tuple[float, str]:
    if abs(value) >= 1e9:
        return value / 1e9, f"billion {cur}"
    if abs(value) >= 1e6:
        return value / 1e6, f"million {cur}"
    return value, cur
