"""The held-out splits kg's models never train or tune on, written out for `kg eval`.

    python -m training.heldout OUT_DIR        # then: kg eval OUT_DIR/cluener-val.json, ...

One definition of the splits, used by the trainers too: CLUENER2020 train lines whose number is
a multiple of 10; every 10th sentence of the rebuilt MSRA train; the last 500 sentences of
Re-DocRED dev in `en-ner-open/combined/` (3,611-4,110) and UNER English-PUD (5,807-6,806).  The
files hold dataset text, so they go outside the repository.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
EN_COMBINED = "en-ner-open/combined/wiki_news.per_org_loc.bio"
EN_TRAIN = (slice(0, 3610), slice(4110, 5806))  # Re-DocRED dev but its last 500, wikigold
EN_VAL = {"en-redocred-val.bio": slice(3610, 4110), "en-pud-val.bio": slice(5806, None)}


def cluener_is_val(line: int) -> bool:
    return line % 10 == 0


def msra_is_val(sentence: int) -> bool:
    return sentence % 10 == 0


def _bio_blocks(text: str) -> list[str]:
    return [b for b in text.strip("\n").split("\n\n") if b.strip()]


def write(out: Path, shared: Path = SHARED) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    lines = (shared / "cluener2020/train.json").read_text("utf-8").splitlines()
    p = out / "cluener-val.json"
    p.write_text("".join(ln + "\n" for i, ln in enumerate(lines, 1) if ln.strip() and cluener_is_val(i)), "utf-8")
    written.append(p)
    with gzip.open(shared / "msra/msra_train_from_dh.bio.gz", "rt", encoding="utf-8") as fh:
        blocks = _bio_blocks(fh.read())
    p = out / "msra-val.bio"
    p.write_text("".join(b + "\n\n" for i, b in enumerate(blocks, 1) if msra_is_val(i)), "utf-8")
    written.append(p)
    blocks = _bio_blocks((shared / EN_COMBINED).read_text("utf-8"))
    for name, part in EN_VAL.items():
        p = out / name
        p.write_text("".join(b + "\n\n" for b in blocks[part]), "utf-8")
        written.append(p)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m training.heldout OUT_DIR", file=sys.stderr)
        return 2
    if not (SHARED / "cluener2020").is_dir():
        print(f"error: no datasets at {SHARED}", file=sys.stderr)
        return 2
    for p in write(Path(args[0])):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
