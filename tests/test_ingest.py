"""Ingest: decoding, body finding (site junk dropped) and page metadata."""

from __future__ import annotations

import pytest

from kg.ingest import IngestError, Source, find_body, parse_bytes, read_document

from .conftest import SEED


@pytest.mark.shared
def test_seed_body_drops_navigation_and_spam():
    doc = read_document(Source(SEED, "seed"))
    body = "\n".join(doc.text[s:e] for s, e in doc.body)
    for junk in ("靚麗橙", "天空藍", "下載APP", "收起", "亚洲", "字幕", "本站鄭重聲明"):
        assert junk not in body
    assert "無錫城市智算云是全國八個智算云服務試點之一" in body
    assert body.rstrip().endswith("各家都不相同。”")


@pytest.mark.shared
def test_seed_metadata():
    doc = read_document(Source(SEED, "seed"))
    assert doc.date == "2025-09-06"
    assert doc.publisher == "21世紀經濟報道"
    assert doc.title == "AI催生算力大變局,無錫給出“芯解法”"


@pytest.mark.parametrize("enc", ["gb18030", "big5", "utf-8", "utf-8-sig", "utf-16"])
def test_encodings_detected(enc):
    text = "華虹半導體在無錫擴建十二英寸晶圓廠，預計明年投產。該項目總投資約六十億美元。\n"
    if enc == "gb18030":
        text = "华虹半导体在无锡扩建十二英寸晶圆厂，预计明年投产。该项目总投资约六十亿美元。\n"
    doc = parse_bytes(text.encode(enc), "d", "d.txt", "txt")
    assert doc.text.strip() == text.strip()


def test_empty_and_binary_are_refused():
    with pytest.raises(IngestError, match="empty"):
        parse_bytes(b"  \n", "d", "d.txt", "txt")
    with pytest.raises(IngestError, match="binary"):
        parse_bytes(b"\x00\x01\x02abc" * 10, "d", "d.txt", "txt")


def test_find_body_picks_densest_block():
    text = "首頁\n登錄\n\n" + "這是一段足夠長的正文內容，講述了晶片產業的新發展。\n" * 3 + "\n相關閱讀\n導航\n關於我們\n聯繫我們\n版權所有。\n"
    spans = find_body(text)
    body = "\n".join(text[s:e] for s, e in spans)
    assert "首頁" not in body and "版權所有" not in body and body.count("正文") == 3


def test_html_metadata_and_body():
    html = """<html><head><title>Chip news</title><meta name="date" content="2025-10-12">
    <meta property="og:site_name" content="Semi Daily"></head><body><nav>Home | News | About | Login</nav>
    <article><h1>Chip news</h1><p>Moore Threads unveiled a new GPU at the conference in Wuxi on Monday, the company said.</p>
    <p>The chip will be manufactured by a domestic foundry and shipped to data centres next year, according to the firm.</p></article>
    <script>var x = 1;</script><footer>Copyright</footer></body></html>"""
    doc = parse_bytes(html.encode(), "h", "h.html", "html")
    assert "Moore Threads unveiled" in doc.text
    assert "var x" not in doc.text and "Login" not in doc.text
    assert doc.title == "Chip news"
    assert doc.date == "2025-10-12"
