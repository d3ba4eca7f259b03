"""Normalise: folding keeps offsets, language detection, sentence splitting."""

from __future__ import annotations

from kg.normalise import detect_lang, fold, fold_key, split_sentences


def test_fold_keeps_length_and_folds_script_width_case():
    for s in ["摩爾線程智能科技（北京）股份有限公司", "Ｍｏｏｒｅ Threads", "無錫城市智算云中心節點", "İstanbul"]:
        assert len(fold(s)) == len(s)
    assert fold("摩爾線程") == fold("摩尔线程") == "摩尔线程"
    assert fold("（ＡＢＣ）") == "(abc)"
    assert fold_key("Moore Threads") == fold_key("moore-threads") == "moorethreads"


def test_detect_lang():
    assert detect_lang("無錫城市智算雲是全國八個智算雲服務試點之一。") == "zh-Hant"
    assert detect_lang("无锡城市智算云是全国八个智算云服务试点之一。") == "zh-Hans"
    assert detect_lang("Moore Threads unveiled a GPU in Wuxi.") == "en"


def test_sentences_with_offsets():
    text = "摩爾線程發布新品。“算力很重要。”張建中說。Moore Threads Inc. unveiled it. Then it shipped!"
    sents = split_sentences(text, [(0, len(text))])
    parts = [text[s.start : s.end] for s in sents]
    assert parts[0] == "摩爾線程發布新品。"
    assert parts[1] == "“算力很重要。”"
    assert "Moore Threads Inc. unveiled it." in parts
    assert parts[-1] == "Then it shipped!"


def test_long_text_without_breaks_is_cut():
    text = "晶片" * 2000
    sents = split_sentences(text, [(0, len(text))])
    assert len(sents) > 3 and all(s.end - s.start <= 600 for s in sents)
    assert sents[0].start == 0 and sents[-1].end == len(text)
