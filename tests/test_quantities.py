"""Numeric facts: a number is a measurement only with its unit next to it, a word saying what it
measures and the entity the clause states it of; model names with digits never are.

The sentences are written for these tests; the last test measures precision on the labelled
sample of real sentences (training/annotations/quantities.jsonl) when ../shared is present.
"""

from __future__ import annotations

import pytest

from kg import lexicon as lexmod
from kg.nlp import text_doc
from kg.pipeline import run
from training import quantities as tq

from .conftest import require_shared


@pytest.fixture(scope="module")
def lex():
    return lexmod.load()


def facts(text: str, lex) -> set[tuple[str, str, float, str]]:
    doc, _ = run(text_doc(text), lex)
    return {(doc.mentions[q.about].surface, q.kind, q.value, q.unit) for q in doc.quantities}


@pytest.mark.parametrize("text", [
    "三星電子宣布HBM3E已通過英偉達驗證，並開始向英偉達供貨。",
    "台积电N4P工艺已经量产，苹果和英伟达都是客户。",
    "英伟达H20芯片在中国市场的销售受到限制。",
    "华为昇腾910C芯片由中芯国际代工。",
    "台积电5nm工艺的良率已经很高。",
    "摩尔线程MTT S4000显卡已在无锡城市智算中心部署。",
    "该中心部署了英伟达A100和H100。",
    "Xerant Semiconductor supplies its XR-900 accelerators to Oracle.",
    "Gamers still buy the RTX 4090 GPUs from Nvidia.",
    "尼康D90的机身采用了EOS-1D相同的涂层，支持720P高清视频。",
])
def test_model_names_with_digits_are_never_quantities(text, lex):
    assert facts(text, lex) == set()


@pytest.mark.parametrize("text", [
    "2024年，北京一家企业以5亿元收购了一家芯片设计公司。",
    "在上海，一家公司以12亿元的价格收购了当地的数据中心。",
    "In Shanghai, a local buyer paid $300 million for the data centre.",
])
def test_a_deal_price_is_never_a_citys(text, lex):
    assert all(f[0] not in ("北京", "上海", "Shanghai") for f in facts(text, lex))


def test_valuation_and_funding_are_told_apart(lex):
    got = facts("摩爾線程完成新一輪融資，融資金額為25億元，投後估值達到255億元。", lex)
    assert ("摩爾線程", "funding", 2.5, "billion CNY") in got
    assert ("摩爾線程", "valuation", 25.5, "billion CNY") in got
    assert len(got) == 2
    got = facts("Moore Threads raised $1.1 billion at a valuation of $8.1 billion.", lex)
    assert got == {("Moore Threads", "funding", 1.1, "billion USD"), ("Moore Threads", "valuation", 8.1, "billion USD")}


@pytest.mark.parametrize("text,fact", [
    ("星河微電子股份有限公司宣布完成B輪融資，融資金額為8億元。", ("星河微電子股份有限公司", "funding", 800.0, "million CNY")),
    ("2024年，寒武纪实现营业收入11.74亿元，同比增长65.56%。", ("寒武纪", "revenue", 1.174, "billion CNY")),
    ("2024年，寒武纪实现营业收入11.74亿元，同比增长65.56%。", ("寒武纪", "growth rate", 65.56, "percent")),
    ("長盛基金管理有限公司2008年度實現淨利潤2.4億元，同比下降13.14%。", ("長盛基金管理有限公司", "net profit", 240.0, "million CNY")),
    ("长盛基金管理有限公司2008年度实现净利润2.4亿元，同比下降13.14%。", ("长盛基金管理有限公司", "growth rate", -13.14, "percent")),
    ("全球Chiplet市场规模预计将从2023年的31亿美元增至2033年的1070亿美元左右。", ("Chiplet", "market size", 107.0, "billion USD")),
    ("截至2025年9月，無錫城市智算中心已部署11000張國產加速卡，總算力達到3000P。", ("無錫城市智算中心", "computing capacity", 3000.0, "PFLOPS")),
    ("截至2025年9月，无锡城市智算中心已部署11000张国产加速卡，总算力达到3000P。", ("无锡城市智算中心", "accelerator cards", 11000.0, "cards")),
    ("2024年，星河微電子在國內推理卡市場占約6%的份額。", ("星河微電子", "share", 6.0, "percent")),
    ("中芯国际的月产能达到10万片。", ("中芯国际", "production capacity", 100000.0, "wafers")),
    ("Xerant Semiconductor's revenue grew 42% year on year in 2024 to $1.4 billion.", ("Xerant Semiconductor", "revenue", 1.4, "billion USD")),
    ("Calder Robotics Corp. said on Tuesday it had raised $120 million in a Series B round.", ("Calder Robotics Corp.", "funding", 120.0, "million USD")),
    ("As of March 2025, Brightwater Compute Ltd. had deployed 10,000 H100 GPUs at its Manchester data centre, "
     "bringing its total capacity to about 10 EFLOPS.", ("Brightwater Compute Ltd.", "computing capacity", 10.0, "EFLOPS")),
    ("As of March 2025, Brightwater Compute Ltd. had deployed 10,000 H100 GPUs at its Manchester data centre.",
     ("Brightwater Compute Ltd.", "accelerator cards", 10000.0, "cards")),
])
def test_right_facts_in_both_scripts_and_english(text, fact, lex):
    got = facts(text, lex)
    assert fact in got
    assert all(f[0] == fact[0] for f in got), got  # every number of the sentence is the subject's


@pytest.mark.parametrize("text", [
    "寒武纪否认将以30亿元收购一家芯片公司。",
    "据传摩尔线程的估值已达到300亿元。",
    "摩尔线程拟募资80亿元。",
    "Calder Robotics Corp. denied that it had raised $120 million.",
    "Calder Robotics Corp. did not raise $120 million.",
    "Calder Robotics Corp. is reportedly valued at $2 billion.",
    "以英伟达H100 GPU为例，理论上每天需要约130万张卡。",
])
def test_negated_hedged_or_planned_numbers_give_no_fact(text, lex):
    assert facts(text, lex) == set()


@pytest.mark.parametrize("text", [
    "摩尔线程的融资金额较大。",                       # no number
    "摩尔线程去年共有1200名员工。",                   # a count, no kind kg keeps
    "寒武纪的股票代码是688256。",                     # a number with no unit
    "该基金将不低于80%的基金资产投资于债券。",          # a limit, no entity
    "一只私募基金一年的管理费是管理规模的0.5%到1%。",  # a range
    "张建中的年薪为500万元。",                       # a person
    "寒武纪和摩尔线程的营收分别为10亿元和5亿元。",      # a list shares the numbers
])
def test_unclear_numbers_give_no_fact(text, lex):
    assert facts(text, lex) == set()


def test_precision_on_the_labelled_sample():
    require_shared()  # the labelled sample points into ../shared/datasets
    stats = tq.evaluate()
    made = sum(s["made"] for s in stats.values())
    right = sum(s["right"] for s in stats.values())
    assert sum(s["numbers"] for s in stats.values()) >= 250
    assert made > 0 and right / made >= 0.90, stats
