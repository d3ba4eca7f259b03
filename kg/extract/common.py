"""What every extraction component shares: class groups, the rule word lists, candidates."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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


@lru_cache(maxsize=1)
def _association_heads() -> tuple[str, ...]:
    return tuple(cues()["association_heads"])


def is_association(name: str) -> bool:
    """协会, 商会, 联盟...: an association is an Organization, whatever industry word its name holds
    (中国信托业协会 is no trust company); the rules and the model's classes both ask."""
    return name.endswith(_association_heads())


@lru_cache(maxsize=1)
def _honorifics() -> frozenset[str]:
    return frozenset(cues()["en_honorifics"])


def is_honorific(word: str) -> bool:
    """Mr, Dr., President...: a title before an English name, not part of it."""
    return word.rstrip(".") in _honorifics()


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff"


@dataclass
class Cand:
    start: int
    end: int
    cls: str
    source: str
    key: str | None = None
    prio: int = 1
    conf: float = 1.0
