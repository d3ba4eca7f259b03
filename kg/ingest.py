"""Ingest: files on disk -> `Doc` with decoded text, the article body and its metadata.

Web pages saved as text carry navigation words above the article and link spam below it.
The body is found the way boilerplate removers (jusText, trafilatura) do it: lines are
classed as content (long, with sentence punctuation), short (headings, menus) or junk (link
lists, site notices), and the densest run of content lines wins.  HTML goes to trafilatura.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .model import Doc

SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
# Documents a folder of articles may hold that kg cannot read: listed as skipped, not ignored
# (other files, such as images or data, are passed over in silence).
UNSUPPORTED = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".odt": "OpenDocument", ".rtf": "RTF",
               ".epub": "EPUB", ".pages": "Pages", ".wps": "WPS", ".mht": "MHTML", ".mhtml": "MHTML"}
# Limits that keep one file's cost bounded (docs/limits.md).  Larger files are refused before
# they are read (HTML extraction alone takes seconds per MB); decoded text (for HTML the
# extracted text) longer than MAX_CHARS is refused: news articles run to a few thousand
# characters, and extraction time grows faster than linearly with document length.
MAX_BYTES = 5_000_000
MAX_CHARS = 100_000


class IngestError(Exception):
    """A file that cannot become a document; the message is one line naming why."""


@dataclass(frozen=True)
class Source:
    path: Path
    doc_id: str


def iter_sources(paths: Iterable[str | os.PathLike], errors: list[str] | None = None) -> Iterator[Source]:
    """Yield readable article files under `paths` in a stable order.

    Directories are walked without following symlinks (so link loops end), and the document id
    is the path relative to the folder named on the command line, which keeps ids stable when
    the same folder is rebuilt from elsewhere.
    """
    seen: dict[str, Path] = {}

    def unique(src: Source) -> bool:
        # "a.txt" and "a.md" (or "a b.txt" and "a_b.txt") map to one document id: the first
        # keeps it and the other is reported, instead of silently replacing the first's graph.
        first = seen.setdefault(src.doc_id, src.path)
        if first == src.path:
            return True
        if errors is not None:
            errors.append(f"{src.path}: same document id {src.doc_id!r} as {first} (rename one of them)")
        return False

    def unreadable(e: OSError) -> None:
        if errors is not None:
            errors.append(f"{e.filename}: cannot list directory ({e.strerror or e})")

    for p in paths:
        root = Path(p)
        if root.is_dir():
            found: list[tuple[str, str]] = []  # (path, path relative to root); strings: a folder may hold 100,000 files
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
                dirnames.sort()
                rel_dir = os.path.relpath(dirpath, root)
                for name in sorted(filenames):
                    ext = os.path.splitext(name)[1].lower()
                    if ext in SUFFIXES and not name.startswith(".") and not _is_readme(name):
                        found.append((os.path.join(dirpath, name), name if rel_dir == "." else os.path.join(rel_dir, name)))
                    elif ext in UNSUPPORTED and errors is not None and not name.startswith("."):
                        errors.append(f"{os.path.join(dirpath, name)}: {UNSUPPORTED[ext]} files are not read "
                                      "(convert it to .txt, .md or .html)")
            for f, rel in found:
                src = Source(Path(f), _doc_id(rel))
                if unique(src):
                    yield src
        elif root.exists() or root.is_symlink():
            if root.suffix.lower() not in SUFFIXES:
                if errors is not None:
                    errors.append(f"{root}: not a .txt, .md or .html file")
                continue
            src = Source(root, _doc_id(root.name))
            if unique(src):
                yield src
        elif errors is not None:
            errors.append(f"{root}: no such file or directory")


def _is_readme(name: str) -> bool:
    """A folder's README describes the corpus; it is not an article."""
    return name.lower().split(".")[0] in ("readme", "license", "changelog")


_ID_JUNK = re.compile(r"[^\w.\-/]+")


def _doc_id(rel: str) -> str:
    stem, ext = os.path.splitext(rel)
    stem = stem if ext.lower() in SUFFIXES else rel
    return _ID_JUNK.sub("_", stem.replace(os.sep, "/")).strip("_") or "doc"


def read_document(src: Source) -> Doc:
    """Read and decode one file, find its body and metadata; raise IngestError if unusable."""
    path = src.path
    try:
        if not path.is_file():
            if path.is_symlink() and not path.exists():
                raise IngestError(f"{path}: broken symbolic link (or a link loop)")
            raise IngestError(f"{path}: not a regular file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IngestError(f"{path}: file too large ({size / 1e6:.1f} MB > {MAX_BYTES / 1e6:.0f} MB limit)")
        with path.open("rb") as fh:  # never more than the limit, even if the file grows meanwhile
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise IngestError(f"{path}: file too large (> {MAX_BYTES / 1e6:.0f} MB limit)")
    except PermissionError:
        raise IngestError(f"{path}: permission denied") from None
    except OSError as e:
        raise IngestError(f"{path}: cannot read ({e.strerror or e})") from None
    fmt = SUFFIXES.get(path.suffix.lower(), "txt")
    return parse_bytes(data, src.doc_id, str(path), fmt)


def parse_bytes(data: bytes, doc_id: str, path: str, fmt: str) -> Doc:
    """Turn raw bytes into a `Doc` (the part of reading that needs no file system)."""
    if not data.strip():
        raise IngestError(f"{path}: empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"{path}: binary file, not text")
    text = decode(data, path)
    if _binary_like(text):
        raise IngestError(f"{path}: binary file, not text")
    if len(text) > MAX_CHARS and fmt != "html":
        raise IngestError(f"{path}: text too long ({len(text)} characters > {MAX_CHARS} limit; split the file)")
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "html":
        doc = _from_html(text, doc_id, path, digest)
    else:
        doc = Doc(doc_id=doc_id, path=path, text=text, content_hash=digest, fmt=fmt)
        doc.body = find_body(text)
        _header_metadata(doc)
    if not doc.body or sum(e - s for s, e in doc.body) < 2:
        raise IngestError(f"{path}: no article text found")
    doc.publisher = _clean_name(doc.publisher)
    doc.title = _clean_name(doc.title)
    return doc


def _clean_name(name: str | None) -> str | None:
    """Metadata without control, format, private-use, unassigned or replacement characters: a
    publisher name becomes an entity IRI, and IRIs cannot hold those."""
    if not name:
        return name
    import unicodedata

    out = "".join(
        (" " if c.isspace() else "") if unicodedata.category(c)[0] == "C" or c in "\ufffc\ufffd" else c for c in name
    ).strip()
    return out or None


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _binary_like(text: str) -> bool:
    """Control characters that text never has, in more than a trace amount."""
    head = text[:65536]
    return len(_CONTROL.findall(head)) > len(head) // 100 + 2


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a file cut mid-character, one stray byte) decodes as UTF-8
    with U+FFFD in their place; GB18030 or Big5 read as UTF-8 break on nearly every character."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    breaks = len(re.findall("\ufffd+", text))  # one broken character gives up to three U+FFFD
    multibyte = sum(1 for c in text if c > "\x7f" and c != "\ufffd")
    if breaks <= len(text) // 100 + 2 and multibyte >= 8 * bad:
        return text
    return None


def decode(data: bytes, path: str = "") -> str:
    """Decode UTF-8 (with or without BOM), UTF-16, GB18030 or Big5 without a declared encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    nearly = _mostly_utf8(data)
    if nearly is not None:
        return nearly
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            candidates.append((enc, data.decode(enc)))
        except UnicodeDecodeError:
            continue
    if len(candidates) == 1:
        return candidates[0][1]
    if candidates:
        # Both decode: the right one yields common CJK characters, the wrong one rare ones.
        return max(candidates, key=lambda c: _cjk_commonness(c[1]))[1]
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding in {"ascii"} and not data.isascii():
        raise IngestError(f"{path}: cannot decode text (not UTF-8, GB18030 or Big5)")
    text = str(best)
    if text.count("\ufffd") > len(text) // 100 + 1:
        raise IngestError(f"{path}: cannot decode text (not UTF-8, GB18030 or Big5)")
    return text


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    return frozenset(_cues()["common_chars"])


def _cjk_commonness(text: str) -> float:
    common = _common_chars()
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return sum(c in common for c in cjk) / max(1, len(cjk)) - text.count("\ufffd") / max(1, len(text))


@lru_cache(maxsize=1)
def _cues() -> dict:
    return json.loads(resources.files("kg").joinpath("data/cues.json").read_text("utf-8"))


# --- body finding for plain text and Markdown -------------------------------------------

_SENT_PUNCT = re.compile(r"[。！？；!?]|[.!?][\"”’')]?\s|[.!?][\"”’')]?$")
_SEPARATORS = re.compile(r"[|｜]")


def _line_class(line: str) -> str:
    s = line.strip()
    if not s:
        return "blank"
    if len(_SEPARATORS.findall(s)) >= 3:
        return "junk"
    if any(cue in s for cue in _cues()["boilerplate"]):
        return "junk"
    cjk = sum("\u4e00" <= c <= "\u9fff" for c in s)
    long_enough = cjk >= 12 or len(s) >= 60
    if long_enough and _SENT_PUNCT.search(s):
        return "good"
    return "short"


def find_body(text: str, max_gap: int = 3) -> list[tuple[int, int]]:
    """Spans of `text` that make up the article body (line spans, without line breaks)."""
    lines: list[tuple[int, int, str]] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.rstrip("\r\n")
        lead = len(stripped) - len(stripped.lstrip())
        end = pos + len(stripped.rstrip())
        lines.append((pos + lead, max(pos + lead, end), _line_class(stripped)))
        pos += len(raw)
    clusters: list[list[int]] = []
    current: list[int] = []
    gap = 0
    for i, (_, _, cls) in enumerate(lines):
        if cls == "good":
            if current and gap > max_gap:
                clusters.append(current)
                current = []
            current.append(i)
            gap = 0
        elif cls == "junk":
            if current:
                clusters.append(current)
                current = []
            gap = 0
        elif cls == "short":
            gap += 1
    if current:
        clusters.append(current)
    if not clusters:
        # No sentence punctuation anywhere: keep every non-junk line (a bare list or one long line).
        return [(s, e) for s, e, c in lines if c == "short" and e > s]

    def weight(cl: list[int]) -> int:
        return sum(lines[i][1] - lines[i][0] for i in cl)

    best = max(clusters, key=weight)
    first, last = best[0], best[-1]
    return [(s, e) for s, e, c in lines[first : last + 1] if c in ("good", "short") and e > s]


_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_EN_DATE = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+((?:19|20)\d{2})", re.I
)
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_SOURCE = re.compile(r"(?:来源|來源|出处|出處|Source|Publisher)\s*[:：]\s*([^\s|｜,，;；]{2,40})", re.I)
_BY = re.compile(r"\b(?:Published|Posted)\b[^\n]*?\bby\s+([A-Z][\w&.\- ]{1,40}?)\s*(?:$|[|,;(])", re.M)


def _iso(y: str, m: str, d: str) -> str | None:
    mi, di = int(m), int(d)
    if 1 <= mi <= 12 and 1 <= di <= 31:
        return f"{int(y):04d}-{mi:02d}-{di:02d}"
    return None


def find_date(s: str) -> str | None:
    m = _DATE.search(s)
    if m:
        return _iso(*m.groups())
    m = _EN_DATE.search(s)
    if m:
        return _iso(m.group(3), str(_MONTHS[m.group(1).lower()[:3]]), m.group(2))
    return None


def _header_metadata(doc: Doc) -> None:
    """Title, date and publisher from the lines above the body (and Markdown front matter)."""
    text = doc.text
    head_end = doc.body[0][0] if doc.body else len(text)
    header = text[:head_end]
    lines = [ln.strip() for ln in header.splitlines() if ln.strip()]
    if doc.fmt == "md":
        fm = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
        if fm:
            for ln in fm.group(1).splitlines():
                k, _, v = ln.partition(":")
                k, v = k.strip().lower(), v.strip().strip("\"'")
                if k == "title" and v:
                    doc.title = v
                elif k == "date" and v:
                    doc.date = find_date(v)
                elif k in ("source", "publisher") and v:
                    doc.publisher = v
        for ln in text.splitlines():
            if ln.startswith("# "):
                doc.title = doc.title or ln[2:].strip()
                break
    meta_line = None
    for i, ln in enumerate(lines):
        d = find_date(ln)
        src = _SOURCE.search(ln) or _BY.search(ln)
        if d and not doc.date:
            doc.date = d
            meta_line = meta_line if meta_line is not None else i
        if src and not doc.publisher:
            doc.publisher = src.group(1).strip()
            meta_line = meta_line if meta_line is not None else i
    if not doc.title:
        cands = lines[:meta_line] if meta_line is not None else lines
        for ln in reversed(cands):
            if len(ln) >= 5 and _line_class(ln) == "short" and not find_date(ln):
                doc.title = ln.lstrip("# ").strip()
                break
    if not doc.date or not doc.publisher:
        # Bylines often sit in the first body lines ("Published ... by ...").
        first = text[doc.body[0][0] : doc.body[min(2, len(doc.body) - 1)][1]] if doc.body else ""
        doc.date = doc.date or find_date(first[:200])
        m = _SOURCE.search(first[:300]) or _BY.search(first[:300])
        if m and not doc.publisher:
            doc.publisher = m.group(1).strip()


def _from_html(html: str, doc_id: str, path: str, digest: str) -> Doc:
    import trafilatura

    try:
        res = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    except Exception as e:  # trafilatura raises assorted lxml errors on broken markup
        raise IngestError(f"{path}: cannot parse HTML ({type(e).__name__})") from None
    if res is None:
        raise IngestError(f"{path}: no article text found")
    get = res.get if isinstance(res, dict) else lambda k: getattr(res, k, None)
    body = (get("text") or "").strip()
    if not body:
        raise IngestError(f"{path}: no article text found")
    if len(body) > MAX_CHARS:
        raise IngestError(f"{path}: text too long ({len(body)} characters > {MAX_CHARS} limit; split the file)")
    doc = Doc(doc_id=doc_id, path=path, text=body, content_hash=digest, fmt="html")
    doc.body = find_body(body, max_gap=10**6) or [(0, len(body))]
    doc.title = get("title")
    raw_date = get("date")
    doc.date = find_date(raw_date) if raw_date else None
    doc.publisher = get("sitename") or get("author")
    doc.url = get("url")
    if not doc.date or not doc.publisher:
        _header_metadata_from_text(doc, body)
    return doc


def _header_metadata_from_text(doc: Doc, body: str) -> None:
    head = body[:300]
    doc.date = doc.date or find_date(head)
    m = _SOURCE.search(head) or _BY.search(head)
    if m and not doc.publisher:
        doc.publisher = m.group(1).strip()
