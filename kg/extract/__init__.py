"""Extract: entity mentions, relations and numeric facts from a normalised `Doc`.

Components, one module each (the model card is docs/models.md):
- `lexmatch`: the alias lexicon (canonical names and IRIs of ~965 known entities);
- `ner`: the trained mention model (CRFs over characters and English tokens, kg/models/);
- `rules`: what no news corpus teaches (chips by model number, events, compute centres,
  facilities, name definitions in brackets, anaphors such as 该公司) and general name guesses;
- `mentions`: the one place they are combined (source and confidence kept per mention);
- `relations`: sentence patterns over a typed template of each sentence, then `relclf`, a trained
  classifier over every other pair of names of a sentence;
- `quantities`: numbers whose unit and entity the sentence makes clear.
All of it reads the folded text (simplified script, lower case), so each rule is written once.
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
