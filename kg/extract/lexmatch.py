"""Lexicon matches as candidates: the alias lexicon gives canonical names and IRIs."""

from __future__ import annotations

from .. import lexicon as lexmod
from ..model import Doc
from .common import Cand


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
