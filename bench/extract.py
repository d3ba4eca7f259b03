"""Extraction throughput (issue 3): chars/s of full extraction in one process, against jieba's own
POS pass (`jieba.posseg.cut`) over the same text in the same run.

Per document it times `kg.ingest.parse_bytes` + `kg.pipeline.run` (decode, body finding, fold,
sentences, mentions, relations, numbers, resolution); writing to the store is not included (that
is what `kg build` in bench/run.py measures).  The corpus is the deterministic one from
bench/gen.py, at least 10 MB by default.

    python bench/extract.py [--mb 10] [--profile]      # prints one small table (and a profile)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def corpus(mb: float) -> list[tuple[str, bytes]]:
    """(name, utf-8 bytes) of generated articles until `mb` megabytes."""
    import gen

    out, size = [], 0
    for name, text in gen.iter_articles(10**9):
        data = text.encode("utf-8")
        out.append((name, data))
        size += len(data)
        if size >= mb * 1e6:
            break
    return out


def run_kg(docs: list[tuple[str, bytes]]) -> tuple[float, int]:
    """Seconds for parse_bytes + pipeline.run over every document, and the chars processed."""
    from kg import lexicon
    from kg.ingest import parse_bytes
    from kg.pipeline import run

    lex = lexicon.load()
    # Warm the lazily built tables (lexicon automaton, OpenCC, rule regexes) outside the timing,
    # as a long build pays them once.
    run(parse_bytes(docs[0][1], "warm", "warm.txt", "txt"), lex)
    chars = 0
    t = time.perf_counter()
    for name, data in docs:
        doc = parse_bytes(data, name, name, "txt")
        run(doc, lex)
        chars += len(doc.text)
    return time.perf_counter() - t, chars


def run_jieba(docs: list[tuple[str, bytes]]) -> tuple[float, int]:
    """Seconds for jieba.posseg.cut over the same decoded texts (dictionary loaded beforehand)."""
    import logging

    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for _ in pseg.cut("预热分词词典。"):
        pass
    texts = [data.decode("utf-8") for _, data in docs]
    chars = 0
    t = time.perf_counter()
    for text in texts:
        for _ in pseg.cut(text):
            pass
        chars += len(text)
    return time.perf_counter() - t, chars


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0, help="corpus size in MB of UTF-8 (default 10)")
    ap.add_argument("--which", choices=["both", "kg", "jieba"], default="both")
    ap.add_argument("--profile", action="store_true", help="print the top functions of the kg pass (cProfile)")
    ap.add_argument("--json", action="store_true", help="end with the results as one JSON line")
    args = ap.parse_args(argv)
    docs = corpus(args.mb)
    mb = sum(len(d) for _, d in docs) / 1e6
    res: dict = {"docs": len(docs), "mb": mb}
    if args.which in ("both", "kg"):
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            secs, chars = run_kg(docs)
            prof.disable()
            pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
            pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        else:
            secs, chars = run_kg(docs)
        res["kg_secs"], res["kg_chars"], res["kg_rate"] = secs, chars, chars / secs
    if args.which in ("both", "jieba"):
        secs, chars = run_jieba(docs)
        res["jieba_secs"], res["jieba_chars"], res["jieba_rate"] = secs, chars, chars / secs
    print(f"corpus: {len(docs)} articles, {mb:.1f} MB")
    if "kg_rate" in res:
        print(f"kg extraction (parse_bytes + pipeline.run, 1 process): {res['kg_rate']:,.0f} chars/s ({res['kg_secs']:.1f} s)")
    if "jieba_rate" in res:
        print(f"jieba.posseg.cut (1 process):                         {res['jieba_rate']:,.0f} chars/s ({res['jieba_secs']:.1f} s)")
    if "kg_rate" in res and "jieba_rate" in res:
        r = res["kg_rate"] / res["jieba_rate"]
        print(f"ratio kg/jieba: {r:.2f}x  target >= 1.0x: {'PASS' if r >= 1.0 else 'FAIL'}")
    if args.json:
        import json

        print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
