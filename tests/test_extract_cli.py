"""`kg extract`, `kg eval`, the `kg.extract_text` API and the mention model, on text written for
these tests (no ../shared needed), plus the training code on a small slice of the shared datasets
(skipped without them)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import DATASETS, GOLD, PROJECT_ARTICLE, ROOT, require_shared

KG = [sys.executable, "-m", "kg.cli"]

LINES = [
    "摩尔线程创始人兼首席执行官张建中表示，公司将在无锡建设新的研发中心。",
    "",
    "華虹半導體與中芯國際的代表均出席了當天的活動。",
    "Calder Robotics Corp. is based in Pittsburgh, and its chief executive Maya Lin spoke in Boston.",
    "   ",
    "李明东与王海涛在北京签署了合作协议。",
]


def run(args: list[str], data: bytes | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(KG + args, input=data, capture_output=True, timeout=timeout, cwd=ROOT)


def test_lines_gives_one_output_line_per_input_line_in_order():
    p = run(["extract", "--lines", "-"], "\n".join(LINES).encode() + b"\n")
    assert p.returncode == 0, p.stderr
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert [o["text"] for o in out] == LINES
    for o in out:
        for e in o["entities"]:
            assert o["text"][e["start"] : e["end"]] == e["text"]
            assert e["kind"] in ("name", "nested", "anaphor") and e["source"] in ("lexicon", "model", "rule")
            assert 0.0 <= e["confidence"] <= 1.0 and e["id"].startswith("https://w3id.org/kg/id/")
        for r in o["relations"]:
            assert 0 <= r["subject"] < len(o["entities"]) and 0 <= r["object"] < len(o["entities"])
    assert out[1]["entities"] == [] and out[4]["entities"] == []


def test_model_finds_names_no_rule_or_lexicon_knows():
    """Names with no title, suffix or lexicon entry in front of them come from the trained model."""
    r = json_of(LINES[5])
    people = {e["text"]: e for e in r["entities"] if e["class"] == "Person"}
    assert {"李明东", "王海涛"} <= set(people), r["entities"]
    assert {people["李明东"]["source"], people["王海涛"]["source"]} == {"model"}
    en = json_of(LINES[3])
    assert any(e["text"] == "Maya Lin" and e["class"] == "Person" for e in en["entities"]), en["entities"]
    assert any(e["text"] == "Pittsburgh" for e in en["entities"]), en["entities"]


def test_suffix_guesses_the_model_rejects_are_dropped_legal_names_stay():
    """A suffix rule alone reads 考虑到大学 as a university and 他说省政府 as a government body;
    the model, which sees the context, vetoes them.  New names the model does not know stay
    (a legal form, a laboratory opening the sentence)."""
    for text in ("考虑到大学的招生规模扩大，学校增加了宿舍。", "他说省政府的主要领导昨天到了工厂。"):
        assert json_of(text)["entities"] == [], text
    names = {e["text"] for e in json_of("瀚海先進封裝實驗室位於青崖高新區。瑞興微系統股份有限公司獲得了新訂單。")["entities"]}
    assert {"瀚海先進封裝實驗室", "瑞興微系統股份有限公司"} <= names, names
    # the model moves a suffix rule's start past words it finds no name in
    assert [e["text"] for e in json_of("大股东拟向上市公司注入广日集团的全部资产。")["entities"]] == ["广日集团"]
    # an organisation the model finds is a company when an industry word ends its name
    assert [e["class"] for e in json_of("苏酒实业昨日发布公告。")["entities"]] == ["Company"]


def test_company_names_of_the_training_data_are_found_again():
    """A short company name the training annotations hold (FinRE's 屈臣氏) is a mention even where
    the model alone misses it; an ordinary word on that list (总经理) is not."""
    ents = json_of("胶罐用户包括屈臣氏等厂商，总经理表示满意。")["entities"]
    assert [(e["text"], e["class"], e["source"]) for e in ents] == [("屈臣氏", "Company", "model")], ents


def test_a_law_named_after_someone_is_no_mention_of_them():
    """摩尔定律 is Moore's law, not a person or place called 摩尔, even where 摩尔 is found elsewhere."""
    ents = json_of("依据摩尔定律，制程每迭代一次。摩尔线程发布了新显卡。")["entities"]
    assert [e["text"] for e in ents if e["start"] < 10] == [], ents


def test_english_names_without_title_article_or_dash_tail():
    """News NER marks the name alone: Mr Winterkorn is Winterkorn, the United States is the
    country, and "KFC - parent Yum Brands" is two names."""
    ents = json_of("Mr Winterkorn said the United States would act. Sales at KFC - parent Yum Brands rose.")["entities"]
    names = {e["text"]: e["class"] for e in ents if e["kind"] == "name"}
    assert names.get("Winterkorn") == "Person" and names.get("United States") == "Country", ents
    assert {"KFC", "Yum Brands"} <= set(names) and not any(" - " in n or n.startswith(("Mr", "the")) for n in names), ents


def test_one_node_per_entity_across_scripts_and_anaphors():
    r = json_of(LINES[0])
    ids = {e["text"]: e["id"] for e in r["entities"]}
    anaphor = [e for e in r["entities"] if e["kind"] == "anaphor"]
    assert anaphor and anaphor[0]["id"] == ids["摩尔线程"]
    assert json_of("摩爾線程的GPU")["entities"][0]["id"] == ids["摩尔线程"]


def test_a_person_after_an_organisation_department_and_title_works_there():
    """兴业银行资深经济学家鲁政委: grades and departments between the organisation and the title
    keep the person in it; a byline's 记者 makes no organisation of the dateline before it."""
    r = json_of("兴业银行资深经济学家鲁政委认为物价将回落。拍卖公司的消息来自北京匡时拍卖公司市场部经理杨明。")
    e = r["entities"]
    facts = {(e[x["subject"]]["text"], x["predicate"], e[x["object"]]["text"]) for x in r["relations"]}
    assert {("鲁政委", "employeeOf", "兴业银行"), ("杨明", "employeeOf", "北京匡时拍卖公司")} <= facts, facts
    byline = json_of("本报北京5月13日讯记者王霞光报道。")["entities"]
    assert [(x["text"], x["class"]) for x in byline] == [("北京", "City"), ("王霞光", "Person")], byline


def test_an_association_is_an_organisation_and_titles_chain():
    """中国信托业协会 is an association, not a company (an industry word inside it notwithstanding);
    in 研究会会长、原建设部副部长刘志峰 the person holds both posts."""
    r = json_of("中国房地产研究会会长、原国家建设部副部长刘志峰表示，中国信托业协会发布了报告。")
    e = r["entities"]
    names = {x["text"]: x["class"] for x in e if x["kind"] == "name"}
    assert names.get("中国信托业协会") == "Organization" and names.get("中国房地产研究会") == "Organization", names
    facts = {(e[x["subject"]]["text"], x["predicate"], e[x["object"]]["text"]) for x in r["relations"]}
    assert {("刘志峰", "executiveOf", "中国房地产研究会"), ("刘志峰", "executiveOf", "国家建设部")} <= facts, facts


def test_ownership_words_part_names_and_tell_who_owns_whom():
    """No name holds or straddles 控股股东 or 子公司; a controlling shareholder owns the company,
    a large shareholder invests in it."""
    r = json_of("长源电力控股股东中国国电集团公司发行了票据。招商地产子公司瑞嘉公司接到通知。红塔集团一直是云南白药第二大股东。")
    e = r["entities"]
    facts = {(e[x["subject"]]["text"], x["predicate"], e[x["object"]]["text"]) for x in r["relations"]}
    assert {("长源电力", "subsidiaryOf", "中国国电集团公司"), ("瑞嘉公司", "subsidiaryOf", "招商地产"),
            ("红塔集团", "investsIn", "云南白药")} <= facts, (facts, [x["text"] for x in e])


def test_both_attended_is_no_partnership_and_denials_are_no_facts():
    assert json_of(LINES[2])["relations"] == []
    r = json_of("瀾芯光電否認已與英偉達建立供貨關係。瀚海集團澄清稱，集團並未收購星河微電子的任何股份。")
    assert r["relations"] == []


def json_of(text: str) -> dict:
    import kg

    return kg.extract_text(text)


def test_file_mode_reads_like_kg_build():
    p = run(["extract", str(PROJECT_ARTICLE)])
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode().splitlines()
    assert len(out) == 1
    doc = json.loads(out[0])
    assert any(e["text"] == "光迅科技" for e in doc["entities"])
    assert doc["relations"]


@pytest.mark.parametrize(
    "data, why",
    [
        (b"\xff\xfe\xfa bad\n", "not UTF-8"),
        (b"ok line\x00with nul\n", "binary"),
        (("长" * 100_001 + "\n").encode(), "limit"),
    ],
)
def test_bad_lines_give_an_error_object_and_exit_3(data, why):
    p = run(["extract", "--lines", "-"], b"first line\n" + data + b"last line\n")
    assert p.returncode == 3
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert len(out) == 3 and out[0]["text"] == "first line" and out[2]["text"] == "last line"
    assert why in out[1]["error"]
    err = p.stderr.decode().strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kg: ") and "Traceback" not in p.stderr.decode()


def test_bad_input_files_are_one_line_errors(tmp_path):
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    bad_gold = tmp_path / "mine.gold.json"
    bad_gold.write_text("{not json", "utf-8")
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"something": 1}\n', "utf-8")
    for args, code in (
        (["extract", str(tmp_path / "missing.txt")], 1),
        (["extract", "--lines", str(tmp_path / "missing.txt")], 2),
        (["extract", str(binary)], 1),
        (["eval", str(bad_gold)], 2),
        (["eval", str(odd)], 2),
        (["eval", str(tmp_path / "none.bio")], 2),
    ):
        p = run(args)
        err = p.stderr.decode()
        assert p.returncode == code, (args, p.returncode, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (args, err)


def test_extract_streams(tmp_path):
    """An answer comes out before the input ends: constant memory on any number of lines."""
    proc = subprocess.Popen(KG + ["extract", "--lines", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    try:
        proc.stdin.write("张建中在无锡表示。\n".encode())
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())
        assert first["text"] == "张建中在无锡表示。"
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()


def test_eval_scores_bio_and_standoff_formats(tmp_path):
    bio = tmp_path / "mine.bio"
    rows = []
    for ch, tag in zip("李明东在北京工作。", ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "O", "O"], strict=True):
        rows.append(f"{ch}\t{tag}")
    bio.write_text("\n".join(rows) + "\n\n", "utf-8")
    p = run(["eval", str(bio), "--json"])
    assert p.returncode == 0, p.stderr
    scores = json.loads(p.stdout)
    assert scores["documents"] == 1 and scores["entities"]["micro"]["gold"] == 2
    assert scores["entities"]["PER"]["f1"] == 1.0


def test_eval_on_the_seed_gold():
    require_shared()
    p = run(["eval", str(GOLD), "--json"], timeout=300)
    assert p.returncode == 0, p.stderr
    g = json.loads(p.stdout)["gold"]
    assert g["entity_recall"] >= 0.95 and g["relation_recall_core"] >= 0.95
    assert g["relation_precision_between_gold"] >= 0.90


def test_training_code_on_a_small_slice(tmp_path):
    """CI checks the training code (a small slice, a few iterations); it does not retrain the shipped models."""
    require_shared()
    p = subprocess.run([sys.executable, "-m", "training.ner", "--small", "--out", str(tmp_path)], capture_output=True,
                       text=True, timeout=600, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "validation zh-msra" in p.stdout and "validation en-pud" in p.stdout
    import pycrfsuite

    for name in ("ner-zh.crfsuite", "ner-en.crfsuite"):
        t = pycrfsuite.Tagger()
        t.open(str(tmp_path / name))
        assert set(t.labels()) > {"O"}
    assert DATASETS.exists()


def test_full_legal_name_and_short_name_are_one_node_in_any_script():
    for text in ("浙江海纳星辰科技股份有限公司今日发布公告，海纳星辰称将扩大产能。",
                 "浙江海納星辰科技股份有限公司今日發布公告，海納星辰稱將擴大產能。"):
        ents = json_of(text)["entities"]
        ids = {e["id"] for e in ents if e["class"] == "Company"}
        assert len([e for e in ents if e["class"] == "Company"]) == 2 and len(ids) == 1, ents
        assert ids == {"https://w3id.org/kg/id/海纳星辰"}
