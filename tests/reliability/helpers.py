"""Shared by the reliability tests: run `kg` as a user would, read a store back, make corpora."""

from __future__ import annotations

import gc
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[2]
KG = [sys.executable, "-m", "kg.cli"]
KGO = "https://w3id.org/kg/ontology#"
KGD = "https://w3id.org/kg/doc/"
KGR = "https://w3id.org/kg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def kg_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "KG_DEBUG", "KG_BATCH_CHARS")}
    env["PYTHONFAULTHANDLER"] = "1"
    env.update(extra)
    return env


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def kg(*args, timeout: float = 180, env: dict | None = None, cwd: Path | None = None) -> Run:
    """Run the kg command in a child process (wall time measured)."""
    argv = [*KG, *map(str, args)]
    t0 = time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=cwd or ROOT, env=env or kg_env()) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # faulthandler prints where every thread is stuck
            try:
                out, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            raise AssertionError(f"kg {' '.join(map(str, args))} ran longer than {timeout}s\n{err[-6000:]}") from None
    seconds = time.monotonic() - t0
    return Run([str(a) for a in args], proc.returncode, out, err, seconds, 0.0)


def kg_measured(*args, timeout: float = 180, env: dict | None = None) -> Run:
    """Like `kg`, but also the child's own peak resident memory (os.wait4), via files not pipes."""
    import tempfile

    argv = [*KG, *map(str, args)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, cwd=ROOT, env=env or kg_env())
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise AssertionError(f"kg {' '.join(map(str, args))} ran longer than {timeout}s")
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return Run([str(a) for a in args], proc.returncode, out.read(), err.read(), seconds, usage.ru_maxrss / 1024)


def assert_clean_stderr(stderr: str) -> None:
    """Every stderr line is one `kg: ...` message; never a traceback or an internal error."""
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr
    for line in stderr.splitlines():
        assert line.startswith("kg: "), f"stray stderr line: {line!r}\n{stderr}"


def read_quads(store_dir: Path) -> list[ox.Quad]:
    """Every quad of a store, opened read-only and closed again before returning."""
    st = ox.Store.read_only(str(store_dir))
    try:
        return list(st.quads_for_pattern(None, None, None, None))
    finally:
        del st
        gc.collect()


def nquads_lines(quads) -> list[str]:
    return sorted(f"{q.subject} {q.predicate} {q.object} {q.graph_name} ." for q in quads)


def sorted_nquads(store_dir: Path) -> list[str]:
    return nquads_lines(read_quads(store_dir))


def by_graph(quads) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for q in quads:
        out.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .")
    return {g: sorted(v) for g, v in out.items()}


def doc_graphs(store_dir: Path) -> dict[str, list[str]]:
    """Document graph IRI (without <>) -> its sorted triples."""
    return {g[1:-1]: v for g, v in by_graph(read_quads(store_dir)).items() if g.startswith(f"<{KGD}")}


def count_per_graph(quads) -> Counter:
    return Counter(str(q.graph_name) for q in quads)


# --- corpora -----------------------------------------------------------------------------------

_ZH = ["摩尔线程", "壁仞科技", "沐曦", "天数智芯", "燧原科技", "寒武纪", "海光信息", "华为", "昆仑芯", "龙芯中科", "算能科技"]
_ZH_NEW = ["恒拓材料有限公司", "星河微电子有限公司", "青崖算力科技有限公司", "瀚海光电股份有限公司", "锦程半导体有限公司"]
_EN = ["Moore Threads", "Biren Technology", "MetaX", "Enflame Technology", "Cambricon Technologies", "Huawei"]
_EN_NEW = ["Norwind Photonics Inc.", "Brightwater Compute Ltd.", "Xerant Semiconductor Inc.", "Lumenfold Technologies Ltd."]
_CITIES = ["北京", "上海", "深圳", "广州", "天津", "重庆"]


def article(i: int) -> tuple[str, str]:
    """(file name, text) of a short generated news item; content varies with `i`."""
    from opencc import OpenCC

    r = random.Random(i)
    if i % 3 == 2:
        a, b = r.sample(_EN + _EN_NEW, 2)
        body = (f"{a} is a key supplier of accelerators to {b}. {b} said it deployed {r.randint(100, 20000)} "
                f"accelerator cards in 2025, according to a statement on Monday. {r.choice(_EN)} competes with {a} "
                "in the data-centre market.")
        return f"gen-{i:03d}.en.txt", f"Report {i}\nPublished 2025-0{1 + i % 9}-1{i % 10} by Semi Daily\n\n{body}\n"
    a, b, c = r.sample(_ZH + _ZH_NEW, 3)
    body = (f"{a}是{b}的重要客户。{c}已向{a}稳定供货三年。截至2025年{1 + i % 12}月，{r.choice(_CITIES)}智算中心已部署"
            f"{r.randint(100, 20000)}张国产加速卡，总算力达到{r.randint(100, 5000)}P。{b}宣布与{c}达成战略合作。")
    head = f"新闻稿{i}\n2025年{1 + i % 12}月{1 + i % 28}日 来源：示例日报\n\n"
    if i % 3 == 1:
        return f"gen-{i:03d}.zh-Hant.txt", OpenCC("s2t").convert(head + body) + "\n"
    return f"gen-{i:03d}.zh-Hans.txt", head + body + "\n"


def write_corpus(folder: Path, n: int = 60) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        name, text = article(i)
        p = folder / name
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


def one_line_skips(stderr: str) -> dict[str, str]:
    """`kg: skipped PATH: reason` lines as {PATH: reason}."""
    out = {}
    for m in re.finditer(r"^kg: skipped (.+?): (.+)$", stderr, re.M):
        out[m.group(1)] = m.group(2)
    return out
