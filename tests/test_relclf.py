"""The trained relation classifier (kg/extract/relclf.py) and its training code (training/relations.py).

The shipped model is tested on sentences written here (no ../shared needed); the training code is
run on a small slice of the shared datasets into a temporary folder when ../shared is present.
"""

from __future__ import annotations

import pytest

from kg.extract import relclf
from kg.normalise import fold


def facts(
    text: str, names: list[tuple[str, str]], model=None, min_conf: float = 0.5
) -> set[tuple[str, str, str]]:
    f = fold(text)
    ments = []
    for name, cls in names:
        k = f.find(fold(name))
        assert k >= 0, name
        ments.append((k, k + len(name), cls))
    out = relclf.classify(f, ments, "zh-Hans", min_conf=min_conf, model=model)
    return {(names[s][0], p, names[o][0]) for s, o, p, _ in out}


C = "Company"


def test_model_loads_and_is_small():
    m = relclf.load()
    assert relclf.MODEL_PATH.stat().st_size < 10_000_000
    assert m.classes[0] == "none" and "acquires>" in m.classes and "acquires<" in m.classes
    assert m.W.shape == (len(m.index) + 1, len(m.classes))


@pytest.mark.parametrize(
    "text,names,fact",
    [
        (
            "星海科技宣布以20亿元收购蓝天电子全部股权。",
            [("星海科技", C), ("蓝天电子", C)],
            ("星海科技", "acquires", "蓝天电子"),
        ),
        ("华为与中兴签署战略合作协议。", [("华为", C), ("中兴", C)], ("华为", "partnerOf", "中兴")),
        (
            "小米旗下的子公司紫米科技发布了新品。",
            [("小米", C), ("紫米科技", C)],
            ("紫米科技", "subsidiaryOf", "小米"),
        ),
        (
            "摩尔线程董事长张建中表示，公司将扩大产能。",
            [("摩尔线程", C), ("张建中", "Person")],
            ("张建中", "executiveOf", "摩尔线程"),
        ),
    ],
)
def test_shipped_model_obvious_cases(text, names, fact):
    got = facts(text, names)
    assert fact in got, got


def test_direction_follows_the_text():
    got = facts("星海科技宣布收购蓝天电子。", [("星海科技", C), ("蓝天电子", C)])
    assert ("蓝天电子", "acquires", "星海科技") not in got


@pytest.mark.parametrize(
    "text",
    [
        "星海科技否认收购蓝天电子。",
        "有传闻称星海科技将收购蓝天电子。",
        "星海科技并未收购蓝天电子。",
        "星海科技终止收购蓝天电子。",
        "市场传闻，出于产能考虑，星海科技将收购蓝天电子。",
        "星海科技与蓝天电子的合作计划已经终止。",
        "星海科技收购蓝天电子一事并未获得批准。",
    ],
)
def test_negated_or_rumoured_is_never_a_fact(text):
    assert facts(text, [("星海科技", C), ("蓝天电子", C)], min_conf=0.0) == set()


def test_english():
    got = facts("TSMC is headquartered in Hsinchu.", [("TSMC", C), ("Hsinchu", "City")])
    assert ("TSMC", "locatedIn", "Hsinchu") in got


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia did not acquire Arm.",
        "Nvidia denied it would acquire Arm.",
        "Nvidia is rumoured to be buying Arm.",
        "Reportedly, Nvidia will acquire Arm.",
    ],
)
def test_english_negation_veto(text):
    assert facts(text, [("Nvidia", C), ("Arm", C)], min_conf=0.0) == set()


def test_pairs_stay_within_a_sentence_and_indices_refer_to_the_input():
    text = "星海科技发布了新品。蓝天电子宣布收购白云公司。"
    f = fold(text)
    names = ["白云公司", "星海科技", "蓝天电子"]  # not in text order
    ments = [(f.find(n), f.find(n) + len(n), C) for n in names]
    out = relclf.classify(f, ments, "zh-Hans")
    assert all({s, o} != {0, 1} and {s, o} != {1, 2} for s, o, _, _ in out)
    assert (2, 0, "acquires") in {(s, o, p) for s, o, p, _ in out}
    assert all(0.0 <= c <= 1.0 for *_, c in out)


def test_abbreviations_do_not_end_a_sentence_and_given_sentences_are_used():
    f = fold("Apple Inc. acquired Beats Electronics.")
    ments = [(0, 10, C), (20, 37, C)]
    assert relclf.sentence_spans(f) == [(0, len(f))]
    assert {(s, o, p) for s, o, p, _ in relclf.classify(f, ments, "en", min_conf=0.3)} == {(0, 1, "acquires")}
    assert relclf.classify(f, ments, "en", min_conf=0.0, sentences=[(0, 10), (11, len(f))]) == []


def test_nothing_to_pair():
    assert relclf.classify("", [], "en") == []
    assert relclf.classify("华为。", [(0, 2, C)], "zh-Hans") == []


@pytest.mark.shared
def test_small_training_round_trip(tmp_path):
    from training import relations

    assert relations.main(["--small", "--out", str(tmp_path), "--json", str(tmp_path / "scores.json")]) == 0
    m = relclf.Model(tmp_path / "rel-clf.npz")
    assert m.T > 0 and "none" in m.classes
    got = facts("星海科技宣布收购蓝天电子。", [("星海科技", C), ("蓝天电子", C)], model=m, min_conf=0.3)
    assert ("星海科技", "acquires", "蓝天电子") in got
