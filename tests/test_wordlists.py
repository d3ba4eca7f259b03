"""The word lists of the Chinese mention model: built from the shipped files, kept in the user's
cache folder, and a broken cache file costs nothing but the time to build anew."""

from __future__ import annotations

import pytest

from kg.extract import wordlists


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    wordlists.load.cache_clear()
    yield tmp_path / "kg"
    wordlists.load.cache_clear()


def test_cached_automaton_finds_what_the_built_one_finds(fresh):
    text = "华为技术有限公司在深圳发布了新一代芯片"
    built = wordlists.load(wordlists.ZH_WORDS)
    assert built.size > 100_000 and built.tag("深圳") == "ns"
    files = list(fresh.glob("ner-zh.words.tsv-*.automaton"))
    assert len(files) == 1
    wordlists.load.cache_clear()
    cached = wordlists.load(wordlists.ZH_WORDS)
    assert cached.find(text) == built.find(text) and cached.marks(text) == built.marks(text)


def test_a_broken_cache_file_is_built_anew(fresh):
    wordlists.load(wordlists.ZH_WORDS)
    [cache] = fresh.glob("ner-zh.words.tsv-*.automaton")
    cache.write_bytes(b"not a pickle")
    wordlists.load.cache_clear()
    assert wordlists.load(wordlists.ZH_WORDS).tag("深圳") == "ns"
    assert cache.read_bytes() != b"not a pickle"


def test_no_writable_cache_folder_still_works(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder should be
    wordlists.load.cache_clear()
    try:
        assert wordlists.load(wordlists.ZH_WORDS).tag("深圳") == "ns"
    finally:
        wordlists.load.cache_clear()
