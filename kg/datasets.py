"""Readers for the annotated formats kg is trained and scored on.

One shape for every NER source, an `Example` (text + character spans, end exclusive), so the
trainer, `kg eval` and the tests read CLUENER2020 JSON lines, BIO files (MSRA characters, English
tokens, plain or gzipped, tab or space separated, lemonhu's two-file layout) and kg's own
stand-off records the same way.  FinRE instances keep their two marked names.  Nothing here
downloads anything: paths are the user's.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_SENTENCE_END = re.compile(r"[。！？!?]")


class DatasetError(ValueError):
    """A file that is not in the format it was read as; the message names the file and line."""


@dataclass
class Example:
    """One annotated sentence: `spans` are (start, end, type) over `text`, end exclusive."""

    id: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    relations: list[tuple[int, str, int]] = field(default_factory=list)  # (subject span, predicate, object span)


@dataclass
class FinreInstance:
    """A FinRE line: head and tail names as written in `sentence`, and the relation label."""

    id: str
    head: str
    tail: str
    label: str
    sentence: str


def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _records(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of every non-blank line of a one-record-a-line file."""
    with _open(path) as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                yield n, line


def read_cluener(path: str | Path) -> Iterator[Example]:
    """CLUENER2020 JSON lines (`label: {type: {surface: [[start, end_inclusive], ...]}}`)."""
    path = Path(path)
    for n, line in _records(path):
        try:
            r = json.loads(line)
            text = r["text"]
            spans = [(s, e + 1, t) for t, d in (r.get("label") or {}).items() for v in d.values() for s, e in v]
        except (ValueError, KeyError, TypeError) as e:
            raise DatasetError(f"{path}:{n}: not a CLUENER2020 record ({type(e).__name__})") from None
        if any(not (0 <= s < e <= len(text)) for s, e, _ in spans):
            raise DatasetError(f"{path}:{n}: a span lies outside the text")
        yield Example(str(n), text, sorted(spans))


def _bio_spans(tags: list[str], ends: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Spans of IOB1/IOB2 tags (`B-X`, `I-X`, also `S-`/`E-`/`M-`); an `I-` after another type opens a span."""
    spans, cur, start, last = [], None, 0, 0
    for tag, (s, e) in zip(tags, ends, strict=True):
        kind, _, typ = tag.partition("-")
        if tag == "O" or not typ:
            if cur:
                spans.append((start, last, cur))
            cur = None
            continue
        if kind in ("B", "S") or typ != cur:
            if cur:
                spans.append((start, last, cur))
            cur, start = typ, s
        last = e
        if kind in ("S", "E"):
            spans.append((start, last, cur))
            cur = None
    if cur:
        spans.append((start, last, cur))
    return spans


def read_bio(path: str | Path, join: str | None = None) -> Iterator[Example]:
    """A column file: one `token<TAB or space>tag` a line, a blank line between sentences.
    Characters (MSRA) are joined with nothing, tokens (English) with one space; `join=None`
    decides by the file: single-character tokens throughout mean characters."""
    path = Path(path)
    if path.is_dir() or path.name == "sentences.txt":
        yield from _read_two_files(path if path.is_dir() else path.parent)
        return
    toks: list[str] = []
    tags: list[str] = []
    n_sent = 0
    with _open(path) as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n").rstrip("\r")
            if line.startswith("-DOCSTART-"):
                continue
            if not line.strip():
                if toks:
                    n_sent += 1
                    yield _bio_example(str(n_sent), toks, tags, join)
                    toks, tags = [], []
                continue
            parts = line.split("\t") if "\t" in line else line.rsplit(" ", 1)
            if len(parts) < 2:
                raise DatasetError(f"{path}:{n}: expected 'token<TAB>tag'")
            toks.append(parts[0])
            tags.append(parts[-1].strip())
    if toks:
        yield _bio_example(str(n_sent + 1), toks, tags, join)


def _bio_example(id_: str, toks: list[str], tags: list[str], join: str | None) -> Example:
    sep = join if join is not None else ("" if all(len(t) == 1 for t in toks) else " ")
    ends, pos = [], 0
    for t in toks:
        ends.append((pos, pos + len(t)))
        pos += len(t) + len(sep)
    return Example(id_, sep.join(toks), _bio_spans(tags, ends))


def _read_two_files(folder: Path) -> Iterator[Example]:
    """lemonhu's layout: sentences.txt and tags.txt, characters and tags separated by spaces."""
    with open(folder / "sentences.txt", encoding="utf-8") as fs, open(folder / "tags.txt", encoding="utf-8") as ft:
        for n, (s, t) in enumerate(zip(fs, ft, strict=False), 1):
            chars, tags = s.split(), t.split()
            if len(chars) != len(tags):
                raise DatasetError(f"{folder}/tags.txt:{n}: {len(tags)} tags for {len(chars)} characters")
            yield _bio_example(str(n), chars, tags, "")


def read_finre(path: str | Path) -> Iterator[FinreInstance]:
    """FinRE: `head<TAB>tail<TAB>label<TAB>sentence`, blank lines between instances; id = line."""
    path = Path(path)
    for n, line in _records(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 4:
            raise DatasetError(f"{path}:{n}: expected 'head<TAB>tail<TAB>label<TAB>sentence'")
        yield FinreInstance(str(n), *parts)


def dataset_line_text(root: Path, dataset: str, line: int, cache: dict | None = None) -> str:
    """The sentence a stand-off record points at: CLUENER's `text`, FinRE's fourth column,
    an MSRA sentence (by number), a THUCNews article (after the tab)."""
    cache = cache if cache is not None else {}
    if dataset not in cache:
        path = root / dataset
        if dataset.startswith("cluener2020/"):
            cache[dataset] = [json.loads(x)["text"] if x.strip() else "" for x in path.read_text("utf-8").split("\n")]
        elif dataset.startswith("finre/"):
            cache[dataset] = [(x.split("\t") + ["", "", "", ""])[3] for x in path.read_text("utf-8").split("\n")]
        elif dataset.startswith("msra/"):
            cache[dataset] = [e.text for e in read_bio(path)]
        elif dataset.startswith("thucnews/"):
            cache[dataset] = [x.split("\t", 1)[-1] for x in path.read_text("utf-8").split("\n")]
        else:
            raise DatasetError(f"{dataset}: no reader for this dataset")
    rows = cache[dataset]
    if not 1 <= line <= len(rows):
        raise DatasetError(f"{dataset}: line {line} does not exist")
    return rows[line - 1]


def _sentence_at(article: str, off: int) -> str:
    """The sentence of a THUCNews article starting at `off`: up to its closing 。！？!? mark."""
    m = _SENTENCE_END.search(article, off)
    return article[off : m.end()] if m else article[off:]


def read_standoff(path: str | Path, root: str | Path) -> Iterator[Example]:
    """kg's stand-off records (kg-relations-dev, training/annotations): the sentence is read
    from the dataset under `root`; `offset` (THUCNews) says where it starts in that line."""
    path, root, cache = Path(path), Path(root), {}
    for n, line in _records(path):
        try:
            r = json.loads(line)
            full = dataset_line_text(root, r["dataset"], int(r["line"]), cache)
            off = int(r.get("offset", 0))
            ents = r["entities"]
            end = max([off + e["end"] for e in ents], default=off)
            text = _sentence_at(full, off) if r["dataset"].startswith("thucnews/") else full
            spans = [(e["start"], e["end"], e["class"]) for e in ents]
            rels = [(x["subject"], x["predicate"], x["object"]) for x in r.get("relations", [])]
        except (ValueError, KeyError, TypeError) as e:
            raise DatasetError(f"{path}:{n}: not a stand-off record ({type(e).__name__}: {e})") from None
        if end > len(full):
            raise DatasetError(f"{path}:{n}: offsets beyond the sentence")
        yield Example(f"{r['dataset']}:{r['line']}:{off}", text, spans, rels)
