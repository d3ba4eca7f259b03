"""Numeric facts: a value with its unit, about a mention of the sentence."""

from __future__ import annotations

import re

from ..model import Doc, Quantity

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
