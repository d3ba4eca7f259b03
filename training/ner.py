"""Train kg's mention detectors (CRFs) from ../shared/datasets and print their validation scores.

    python -m training.ner [--lang zh|en|all] [--small] [--out DIR] [--shared DIR]

Chinese: CLUENER2020 train + MSRA (rebuilt official train), one model with both label sets
(CLUENER's fine types; MSRA's PER as CLUENER's `name`, its ORG and LOC kept as their own labels,
since their span conventions differ from CLUENER's), and kg's own annotation set (its first round:
1,040 sentences of FinRE, CLUENER, MSRA and THUCNews, docs/annotation.md) in those labels; features include
jieba's dictionary and the names of the training annotations (ner.zh_features), written beside
the model.  English: Re-DocRED dev + wikigold (PER/ORG/LOC; MISC and adjectival names learned as
MISC and dropped).  Held out, never trained on: CLUENER lines whose number is a multiple of 10,
every 10th MSRA sentence, the last 500 Re-DocRED sentences and UNER English-PUD.  Deterministic:
the same data and parameters give the same model (L-BFGS has no random start; the splits are by
line number).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pycrfsuite

from kg.datasets import Example, read_bio, read_cluener, read_finre, read_standoff
from kg.evaluate import tally
from kg.extract.ner import EN_LOWERCASE, LABEL_CLASS, MODELS, bio_to_spans, en_features, zh_features
from kg.extract.wordlists import ZH_NAMES, ZH_WORDS, Lexicon
from kg.normalise import fold

from .heldout import EN_COMBINED, EN_TRAIN, EN_VAL, cluener_is_val, msra_is_val

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "datasets"
PARAMS = {
    "zh": {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True, "feature.minfreq": 2},
    "en": {"c1": 0.02, "c2": 0.05, "max_iterations": 150, "feature.possible_transitions": True},
}
SCORED = {"zh-cluener": {"company", "organization", "government", "name", "address"}, "zh-msra": {"name", "ORG", "LOC"},
          "en-redocred": {"PER", "ORG", "LOC"}, "en-pud": {"PER", "ORG", "LOC"}}


def char_tags(ex: Example, rename: dict[str, str] | None = None) -> list[str]:
    tags = ["O"] * len(ex.text)
    for s, e, t in ex.spans:
        t = (rename or {}).get(t, t)
        if t == "O":
            continue
        tags[s] = "B-" + t
        for k in range(s + 1, e):
            tags[k] = "I-" + t
    return tags


def zh_data(shared: Path, small: bool) -> tuple[list, dict[str, list], dict[str, str], dict[str, str]]:
    """(features, tags) for training, the held-out sets by name, and the two word lists the
    features need at run time (jieba's dictionary, the names of the training annotations)."""
    train, val = [], {"zh-cluener": [], "zh-msra": []}
    for ex in read_cluener(shared / "cluener2020/train.json"):
        item = (fold(ex.text), char_tags(ex))
        (val["zh-cluener"] if cluener_is_val(int(ex.id)) else train).append(item)
    for ex in read_bio(shared / "msra/msra_train_from_dh.bio.gz", join=""):
        item = (fold(ex.text), char_tags(ex, {"PER": "name"}))
        (val["zh-msra"] if msra_is_val(int(ex.id)) else train).append(item)
    for ex in kg_annotations(shared):
        train.append((fold(ex.text), char_tags(ex, KG_TO_LABEL)))
    if small:
        train, val = train[::200], {k: v[:200] for k, v in val.items()}
    word_list = jieba_words()
    words = Lexicon(word_list)
    finre = finre_names(shared)
    halves = [names_of(train[h::2]) for h in (0, 1)]
    # Each half of the training data sees the names of the other half only: the model learns how
    # far a name list is to be trusted for a name it has not seen, as at run time.
    other = [Lexicon(merge_names(halves[1 - h], finre)) for h in (0, 1)]
    full = merge_names(halves[0] + halves[1], finre)
    runtime = Lexicon(full)
    feats = [(zh_features(t, words, other[n % 2]), y) for n, (t, y) in enumerate(train)]
    vals = {k: [(zh_features(t, words, runtime), y) for t, y in v] for k, v in val.items()}
    return feats, vals, dict(sorted(word_list.items())), dict(sorted(full.items()))


# Dataset labels -> the coarse types of the name list (types kg does not keep are left out).
NAME_TYPE = {"company": "co", "organization": "org", "ORG": "org", "government": "gov", "name": "per",
             "address": "loc", "LOC": "loc"}
JIEBA_MIN_FREQ = 5  # rarer dictionary words are mostly noise (and weight)


def _pos(tag: str) -> str:
    """jieba's part of speech, coarse: names keep their own (nr person, ns place, nt
    organisation, nz other), everything else its first letter."""
    if tag.startswith("nr"):
        return "nr"
    return tag if tag in ("ns", "nt", "nz") else tag[:1]


def jieba_words() -> dict[str, str]:
    """jieba's dictionary (MIT), folded like kg's text: 2-8 characters, frequency >= 5."""
    import jieba

    out: dict[str, str] = {}
    path = Path(jieba.__file__).parent / "dict.txt"
    for line in path.read_text("utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and 2 <= len(parts[0]) <= 8 and int(parts[1]) >= JIEBA_MIN_FREQ:
            out.setdefault(fold(parts[0]), _pos(parts[2]))
    return out


def names_of(items: list[tuple[str, list[str]]]) -> Counter:
    """(name, coarse type) counts of the annotated spans of (text, tags) items."""
    c: Counter = Counter()
    for text, tags in items:
        for a, b, t in bio_to_spans(tags):
            if t in NAME_TYPE and 2 <= b - a <= 20 and "\t" not in text[a:b]:
                c[text[a:b], NAME_TYPE[t]] += 1
    return c


def finre_names(shared: Path) -> set[str]:
    """The marked names of FinRE train (companies, banks, funds of financial news)."""
    return {fold(n) for inst in read_finre(shared / "finre/train.txt") for n in (inst.head, inst.tail) if 2 <= len(n) <= 20}


def merge_names(counts: Counter, finre: set[str]) -> dict[str, str]:
    """name -> its most frequent type; FinRE's names otherwise unknown get type `fin`."""
    best: dict[str, tuple[int, str]] = {}
    for (name, typ), k in counts.items():
        if k > best.get(name, (0, ""))[0]:
            best[name] = (k, typ)
    out = {n: t for n, (_, t) in best.items()}
    for n in finre:
        out.setdefault(n, "fin")
    return out


# kg's own annotation set (docs/annotation.md; FinRE, CLUENER, MSRA and THUCNews sentences outside
# every validation split) in the model's labels: kg classes with no dataset label become O.
KG_TO_LABEL = {"Company": "company", "Investor": "company", "Publisher": "company", "Organization": "organization",
               "ResearchInstitute": "organization", "University": "organization", "GovernmentBody": "government",
               "Person": "name", "Country": "LOC", "Province": "LOC", "City": "LOC", "District": "LOC", "Place": "LOC"}


# The first round of kg's annotations (a-d) only.  All five rounds (4,120 sentences) as CRF data
# were measured (session 5): FinRE valid 0.196 -> 0.232 and kg-relations-dev's FinRE lines entity
# F1 0.757 -> 0.825 through `kg eval`, CLUENER 0.648 -> 0.653, but MSRA 0.880 -> 0.878, and the
# model read an organisation followed by a title as CLUENER's job title (中国半导体行业协会理事长
# -> 体行业协会), a common shape in industry news: left out until that is solved.
KG_NER_ANNOTATIONS = "kg-rel-[a-d].jsonl"


def kg_annotations(shared: Path) -> list[Example]:
    """The first record of every sentence of the annotation files KG_NER_ANNOTATIONS names."""
    seen, out = set(), []
    for f in sorted((ROOT / "training" / "annotations").glob(KG_NER_ANNOTATIONS)):
        for ex in read_standoff(f, shared):
            if ex.id not in seen:
                seen.add(ex.id)
                ex.spans = [s for s in ex.spans if s[2] in KG_TO_LABEL]
                out.append(ex)
    return out


ADJECTIVAL = ROOT / "training" / "data" / "en-adjectival-names.txt"


@lru_cache(maxsize=1)
def adjectival_names() -> frozenset[str]:
    """American, Catholic, Republican...: one-word spans the benchmarks do not call places or
    organisations (the file says why)."""
    words = [w for line in ADJECTIVAL.read_text("utf-8").splitlines() if not line.startswith("#") for w in line.split()]
    return frozenset(words + [w + "s" for w in words])


def _token_item(ex: Example, lower: frozenset[str], train: bool = True) -> tuple[list[list[str]], list[str]]:
    toks = _space_tokens(ex.text)
    adjectival = adjectival_names() if train else frozenset()
    tags = []
    for s, _e in toks:
        tag = "O"
        for a, b, t in ex.spans:
            if t not in ("PER", "ORG", "LOC", "MISC"):
                continue
            if ex.text[a:b] in adjectival:
                t = "MISC"  # learned as a type of its own, then dropped (not in ner.LABEL_CLASS)
            if a <= s < b:
                tag = ("B-" if s == a else "I-") + t
                break
        tags.append(tag)
    return en_features([ex.text[s:e] for s, e in toks], lower), tags


def _space_tokens(text: str) -> list[tuple[int, int]]:
    """The datasets' own tokens (they are joined with single spaces by the reader)."""
    out, pos = [], 0
    for w in text.split(" "):
        if w:
            out.append((pos, pos + len(w)))
        pos += len(w) + 1
    return out


def lowercase_vocabulary(shared: Path, examples: list[Example]) -> frozenset[str]:
    """Words written in lower case in the training text and, as plain unlabelled text, in UNER
    EWT and WNUT-17: shipped beside the model (a feature needs it at run time)."""
    en = shared / "en-ner-open"
    texts = [ex.text for ex in examples]
    for f in ("uner-en-ewt/en_ewt_dev.bio", "uner-en-ewt/en_ewt_test.bio", "wnut17/wnut17train.conll"):
        texts += [ex.text for ex in read_bio(en / f, join=" ")]
    return frozenset(w for t in texts for w in t.split(" ") if w[:1].islower())


def en_data(shared: Path, small: bool) -> tuple[list, dict[str, list], frozenset[str]]:
    """Wikipedia-style text (Re-DocRED dev, wikigold) for training.  Held out: the last 500
    Re-DocRED sentences (the style of the Re-DocRED test) and UNER English-PUD (news and
    Wikipedia).  UNER EWT (web text) and WNUT-17 (social media) as training data were tried and
    measured: they lowered both held-out scores (0.703 -> 0.682 and 0.596 -> 0.596); as a source
    of lower-case words they help (0.703 -> 0.716, 0.596 -> 0.609)."""
    combined = list(read_bio(shared / EN_COMBINED, join=" "))
    # the same sentences from the source files, which keep MISC (works, events, products): learned
    # as a type of its own, then dropped, so that Olympics or iPhone is not taken for an ORG
    en = shared / "en-ner-open"
    sources = list(read_bio(en / "redocred/redocred_dev.bio", join=" ")) + list(read_bio(en / "wikigold/wikigold.bio", join=" "))
    assert all(a.text == b.text for a, b in zip(sources, combined, strict=False)), "combined file out of step"
    train_ex = [ex for part in EN_TRAIN for ex in sources[part]]
    lower = lowercase_vocabulary(shared, train_ex)
    if small:
        train_ex = train_ex[::100]
    train = [_token_item(ex, lower) for ex in train_ex]
    vals = {"en-redocred": [_token_item(ex, lower, False) for ex in combined[EN_VAL["en-redocred-val.bio"]]],
            "en-pud": [_token_item(ex, lower, False) for ex in combined[EN_VAL["en-pud-val.bio"]]]}
    if small:
        vals = {k: v[:100] for k, v in vals.items()}
    return train, vals, lower


def score(tagger: pycrfsuite.Tagger, items: list, keep: set[str]) -> tuple[float, float, float, dict]:
    """Exact-span micro P/R/F1 over the types in `keep`, and F1 by type."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for x, y in items:
        gold = {s for s in bio_to_spans(y) if s[2] in keep}
        pred = {s for s in bio_to_spans(tagger.tag(x)) if s[2] in keep}
        tally(tp, fp, fn, pred, gold)
    def prf(a: int, b: int, c: int) -> tuple[float, float, float]:
        p = a / (a + b) if a + b else 0.0
        r = a / (a + c) if a + c else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)
    by_type = {t: prf(tp[t], fp[t], fn[t])[2] for t in sorted(keep)}
    return (*prf(sum(tp.values()), sum(fp.values()), sum(fn.values())), by_type)


def train(lang: str, out: Path, shared: Path, small: bool) -> dict[str, tuple]:
    t0 = time.time()
    if lang == "zh":
        train_items, vals, words, names = zh_data(shared, small)
        out.mkdir(parents=True, exist_ok=True)
        for fname, entries in ((ZH_WORDS, words), (ZH_NAMES, names)):
            (out / fname).write_text("".join(f"{w}\t{t}\n" for w, t in entries.items()), "utf-8")
    else:
        train_items, vals, lower = en_data(shared, small)
        out.mkdir(parents=True, exist_ok=True)
        (out / EN_LOWERCASE).write_text("".join(w + "\n" for w in sorted(lower)), "utf-8")
    print(f"[{lang}] {len(train_items):,} training sentences, features in {time.time() - t0:.0f} s", flush=True)
    trainer = pycrfsuite.Trainer(verbose=False)
    for x, y in train_items:
        trainer.append(x, y)
    params = dict(PARAMS[lang])
    if small:
        params["max_iterations"] = 20
    trainer.set_params(params)
    out.mkdir(parents=True, exist_ok=True)
    path = out / MODELS[lang]
    tmp = path.with_suffix(".tmp")
    trainer.train(str(tmp))
    tmp.replace(path)
    print(f"[{lang}] trained in {time.time() - t0:.0f} s -> {path} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    results = {}
    for name, items in vals.items():
        p, r, f, by = score(tagger, items, SCORED[name])
        results[name] = (p, r, f, by)
        types = "  ".join(f"{t} {v:.3f}" for t, v in by.items())
        print(f"[{lang}] validation {name} ({len(items):,} sentences): P {p:.3f} R {r:.3f} F1 {f:.3f}   {types}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", choices=["zh", "en", "all"], default="all")
    ap.add_argument("--small", action="store_true", help="a small slice, a few iterations (checks the code)")
    ap.add_argument("--out", type=Path, default=ROOT / "kg" / "models")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    a = ap.parse_args(argv)
    if not (a.shared / "cluener2020").is_dir():
        print(f"error: no datasets at {a.shared} (training needs ../shared/datasets)", file=sys.stderr)
        return 2
    assert set(LABEL_CLASS)  # the labels the run-time reports are the ones trained here
    for lang in (["zh", "en"] if a.lang == "all" else [a.lang]):
        train(lang, a.out, a.shared, a.small)
    return 0


if __name__ == "__main__":
    sys.exit(main())
