"""Bad input never loses good input: one batch full of unusable files still builds the rest.

Every unusable file gets exactly one `kg: skipped PATH: reason` line, the exit code is 3, no
traceback reaches stderr, and the store holds exactly the good documents, each byte-identical
to what the pipeline makes of that file alone (nothing half-written)."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from kg.ingest import MAX_BYTES, MAX_CHARS, Source, iter_sources
from kg.pipeline import fingerprint, process

from .helpers import KGD, KGR, SKOS, assert_clean_stderr, doc_graphs, kg, kg_measured, one_line_skips

HANS = ("摩尔线程是恒拓材料有限公司的重要客户。恒拓材料有限公司已向摩尔线程稳定供货三年。"
        "截至2025年6月，北京智算中心已部署3000张国产加速卡。")
HANT = ("摩爾線程是恆拓材料有限公司的重要客戶。恆拓材料有限公司已向摩爾線程穩定供貨三年。"
        "截至2025年6月，北京智算中心已部署3000張國產加速卡。")
EN = ("Norwind Photonics Inc. is a key supplier of optical engines to Brightwater Compute Ltd. "
      "Moore Threads supplies its accelerators to Brightwater Compute Ltd., the company said on Monday.")
RUN_ON = "摩尔线程与恒拓材料有限公司在北京合作建设智算中心并部署国产加速卡" * 300  # no break, ~10k chars
ROOT_USER = os.geteuid() == 0

# file (relative to the batch folder) -> what its skip message must say
EXPECTED_SKIPS = {
    "empty.txt": r"empty file",
    "blank.md": r"empty file|no article text",
    "binary.txt": r"binary file",
    "controls.txt": r"binary file",
    "garbage.txt": r"cannot decode",
    "scripts-only.html": r"no article text",
    "dangling.txt": r"broken symbolic link",
    "self-loop.txt": r"broken symbolic link",
    "fifo.txt": r"not a regular file",
    "too-long.txt": rf"text too long \(\d+ characters > {MAX_CHARS} limit",
    "dup.txt": r"same document id 'dup' as .*dup\.md",  # dup.md sorts first and keeps the id
}
GOOD = ["good-zh.txt", "good-en.txt", "gb18030.txt", "big5.txt", "hans-utf8.txt", "hant-utf8.txt",
        "cut-mid-char.txt", "stray-byte.txt", "utf16-cut.txt", "run-on.txt", "dup.md", "page.html", "denied.txt",
        "deep/" + "/".join(f"d{i}" for i in range(30)) + "/bottom.txt", "deep/d0/to-bottom.txt"]


def _write_batch(d: Path) -> None:
    rnd = random.Random(7)
    (d / "good-zh.txt").write_text("恒拓新闻\n2025年6月3日 来源：示例日报\n\n" + HANS + "\n", "utf-8")
    (d / "good-en.txt").write_text(EN + "\n", "utf-8")
    (d / "gb18030.txt").write_bytes(HANS.encode("gb18030"))
    (d / "big5.txt").write_bytes(HANT.encode("big5"))
    (d / "hans-utf8.txt").write_text(HANS, "utf-8")  # controls: the same text as UTF-8
    (d / "hant-utf8.txt").write_text(HANT, "utf-8")
    raw = (HANS + "\n" + HANS.replace("北京", "上海")).encode()
    (d / "cut-mid-char.txt").write_bytes(raw[:-2])  # download cut inside the last character
    (d / "stray-byte.txt").write_bytes(raw[:40] + b"\xff" + raw[40:])  # one stray byte mid-character
    (d / "utf16-cut.txt").write_bytes(HANT.encode("utf-16")[:-1])  # UTF-16 with BOM, cut mid-unit
    (d / "run-on.txt").write_text(RUN_ON, "utf-8")
    (d / "dup.txt").write_text(HANS.replace("北京", "天津"), "utf-8")
    (d / "dup.md").write_text(HANS.replace("北京", "重庆"), "utf-8")
    (d / "page.html").write_text(
        "<html><head><title>Chips</title><script>var x='摩尔线程';</script><style>p{color:red}</style></head>"
        f"<body><!-- {EN} --><article><p>{EN}</p><p>{EN.replace('Monday', 'Tuesday')}</p></article></body></html>",
        "utf-8")
    (d / "denied.txt").write_text(HANT.replace("北京", "深圳"), "utf-8")
    (d / "denied.txt").chmod(0)
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.md").write_text(" \n\t\n\u3000\n", "utf-8")
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rnd.randrange(256) for _ in range(4000)))
    (d / "controls.txt").write_bytes(bytes(rnd.randrange(1, 32) for _ in range(3000)) + "正文".encode())
    (d / "garbage.txt").write_bytes(bytes(rnd.randrange(0x80, 0x100) for _ in range(4000)))
    (d / "scripts-only.html").write_text(
        "<html><head><style>body{margin:0}</style><script>document.write('摩尔线程');</script></head>"
        "<body><!-- 摩尔线程是恒拓材料的客户。 --><script>var a = 1;</script><noscript></noscript></body></html>",
        "utf-8")
    (d / "dangling.txt").symlink_to(d / "nowhere" / "gone.txt")
    (d / "self-loop.txt").symlink_to("self-loop.txt")
    os.mkfifo(d / "fifo.txt")
    (d / "too-long.txt").write_text(("摩尔线程向恒拓材料有限公司采购设备。" * (MAX_CHARS // 18 + 10)), "utf-8")
    deep = d.joinpath("deep", *(f"d{i}" for i in range(30)))
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text(HANS.replace("北京", "广州"), "utf-8")
    (deep / "loop").symlink_to("../../..", target_is_directory=True)  # a directory link loop
    (d / "deep" / "d0" / "to-root").symlink_to(d, target_is_directory=True)
    (d / "deep" / "d0" / "to-bottom.txt").symlink_to(deep / "bottom.txt")  # a good file reached by link


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-input")
    folder = base / "in"
    folder.mkdir()
    _write_batch(folder)
    store = base / "store"
    res = kg("build", folder, "--store", store, timeout=240)
    return folder, store, res


def _rel(folder: Path, path: str) -> str:
    return str(Path(path).relative_to(folder))


def test_batch_exits_3_without_traceback(batch):
    folder, store, res = batch
    assert res.returncode == 3, res.stderr
    assert_clean_stderr(res.stderr)
    assert "built" in res.stdout


def test_every_bad_file_is_named_once_with_its_reason(batch):
    folder, store, res = batch
    skips = {_rel(folder, p): why for p, why in one_line_skips(res.stderr).items()}
    expected = dict(EXPECTED_SKIPS)
    if not ROOT_USER:  # root reads a chmod 000 file anyway; anyone else must be told why not
        expected["denied.txt"] = r"permission denied"
    assert set(skips) == set(expected), res.stderr
    for name, pattern in expected.items():
        assert re.search(pattern, skips[name]), (name, skips[name])
    assert len(res.stderr.splitlines()) == len(expected)  # one line each, nothing else
    assert f"{len(expected)} skipped" in res.stdout


def test_store_holds_exactly_the_good_documents(batch):
    """The good files, each exactly as the pipeline makes it alone; not a quad more or less."""
    folder, store, res = batch
    good = [g for g in GOOD if ROOT_USER or g != "denied.txt"]
    graphs = doc_graphs(store)
    fp = fingerprint()
    want = {}
    for rel in good:
        src = next(s for s in iter_sources([folder]) if s.path == folder / rel)
        r = process(Source(src.path, src.doc_id), fp)
        assert r.error is None, r.error
        want[r.iri] = sorted(line.rsplit(" ", 2)[0] + " ." for line in r.nquads.splitlines())
    assert set(graphs) == set(want)
    for iri in want:
        assert graphs[iri] == want[iri], iri
    assert f"built {len(good)} document(s)" in res.stdout


def _labels_and_mentions(graph: list[str]) -> tuple[set[str], set[str], set[str]]:
    mentions = {ln.split()[2] for ln in graph if "<http://schema.org/mentions>" in ln}
    labels = set(re.findall(rf'<{SKOS}(?:prefLabel|altLabel)> ("[^"]*"@[\w-]+)', "\n".join(graph)))
    texts = set(re.findall(r'#text> ("[^"]*")', "\n".join(graph)))
    return mentions, labels, texts


@pytest.mark.parametrize("encoded,control,company", [("gb18030", "hans-utf8", "恒拓材料有限公司"),
                                                      ("big5", "hant-utf8", "恆拓材料有限公司")])
def test_gb18030_and_big5_decode_to_the_same_graph_as_utf8(batch, encoded, control, company):
    folder, store, res = batch
    graphs = doc_graphs(store)
    got = _labels_and_mentions(graphs[KGD + encoded])
    ref = _labels_and_mentions(graphs[KGD + control])
    assert got == ref
    mentions, labels, texts = got
    assert f"<{KGR}MooreThreads>" in mentions and f"<{KGR}Beijing>" in mentions
    assert any(lab.startswith(f'"{company}"') for lab in labels), labels
    assert any("摩尔线程" in t or "摩爾線程" in t for t in texts)


@pytest.mark.parametrize("name", ["cut-mid-char", "stray-byte"])
def test_broken_utf8_keeps_the_readable_text(batch, name):
    """A few broken bytes cost those characters only: no mojibake, the entities are all there."""
    folder, store, res = batch
    mentions, labels, texts = _labels_and_mentions(doc_graphs(store)[KGD + name])
    assert {f"<{KGR}MooreThreads>", f"<{KGR}Beijing>", f"<{KGR}Shanghai>"} <= mentions
    assert any(lab.startswith('"恒拓材料有限公司"') for lab in labels), labels
    assert not re.search("[\u00c0-\u024f]", " ".join(labels | texts)), "mojibake: UTF-8 read as a legacy encoding"


def test_run_on_text_and_deep_links_build(batch):
    folder, store, res = batch
    graphs = doc_graphs(store)
    assert f"<{KGD}run-on> <http://schema.org/mentions> <{KGR}MooreThreads> ." in graphs[KGD + "run-on"]
    # the deep file is found once, under its real path; links (loops included) are not walked
    deep = [g for g in graphs if g.endswith("/bottom")]
    assert deep == [KGD + "deep/" + "/".join(f"d{i}" for i in range(30)) + "/bottom"]
    assert KGD + "deep/d0/to-bottom" in graphs  # a link to a file is read like the file


def test_rebuild_reports_the_same_skips_and_changes_nothing(batch):
    folder, store, res = batch
    before = doc_graphs(store)
    again = kg("build", folder, "--store", store)
    assert again.returncode == 3
    assert_clean_stderr(again.stderr)
    assert one_line_skips(again.stderr).keys() == one_line_skips(res.stderr).keys()
    assert "built 0 document(s)" in again.stdout
    assert doc_graphs(store) == before


def test_50mb_file_is_refused_before_reading_it(tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:  # 50 MB of real text, so only the size can be the reason
        chunk = (HANS + "\n").encode() * 2000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    (tmp_path / "ok.txt").write_text(HANS, "utf-8")
    res = kg_measured("build", big, tmp_path / "ok.txt", "--store", tmp_path / "store", timeout=60)
    assert res.returncode == 3
    assert_clean_stderr(res.stderr)
    assert re.fullmatch(rf"kg: skipped {re.escape(str(big))}: file too large \(5\d\.\d MB > {MAX_BYTES // 10**6} MB limit\)\n",
                        res.stderr), res.stderr
    assert "built 1 document(s)" in res.stdout
    assert res.seconds < 30
    assert res.max_rss_mb < 300, res.max_rss_mb
    assert set(doc_graphs(tmp_path / "store")) == {KGD + "ok"}


def test_command_line_arguments_that_are_not_articles(tmp_path):
    ok = tmp_path / "ok.txt"
    ok.write_text(HANS, "utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    res = kg("build", ok, tmp_path / "missing.txt", tmp_path / "notes.pdf", "--store", tmp_path / "store")
    assert res.returncode == 3
    assert_clean_stderr(res.stderr)
    skips = one_line_skips(res.stderr)
    assert "no such file" in skips[str(tmp_path / "missing.txt")]
    assert "not a .txt, .md or .html file" in skips[str(tmp_path / "notes.pdf")]
    assert set(doc_graphs(tmp_path / "store")) == {KGD + "ok"}


def test_unlistable_directory_is_reported_not_skipped_silently(tmp_path, monkeypatch):
    """Root can list a chmod 000 directory, so the refusal is simulated where os.walk sees it."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text(HANS, "utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "two.txt").write_text(HANS, "utf-8")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    errors: list[str] = []
    found = [s.doc_id for s in iter_sources([tmp_path], errors)]
    assert found == ["a/one"]
    assert errors == [f"{locked}: cannot list directory (Permission denied)"]
