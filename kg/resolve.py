"""Resolve: mentions -> entities with stable keys, IRIs, classes and labels per script.

One real entity gets one node whichever script or name form the text uses.  The key is the
lexicon id when the lexicon knows the entity (under any of its names, or under the core of a
longer legal name: 武汉光迅科技股份有限公司 -> 光迅科技 -> Accelink); otherwise it is the folded
zh-Hans core name, so the same unknown company named in two articles, in either script, meets
at one IRI.  Keys depend only on the text, so the same input always gives the same IRIs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import lexicon as lexmod
from .model import Doc
from .names import MODIFIERS, core_name
from .normalise import fold, fold_key, script_of, to_simplified, to_traditional

KGR = "https://w3id.org/kg/id/"

@dataclass
class Entity:
    key: str
    cls: str
    lexicon_id: str | None = None
    surfaces: Counter = field(default_factory=Counter)
    mentions: list[int] = field(default_factory=list)

    @property
    def iri(self) -> str:
        return KGR + iri_safe(self.key)


def _iri_char_ok(c: str) -> bool:
    """RFC 3987 iunreserved / sub-delims / ':' '@' (ucschar ranges), minus what we reserve."""
    o = ord(c)
    if o < 0x80:
        return c.isalnum() or c in "-._~!$&'()*+,;=:@"
    return (0xA0 <= o <= 0xD7FF or 0xF900 <= o <= 0xFDCF or 0xFDF0 <= o <= 0xFFEF
            or (0x10000 <= o <= 0xEFFFD and (o & 0xFFFF) < 0xFFFE))


def iri_safe(key: str) -> str:
    """Keep the key readable (CJK stays as it is) but legal inside an IRI: white space becomes
    '_', anything an IRI may not hold is percent-encoded as UTF-8."""
    out = []
    for c in key:
        if c.isspace():
            out.append("_")
        elif _iri_char_ok(c):
            out.append(c)
        else:
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8")))
    return "".join(out)


ORG_CLASSES = {"Organization", "Company", "ResearchInstitute", "GovernmentBody", "University", "Publisher", "Investor"}


def _lookup(surface: str, lex: lexmod.Lexicon) -> str | None:
    return lex.lookup(surface) or lex.lookup(core_name(surface, lex))


def resolve(doc: Doc, lex: lexmod.Lexicon | None = None) -> list[Entity]:
    """Group the document's mentions into entities (sets `Mention.key`) and return them."""
    lex = lex or lexmod.load()
    ments = doc.mentions
    parent = list(range(len(ments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # name definitions: X(以下简称"Y") and X(ABBR) make one entity
    span_index = {(m.start, m.end): i for i, m in enumerate(ments)}
    for s, e, a0, a1 in doc.aliases:
        if (s, e) in span_index and (a0, a1) in span_index:
            union(span_index[(s, e)], span_index[(a0, a1)])
    # anaphors point at their antecedent
    for i, m in enumerate(ments):
        if m.key and m.key.startswith("@"):
            union(i, int(m.key[1:]))
    # same key text -> same entity
    keys: dict[int, str] = {}
    for i, m in enumerate(ments):
        if m.source.startswith("anaphor"):
            continue
        if m.key and not m.key.startswith("@"):
            keys[i] = m.key
        else:
            hit = _lookup(m.surface, lex)
            core = fold(m.surface).strip() if m.cls == "Person" else core_name(m.surface, lex, m.cls in ORG_CLASSES)
            keys[i] = hit or "~" + (core or fold(m.surface).strip())  # 公司 alone has no core name: keep the word
    by_key: dict[str, int] = {}
    for i, k in keys.items():
        if k in by_key:
            union(i, by_key[k])
        else:
            by_key[k] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(ments)):
        groups.setdefault(find(i), []).append(i)
    entities: list[Entity] = []
    for members in groups.values():
        ks = [keys[i] for i in members if i in keys]
        if not ks:
            continue
        lex_ids = sorted({k for k in ks if not k.startswith("~")})
        if lex_ids:
            key, lid = lex_ids[0], lex_ids[0]
            cls = lex.entries[lid].type
        else:
            # the longest core name of the group is its most specific name
            key, lid = max(ks, key=lambda k: (len(k), k))[1:], None
            cls = Counter(ments[i].cls for i in members if not ments[i].source.startswith("anaphor")).most_common(1)[0][0]
        ent = Entity(key=key, cls=cls, lexicon_id=lid)
        for i in members:
            ments[i].key = key
            ent.mentions.append(i)
            if not ments[i].source.startswith("anaphor"):
                ent.surfaces[ments[i].surface.strip()] += 1
        entities.append(ent)
    entities.sort(key=lambda e: e.key)
    _one_fact_per_pair(doc)
    return entities


def _one_fact_per_pair(doc: Doc) -> None:
    """Once mentions are entities, two facts of one sentence between the same two entities are
    one too many: the first (a pattern's, which come before the classifier's) is kept, so a
    full name and its short form in one sentence do not state a fact twice."""
    seen: set = set()
    kept = []
    for r in doc.relations:
        pair = (r.sentence, r.pred, doc.mentions[r.subj].key, doc.mentions[r.obj].key)
        if r.rule == "model":
            pair = (r.sentence, frozenset(pair[2:]))
        if pair in seen:
            continue
        seen.add(pair)
        if r.rule != "model":
            seen.add((r.sentence, frozenset(pair[2:])))
        kept.append(r)
    doc.relations = kept


_KEEP_SURNAME = set("于余范姜沈谷岳卜")
_SMALL_WORDS = {"of", "and", "for", "the", "de", "in", "on", "at", "&"}


def _title(key: str) -> str:
    """norwind photonics -> Norwind Photonics; pallas ai labs -> Pallas AI Labs."""
    words = []
    for w in key.split():
        if w in _SMALL_WORDS:
            words.append(w)
        elif len(w) <= 3 and w.isalpha():
            words.append(w.upper())
        else:
            words.append(w[:1].upper() + w[1:])
    return " ".join(words)


def _cased(ent: Entity) -> str:
    """aisoc芯片 -> AI SoC芯片: the key with the capitals of a name form that folds to it."""
    forms = []
    for surf in ent.surfaces:
        f = MODIFIERS.sub("", to_simplified(surf).strip())
        f = re.sub(r"(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])", "", f)
        if fold_key(f) == fold_key(ent.key):
            forms.append(f)
    return min(forms) if forms else ent.key


def labels(ent: Entity, lex: lexmod.Lexicon) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(prefLabel per language, altLabels) of an entity.

    prefLabels depend only on the entity (lexicon names, or its key), never on which document
    is being read, so the union of many document graphs still has one prefLabel per language;
    the names as written in each document are altLabels."""
    pref: dict[str, str] = {}
    if ent.lexicon_id:
        e = lex.entries[ent.lexicon_id]
        zh = e.zh_hans or e.zh_hant
        for lang, name in (("en", e.en), ("zh-Hans", e.zh_hans or (to_simplified(zh) if zh else "")),
                           ("zh-Hant", e.zh_hant or (to_traditional(zh) if zh else ""))):
            if name:
                pref[lang] = name
        if not pref:
            pref[script_of(e.names()[0]) if e.names() else "en"] = e.names()[0] if e.names() else e.id
    elif any("\u3400" <= c <= "\u9fff" for c in ent.key):
        pref["zh-Hans"] = _cased(ent) if re.search("[a-z]", ent.key) else ent.key
        trad = to_traditional(pref["zh-Hans"])
        if ent.cls == "Person" and ent.key[0] in _KEEP_SURNAME:
            trad = ent.key[0] + trad[1:]  # 于宗光 stays 于, not 於
        pref["zh-Hant"] = trad
    else:
        pref["en"] = ent.key.title() if ent.cls == "Person" else _title(ent.key)
    alts = []
    for s in sorted(ent.surfaces):
        lang = script_of(s)
        lang = "zh-Hans" if lang == "zh" else lang
        if pref.get(lang) != s:
            alts.append((s, lang))
    return pref, alts


def add_publisher(doc: Doc, entities: list[Entity], lex: lexmod.Lexicon) -> None:
    """Make the publisher named in the page's source line an entity typed Publisher."""
    name = (doc.publisher or "").strip()
    if not name:
        return
    lid = lex.lookup(name)
    key = lid or core_name(name, lex)
    for ent in entities:
        if ent.key == key or fold(name) in {fold(s) for s in ent.surfaces}:
            doc.publisher_key = ent.key
            return
    ent = Entity(key=key, cls=lex.entries[lid].type if lid else "Publisher", lexicon_id=lid)
    ent.surfaces[name] += 1
    entities.append(ent)
    entities.sort(key=lambda e: e.key)
    doc.publisher_key = key
