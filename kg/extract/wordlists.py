"""Word lists as Aho-Corasick automata, the features of the Chinese mention model (ner.py)
and the source of known company names (mentions.py): jieba's dictionary and the names of the
training annotations, shipped as `word<TAB>tag` files in kg/models.  Building the automaton of
126k words costs ~0.3 s, so the built one is kept in the user's cache folder."""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from importlib import resources

ZH_WORDS = "ner-zh.words.tsv"  # jieba's dictionary (word, part of speech): word-boundary features
ZH_NAMES = "ner-zh.names.tsv"  # names of the training annotations (name, coarse type): gazetteer features


class Lexicon:
    """A word list as an Aho-Corasick automaton: every entry found in a sentence, as
    (start, end, tag).  Used twice for the Chinese model: jieba's dictionary (tag = part of
    speech: where words begin and end is the clue a character model lacks, and ns/nr/nt mark
    places, people and organisations) and the names of the training annotations (tag = coarse
    type: a name seen in training is a name again)."""

    def __init__(self, entries: dict[str, str] | None = None, automaton=None) -> None:
        import ahocorasick

        if automaton is None:
            automaton = ahocorasick.Automaton()
            for word, tag in (entries or {}).items():
                automaton.add_word(word, (len(word), tag))
            if entries:
                automaton.make_automaton()
        self._auto = automaton
        self.size = len(automaton)

    def tag(self, word: str) -> str | None:
        """The tag of `word` when it is an entry."""
        value = self._auto.get(word, None)
        return value[1] if value else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Every entry in `text` as (start, end, tag)."""
        if not self.size:
            return []
        return [(last - ln + 1, last + 1, tag) for last, (ln, tag) in self._auto.iter(text)]

    def marks(self, text: str) -> tuple[list[str], list[str], list[str]]:
        """Per character: the tag and length of the longest entry beginning there, of the
        longest ending there, and the tag of the longest entry it lies strictly inside."""
        n = len(text)
        begin, end, inside = [""] * n, [""] * n, [""] * n
        blen, elen, ilen = [0] * n, [0] * n, [0] * n
        if not self.size:
            return begin, end, inside
        for last, (ln, tag) in self._auto.iter(text):
            first = last - ln + 1
            if ln > blen[first]:
                blen[first], begin[first] = ln, f"{min(ln, 5)}{tag}"
            if ln > elen[last]:
                elen[last], end[last] = ln, f"{min(ln, 5)}{tag}"
            for k in range(first + 1, last):
                if ln > ilen[k]:
                    ilen[k], inside[k] = ln, tag
        return begin, end, inside


@lru_cache(maxsize=2)
def load(name: str) -> Lexicon:
    """A shipped word list; empty (no features) when the file is missing.  Building the
    automaton of jieba's 126k words takes ~0.3 s, a third of `kg build` of one file, so the
    built automaton is kept in the user's cache folder (~/.cache/kg, keyed by the list's
    content and pyahocorasick's version) and read from there next time (~0.03 s)."""
    path = resources.files("kg").joinpath("models", name)
    if not path.is_file():
        return Lexicon({})
    raw = path.read_bytes()
    cache = _cache_file(name, raw)
    if cache is not None and cache.is_file():
        try:
            return Lexicon(automaton=pickle.loads(cache.read_bytes()))
        except Exception:  # a cache from another version or cut short: build anew
            pass
    lex = Lexicon(_parse_lexicon(raw.decode("utf-8")))
    if cache is not None:
        try:
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(lex._auto))
            os.replace(tmp, cache)  # whole or not at all: parallel build workers may race here
        except OSError:
            pass
    return lex


def _cache_file(name: str, raw: bytes):
    """~/.cache/kg/NAME-HASH.automaton (XDG_CACHE_HOME honoured), or None when there is no
    writable cache folder."""
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kg"
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        aho = version("pyahocorasick")
    except (OSError, RuntimeError, PackageNotFoundError):
        return None
    key = hashlib.sha256(raw + aho.encode()).hexdigest()[:16]
    return base / f"{name}-{key}.automaton"


def _parse_lexicon(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        word, _, tag = line.partition("\t")
        if word:
            out[word] = tag
    return out
