"""Labels: which of an entity's names to print, one rule for the CLI, the saved queries and the viewer.

An entity carries skos:prefLabels in up to three languages (en, zh-Hans, zh-Hant) and any number
of altLabels.  Printing "whichever label SPARQL sampled first" made one company `光迅科技` in one
table and `Accelink Technologies` in the next (issue 13), so every place that prints a name asks
this module, with a language that is either given (`--lang`) or taken from the store: the
language most of its documents are written in.

The rule (`choose`): the prefLabel in the language; for Chinese, else the other script's
prefLabel converted (OpenCC), else a surface form already in that script; then English, then any
prefLabel, then the shortest name, then the IRI's local name.  Among several prefLabels of one
language the smallest string wins, so the choice never depends on storage order.  Saved queries
follow the same order in SPARQL (`LABEL_ORDER_SPARQL`), minus the script conversion.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

LANGS = ("en", "zh-Hans", "zh-Hant")
DEFAULT_LANG = "en"


class LangError(ValueError):
    """An unknown language name; the message is one line listing the valid ones."""


def norm_lang(lang: str) -> str:
    """`en`, `zh-hans`, `ZH-HANT`... -> the canonical tag; anything else is refused."""
    for k in LANGS:
        if lang.strip().lower() == k.lower():
            return k
    raise LangError(f"unknown language {lang!r}; choose {', '.join(LANGS)}")


def lang_key(tag: str | None) -> str | None:
    """A language tag as stored (en, en-GB, zh-Hant, zh-TW, zh...) -> en, zh-Hans, zh-Hant or None."""
    t = (tag or "").strip().lower()
    if t.startswith("en"):
        return "en"
    if t.startswith("zh-hant") or t in ("zh-tw", "zh-hk", "zh-mo"):
        return "zh-Hant"
    if t.startswith("zh-hans") or t in ("zh", "zh-cn", "zh-sg"):
        return "zh-Hans"
    return None


DOC_LANG_QUERY = """SELECT ?l (COUNT(DISTINCT ?d) AS ?n) WHERE {
  ?d a <https://w3id.org/kg/ontology#Document> ; <http://purl.org/dc/terms/language> ?l } GROUP BY ?l"""


def store_lang(store) -> str:
    """The language most of the store's documents are written in (ties: en, zh-Hans, zh-Hant);
    English for an empty store.  One small GROUP BY over the document nodes."""
    counts = dict.fromkeys(LANGS, 0)
    try:
        rows = list(store.query(DOC_LANG_QUERY))
    except Exception:  # a remote store that refuses the query: fall back rather than fail
        return DEFAULT_LANG
    for r in rows:
        k = lang_key(r["l"].value if r["l"] is not None else None)
        if k:
            counts[k] += int(r["n"].value)
    best = max(LANGS, key=lambda k: (counts[k], -LANGS.index(k)))
    return best if counts[best] else DEFAULT_LANG


def choose(pref: dict[str, str], alts, iri: str, lang: str) -> str:
    """The one name to print for an entity in `lang` (see the module docstring for the order)."""
    from .normalise import script_of, to_simplified, to_traditional

    if pref.get(lang):
        return pref[lang]
    if lang in ("zh-Hans", "zh-Hant"):
        other = "zh-Hant" if lang == "zh-Hans" else "zh-Hans"
        if pref.get(other):
            return (to_simplified if lang == "zh-Hans" else to_traditional)(pref[other])
        same = sorted((a for a in alts if script_of(a) in (lang, "zh")), key=lambda a: (len(a), a))
        if same:
            return same[0]
    for lk in ("en", "zh-Hans", "zh-Hant"):
        if pref.get(lk):
            return pref[lk]
    if alts:
        return sorted(alts, key=lambda a: (len(a), a))[0]
    return unquote(re.split(r"[#/]", iri)[-1])


def pick_pref(pref: dict[str, str], lang: str, value: str) -> str | None:
    """Record one more prefLabel `value` in `lang` into `pref`, keeping the smallest string;
    returns the label that lost (to be kept as an alternative name), if any."""
    cur = pref.get(lang)
    if cur is None:
        pref[lang] = value
        return None
    if value < cur:
        pref[lang] = value
        return cur
    return value if value != cur else None


# --- saved queries ------------------------------------------------------------------------------
# A saved query that prints names declares the language once, as `VALUES ?lang { "en" }` inside
# each label sub-query.  `kg query --lang L` (and the store's language by default) rewrites every
# such declaration, so the file stays plain SPARQL that also runs as is on the /query page.

LANG_DECL = re.compile(r'VALUES\s+\?lang\s*\{\s*"[A-Za-z-]*"\s*\}')


def with_lang(sparql: str, lang: str) -> str:
    """The query with every `VALUES ?lang { "..." }` declaration set to `lang`."""
    return LANG_DECL.sub(f'VALUES ?lang {{ "{lang}" }}', sparql)


def wants_lang(sparql: str) -> bool:
    return LANG_DECL.search(sparql) is not None


def relabel_graph(G, lang: str) -> None:
    """Set each node's `label` of an entity graph from kg.analyse.project to `choose(..., lang)`:
    the analyse commands and the graphml/gexf/csv exports then print what the viewer shows."""
    keys = {"en": "label_en", "zh-Hans": "label_zh_hans", "zh-Hant": "label_zh_hant"}
    for n, d in G.nodes(data=True):
        pref = {lk: d[k].split(" | ")[0] for lk, k in keys.items() if d.get(k)}
        alts = {x for x in (d.get("labels") or "").split("|") if x} - set(pref.values())
        d["label"] = choose(pref, alts, n, lang)
