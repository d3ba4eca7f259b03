"""Draw the sentences for kg's own relation annotation set (stand-off) from ../shared/datasets.

    python training/annotation_pool.py OUT_DIR [--round1 ... --round5]   (default: round 1)

Deterministic (a seed per round, ROUNDS).  Excludes every line of the validation splits that
kg's training holds out (CLUENER lines whose number is a multiple of 10, MSRA sentences whose
number is a multiple of 10, FinRE valid.txt), every line of kg-relations-dev, so annotations can
train without leaking, and every sentence of an earlier round.  Writes one JSON line per
sentence: dataset, line (1-based), sentence offset (THUCNews: into the article after the tab),
text.  The text goes to the annotators' scratch folder, never into the repo.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _dev_lines() -> set[tuple[str, int]]:
    out = set()
    for f in (SHARED / "kg-relations-dev").glob("*.jsonl"):
        for ln in f.read_text(encoding="utf-8").splitlines():
            r = json.loads(ln)
            out.add((r["dataset"], r["line"]))
    return out


def cluener(dev: set) -> list[dict]:
    out = []
    for i, ln in enumerate((SHARED / "cluener2020/train.json").read_text(encoding="utf-8").splitlines(), 1):
        r = json.loads(ln)
        n = sum(len(v) for t, d in r["label"].items() if t in {"company", "organization", "government", "name", "address"} for v in d.values())
        if i % 10 and n >= 2 and ("cluener2020/train.json", i) not in dev:
            out.append({"dataset": "cluener2020/train.json", "line": i, "offset": 0, "text": r["text"]})
    return out


def finre(dev: set) -> list[dict]:
    seen, out = set(), []
    for i, ln in enumerate((SHARED / "finre/train.txt").read_text(encoding="utf-8").splitlines(), 1):
        parts = ln.split("\t")
        if len(parts) == 4 and parts[3] not in seen and ("finre/train.txt", i) not in dev:
            seen.add(parts[3])
            out.append({"dataset": "finre/train.txt", "line": i, "offset": 0, "text": parts[3]})
    return out


def msra() -> list[dict]:
    out, chars, tags, n = [], [], [], 0
    with gzip.open(SHARED / "msra/msra_train_from_dh.bio.gz", "rt", encoding="utf-8") as fh:
        for ln in list(fh) + [""]:
            ln = ln.rstrip("\n")
            if ln:
                c, t = ln.split("\t")
                chars.append(c)
                tags.append(t)
                continue
            if chars:
                n += 1
                if n % 10 and sum(t.startswith("B-") for t in tags) >= 2 and 15 <= len(chars) <= 150:
                    out.append({"dataset": "msra/msra_train_from_dh.bio.gz", "line": n, "offset": 0, "text": "".join(chars)})
                chars, tags = [], []
    return out


_SENT = re.compile(r"[^。！？!?]+[。！？!?]?")


def thucnews() -> list[dict]:
    out = []
    for i, ln in enumerate((SHARED / "thucnews/cnews_tech_finance.tsv").read_text(encoding="utf-8").splitlines(), 1):
        body = ln.split("\t", 1)[1]
        for m in _SENT.finditer(body):
            s = m.group()
            if 20 <= len(s.strip()) <= 160 and re.search(r"公司|集团|银行|基金|推出|发布|合作|投资|收购|董事|总裁|CEO|位于", s):
                out.append({"dataset": "thucnews/cnews_tech_finance.tsv", "line": i, "offset": m.start(), "text": s})
    return out


# Round 2 (annotators e, f): sentences whose words suggest the relations the first round has
# least of (supplies, develops, customerOf, employeeOf, competesWith, locatedIn, hostedAt...).
_ROUND2_CUES = re.compile(
    r"供应|供货|供应商|采购|中标|订单|客户|研发|开发|推出|发布|量产|生产|制造|记者|分析师|经济学家|研究员|工程师|员工|"
    r"竞争|对手|位于|总部|落户|部署|搭载|采用|验证|认证|托管|承建|运营|合作|签约|携手|旗下|子公司|上市"
)


def _annotated(before: str) -> set[tuple[str, int]]:
    """Sentences of the annotation files of earlier rounds (annotator letters before `before`)."""
    out = set()
    for f in (Path(__file__).resolve().parent / "annotations").glob("kg-rel-*.jsonl"):
        if f.stem[-1] >= before:
            continue
        for ln in f.read_text(encoding="utf-8").splitlines():
            r = json.loads(ln)
            out.add((r["dataset"], r["line"]))
    return out


# Round 3 (annotators g-j): the relations of industry news kg is for (supply, products, plants).
_ROUND3_CUES = re.compile(r"供应|供货|供应商|采购|中标|订单|客户|研发|开发|推出|发布|量产|生产|制造|代工|部署|搭载|采用|建设|运营|落户|入驻|合作|签约")
_ANY = re.compile(r".")
# round -> (seed, annotators, sentences per source, cue a sentence must have)
ROUNDS = {
    1: (13, "abcd", {"cluener": 360, "finre": 360, "msra": 200, "thucnews": 120}, _ANY),
    2: (29, "ef", {"cluener": 200, "finre": 200, "thucnews": 80}, _ROUND2_CUES),
    3: (31, "ghij", {"cluener": 400, "finre": 440, "thucnews": 120}, _ROUND3_CUES),
    4: (37, "klmnop", {"finre": 600, "cluener": 300, "msra": 100}, _ANY),
    5: (41, "qrstuv", {"finre": 600, "cluener": 300, "msra": 100}, _ANY),
}


def draw(out_dir: str, n: int) -> None:
    """Pools of round `n` (1: a-d; 2: e, f; 3: g-j; ...): sentences with the round's cue, none
    annotated in an earlier round, none held out; each annotator also does the first tenth of the
    previous one's share (the doubly annotated tenth that measures agreement)."""
    seed, names, take, cue = ROUNDS[n]
    rnd = random.Random(seed)
    dev, done = _dev_lines(), _annotated(names[0])
    pools = {"cluener": cluener(dev), "finre": finre(dev), "thucnews": thucnews(), "msra": msra()}
    chosen = []
    for name, k in take.items():
        cands = [r for r in pools[name] if (r["dataset"], r["line"]) not in done and cue.search(r["text"])]
        chosen += rnd.sample(cands, min(k, len(cands)))
    rnd.shuffle(chosen)
    per = len(chosen) // len(names)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for a, name in enumerate(names):
        own = chosen[a * per : (a + 1) * per]
        other = (a - 1) % len(names)
        extra = [dict(r, double=True) for r in chosen[other * per : other * per + per // 10]]
        with open(Path(out_dir) / f"pool_{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in own + extra:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"annotator {name}: {len(own)} own + {len(extra)} double", file=sys.stderr)


if __name__ == "__main__":
    rounds = {f"--round{n}": n for n in ROUNDS}
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] not in rounds):
        print(f"usage: python training/annotation_pool.py OUT_DIR [{'|'.join(rounds)}]", file=sys.stderr)
        sys.exit(2)
    draw(sys.argv[1], rounds.get(sys.argv[2], 1) if len(sys.argv) == 3 else 1)
