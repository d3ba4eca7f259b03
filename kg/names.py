"""What a name is at its core: without legal form, leading place, place in brackets and modifiers.

Used by extraction (a company's short form is found again in the article: 浙江海纳星辰科技股份有限公司
... 海纳星辰) and by resolution (the key of an entity the lexicon does not know), so both read a
name the same way.
"""

from __future__ import annotations

import re

from . import lexicon as lexmod
from .normalise import fold

_LEGAL = re.compile(
    r"(?:股份有限公司|有限责任公司|集团有限公司|控股有限公司|有限公司|控股集团|集团|公司|"
    r"\s*,?\s*(?:inc\.?|incorporated|corp\.?|corporation|co\.,?\s?ltd\.?|ltd\.?|llc|plc|gmbh|ag|holdings|group))$"
)
_PAREN_PLACE = re.compile(r"\([\u4e00-\u9fff]{2,5}\)")
MODIFIERS = re.compile(r"^(?:新一代|下一代|自主可控|国产|现有|高性能|全新|最新|新款|首款|自研|该|其)+")


def core_name(surface: str, lex: lexmod.Lexicon, org: bool = True) -> str:
    """The name without legal form, leading place or place in brackets, and modifiers.
    Only organisation names lose their place: 武汉光迅科技 is 光迅科技, but a compute centre
    or event named after its city keeps the city."""
    f = fold(surface).strip()
    if not org:
        f = MODIFIERS.sub("", f)
        return re.sub(r"\s+", "", f) if any("\u3400" <= c <= "\u9fff" for c in f) else f
    f = _PAREN_PLACE.sub("", f)
    prev = None
    while prev != f:
        prev = f
        f = _LEGAL.sub("", f).strip(" ,")
    f = MODIFIERS.sub("", f)
    if any("\u3400" <= c <= "\u9fff" for c in f):
        f = re.sub(r"\s+", "", f)
    for s, e, eid in sorted(lex.find(f), key=lambda x: x[0]):
        # Chinese names lead with their city (武汉光迅科技); English ones keep it (Taiwan Semiconductor)
        if s == 0 and e < len(f) - 1 and not f.isascii() and lex.entries[eid].type in ("City", "Province", "District", "Country"):
            f = f[e:]
            break
    # 锦程光电科技 and 锦程光电 are one company; 光迅科技 keeps its 科技 (光迅 alone is too short)
    if re.search(r"[\u4e00-\u9fff]{4,}(?:科技|技术)$", f):
        f = f[:-2]
    return f
