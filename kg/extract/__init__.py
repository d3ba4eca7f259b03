"""Extract: entity mentions, relations and numeric facts from a normalised `Doc`.

Mentions come from the lexicon and from general rules (organisation, event, place and facility
names by their suffix; people by the title in front of them; chips by model numbers; names
defined in parentheses).  Relations come from sentence patterns written over a *template* of
the sentence in which each mention is replaced by a typed token, so one pattern covers every
name, and a coordinated list (A、B、C等 / A, B and C) yields one fact per member.
All patterns match the folded text (simplified script, lower case), so they are written once.
"""

from __future__ import annotations

from .. import lexicon as lexmod
from ..model import Doc
from .mentions import find_mentions
from .quantities import find_quantities
from .relations import classified_relations, find_relations, structural_relations


def extract(doc: Doc, lex: lexmod.Lexicon | None = None) -> Doc:
    """Fill `mentions`, `relations` and `quantities` of a normalised `Doc`."""
    lex = lex or lexmod.load()
    pairs, hidden = find_mentions(doc, lex)
    find_relations(doc, hidden)
    structural_relations(doc, lex)
    classified_relations(doc)
    find_quantities(doc)
    doc.aliases = pairs
    return doc
