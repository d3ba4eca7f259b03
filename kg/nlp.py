"""The extractor as a library, like spaCy's `nlp(text)` / `nlp.pipe(texts)`: text in, entities and
relations out as plain JSON-ready dicts, with offsets into the text given.

    >>> import kg
    >>> r = kg.extract_text("摩尔线程创始人张建中表示……")
    >>> [(e["text"], e["class"]) for e in r["entities"]]

`extract_text` treats its input as one article body (no site-junk detection: the caller gave the
text); `extract_file` reads a file the way `kg build` does (HTML body extraction, junk lines
dropped).  Both run normalise -> extract -> resolve, so `id` is the IRI `kg build` would give.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from . import lexicon as lexmod
from .extract.common import cues
from .ingest import SUFFIXES, Source, parse_bytes, read_document
from .model import Doc
from .pipeline import run

NS_KGR = "https://w3id.org/kg/id/"


def _kind(source: str, folded: str) -> str:
    """name, nested (inside a longer name) or anaphor (该公司, and 我国-style words the lexicon
    resolves to a place but that are not names)."""
    if source == "nested":
        return "nested"
    if source.startswith("anaphor") or folded in cues()["deictic_names"]:
        return "anaphor"
    return "name"


def _source(source: str) -> str:
    """Where a mention came from, in three words: the alias lexicon, the trained model, or a rule."""
    if source in ("lexicon", "model"):
        return source
    return "lexicon" if source == "nested" else "rule"


def doc_json(doc: Doc, entities: list) -> dict:
    """The JSON object of one document: entities in text order, relations indexing them."""
    by_key = {e.key: e for e in entities}
    order = sorted(range(len(doc.mentions)), key=lambda i: (doc.mentions[i].start, doc.mentions[i].end))
    index = {m: k for k, m in enumerate(order)}
    ents = []
    for i in order:
        m = doc.mentions[i]
        ent = by_key.get(m.key or "")
        src = m.source
        if src == "gazetteer":  # a name found again: credit the component that found it first
            src = "model" if m.confidence < 1.0 else "rule"
        ents.append({
            "start": m.start, "end": m.end, "text": doc.text[m.start : m.end],
            "class": ent.cls if ent else m.cls, "id": ent.iri if ent else None,
            "kind": _kind(m.source, doc.folded[m.start : m.end]), "source": _source(src), "confidence": round(m.confidence, 3),
        })
    rels, seen = [], set()
    for r in doc.relations:
        key = (index[r.subj], r.pred, index[r.obj])
        if key in seen:
            continue
        seen.add(key)
        rels.append({"subject": key[0], "predicate": r.pred, "object": key[2], "confidence": round(r.confidence, 3)})
    return {"text": doc.text, "entities": ents, "relations": rels}


def text_doc(text: str, doc_id: str = "text") -> Doc:
    """A `Doc` whose whole text is the body (what `--lines` and the API give)."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    doc = Doc(doc_id=doc_id, path=doc_id, text=text, content_hash=digest)
    doc.body = [(0, len(text))] if text else []
    return doc


def extract_text(text: str, lex: lexmod.Lexicon | None = None) -> dict:
    """Entities and relations of one text (any script, or English)."""
    doc, entities = run(text_doc(text), lex or lexmod.load())
    return doc_json(doc, entities)


def pipe(texts: Iterable[str]) -> Iterator[dict]:
    """`extract_text` over a stream, one result per text, in order (constant memory)."""
    lex = lexmod.load()
    for t in texts:
        yield extract_text(t, lex)


def extract_file(path: str, data: bytes | None = None) -> dict:
    """One article file read as `kg build` reads it (HTML body, junk dropped).  `data` replaces
    reading the file (standard input)."""
    from pathlib import Path

    if data is None:
        doc = read_document(Source(Path(path), Path(path).stem))
    else:
        fmt = SUFFIXES.get(Path(path).suffix.lower(), "txt")
        doc = parse_bytes(data, "stdin", path, fmt)
    doc, entities = run(doc, lexmod.load())
    return doc_json(doc, entities)
