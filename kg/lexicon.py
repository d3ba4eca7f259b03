"""The curated alias lexicon (kg/data/lexicon.tsv), loaded once per process.

Domain knowledge lives in the data file, not in code: each row is an entity with its names in
three scripts and its short forms.  Matching uses one Aho-Corasick automaton over the folded
names, so a thousand entries cost one pass over the text.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import ahocorasick

from .normalise import fold, fold_key

COLUMNS = ["id", "type", "en", "zh_hans", "zh_hant", "aliases", "wikidata", "located_in", "part_of"]


@dataclass
class Entry:
    id: str
    type: str
    en: str = ""
    zh_hans: str = ""
    zh_hant: str = ""
    aliases: list[str] = field(default_factory=list)
    wikidata: str = ""
    located_in: str = ""
    part_of: str = ""

    def names(self) -> list[str]:
        return [n for n in (self.en, self.zh_hans, self.zh_hant, *self.aliases) if n]


class Lexicon:
    """Entries by id, a folded-name index, and the automaton that finds names in folded text."""

    def __init__(self, entries: list[Entry], fingerprint: str = "") -> None:
        self.entries = {e.id: e for e in entries}
        self.by_key: dict[str, str] = {}
        self.fingerprint = fingerprint
        self.automaton = ahocorasick.Automaton()
        for e in entries:
            for name in e.names():
                k = fold_key(name)
                if not k:
                    continue
                self.by_key.setdefault(k, e.id)
                f = fold(name)
                if len(f) >= 2 or not f.isascii():
                    self.automaton.add_word(f, (e.id, len(f)))
                if " " in f or "-" in f:  # "Moore Threads" also as "moorethreads"? no: keep text forms only
                    g = f.replace("-", " ")
                    if g != f:
                        self.automaton.add_word(g, (e.id, len(g)))
        if entries:
            self.automaton.make_automaton()

    def lookup(self, name: str) -> str | None:
        return self.by_key.get(fold_key(name))

    def find(self, folded: str) -> list[tuple[int, int, str]]:
        """All (start, end, id) matches in folded text; Latin names only at word boundaries."""
        if not self.entries:
            return []
        out = []
        n = len(folded)
        for end_idx, (eid, length) in self.automaton.iter(folded):
            start, end = end_idx - length + 1, end_idx + 1
            first, last = folded[start], folded[end - 1]
            if first.isascii() and first.isalnum() and start > 0 and folded[start - 1].isascii() and folded[start - 1].isalnum():
                continue
            if last.isascii() and last.isalnum() and end < n and folded[end].isascii() and folded[end].isalnum():
                continue
            out.append((start, end, eid))
        return out


def _lexicon_path() -> str:
    return os.environ.get("KG_LEXICON") or str(resources.files("kg").joinpath("data/lexicon.tsv"))


def read_entries(path: str) -> list[Entry]:
    entries = []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = (line for line in fh if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row.get("id") or not row.get("type"):
                continue
            entries.append(
                Entry(
                    id=row["id"].strip(),
                    type=row["type"].strip(),
                    en=(row.get("en") or "").strip(),
                    zh_hans=(row.get("zh_hans") or "").strip(),
                    zh_hant=(row.get("zh_hant") or "").strip(),
                    aliases=[a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()],
                    wikidata=(row.get("wikidata") or "").strip(),
                    located_in=(row.get("located_in") or "").strip(),
                    part_of=(row.get("part_of") or "").strip(),
                )
            )
    return entries


@lru_cache(maxsize=1)
def load() -> Lexicon:
    path = _lexicon_path()
    try:
        raw = open(path, "rb").read()
    except FileNotFoundError:
        return Lexicon([], "none")
    return Lexicon(read_entries(path), hashlib.sha256(raw).hexdigest()[:16])
