"""`kg extract` and `kg eval`: the extractor as a command, and its score on annotated data.

Kept apart from kg/cli.py so the store commands do not grow; registered there by `register`.
Both stream: `kg extract --lines` reads and writes one line at a time (constant memory on a
million lines), `kg eval` reads a dataset one sentence at a time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

MAX_LINE_CHARS = 100_000  # the per-document limit of kg build (kg.ingest.MAX_CHARS)


def _emit(obj: dict) -> None:
    """One JSON line, flushed: a reader on a pipe gets each result as soon as it is made."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _lines(path: str):
    """Raw lines of a file or stdin, in binary, so one undecodable line fails alone."""
    if path == "-":
        yield from sys.stdin.buffer
        return
    with open(path, "rb") as fh:
        yield from fh


def extract(
    path: Annotated[str, typer.Argument(metavar="FILE|-", help="An article file, or - for standard input.")],
    lines: Annotated[bool, typer.Option("--lines", help="Every input line is one document: exactly one output line per input line, in order.")] = False,
) -> None:
    """Entities and relations of a text as JSON Lines, like spaCy's nlp.pipe.

    Each output object is {"text", "entities": [{"start", "end", "text", "class", "id", "kind",
    "source", "confidence"}], "relations": [{"subject", "predicate", "object", "confidence"}]};
    offsets are Python string offsets into "text", subject/object index "entities".  A line
    that cannot be read gives an object with an "error" (and exit code 3 at the end).

    \b
    Examples:
      kg extract examples/xinghe-star-ipo-2025-10-15.zh-Hant.txt
      echo "摩尔线程创始人张建中表示" | kg extract --lines -
      kg extract --lines sentences.txt > entities.jsonl
    """
    from .cli import fail
    from .ingest import IngestError
    from .nlp import extract_file, extract_text

    if not lines:
        try:
            data = sys.stdin.buffer.read() if path == "-" else None
            _emit(extract_file(path if path != "-" else "stdin.txt", data))
        except IngestError as e:
            fail(str(e))
        return
    if path != "-" and not Path(path).is_file():
        fail(f"{path}: no such file", 2)
    bad = 0
    try:
        import kg.lexicon as lexmod

        lex = lexmod.load()
        for n, raw in enumerate(_lines(path), 1):
            line = raw.rstrip(b"\n").rstrip(b"\r")
            err = None
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                err, text = f"line {n}: not UTF-8 text", ""
            if err is None and "\x00" in text:
                err, text = f"line {n}: binary data (NUL bytes)", ""
            if err is None and len(text) > MAX_LINE_CHARS:
                err, text = f"line {n}: {len(text):,} characters, over the {MAX_LINE_CHARS:,} limit of one document", ""
            if err:
                bad += 1
                typer.echo(f"kg: {path}: {err}", err=True)
                _emit({"text": text, "entities": [], "relations": [], "error": err})
            else:
                _emit(extract_text(text, lex))
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror or e})")
    sys.stdout.flush()
    if bad:
        raise typer.Exit(3)


def eval_(
    gold: Annotated[Path, typer.Argument(metavar="GOLD", help="Annotated data: CLUENER2020 JSON lines, a BIO file (MSRA, CoNLL-style English), FinRE, kg stand-off JSONL or a kg .gold.json.")],
    fmt: Annotated[str, typer.Option("--format", metavar="auto|cluener|bio|finre|standoff|gold", help="Format of GOLD (default: from the file).")] = "auto",
    datasets: Annotated[Path | None, typer.Option("--datasets", metavar="DIR", help="Folder the stand-off records point into (default ../shared/datasets beside the repo).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", metavar="N", help="Score the first N sentences only.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score the extractor on annotated data: exact-span P/R/F1 per type and micro; relation
    P/R on kg's own annotations; relation accuracy on FinRE.

    \b
    Examples:
      kg eval ../shared/datasets/cluener2020/train.json --limit 500
      kg eval msra_test_bio.txt
      kg eval ../shared/datasets/finre/valid.txt
      kg eval ../shared/eval/wuxi-compute-2025-09-06.gold.json
    """
    import itertools

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import evaluate as ev
    from . import lexicon as lexmod
    from .cli import fail
    from .datasets import DatasetError
    from .nlp import extract_text

    if not gold.exists():
        fail(f"{gold}: no such file", 2)
    lex = lexmod.load()
    def run(text: str) -> dict:
        return extract_text(text, lex)
    console = Console(stderr=True)
    progress = Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, disable=not console.is_terminal, transient=True)
    try:
        kind = ev.detect_format(gold) if fmt == "auto" else fmt
        with progress:
            task = progress.add_task("", total=limit)
            tick = lambda: progress.advance(task)  # noqa: E731
            if kind == "finre":
                sc = ev.score_finre(gold, run, tick)
            elif kind == "gold":
                from .evaluate_gold import score_gold

                sc = score_gold(gold, tick)
            else:
                shared = datasets or Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
                examples = ev.examples_for(gold, kind, shared)
                if limit:
                    examples = itertools.islice(examples, limit)
                mapping, gold_map = ev.mapping_for(kind, gold)
                sc = ev.score_examples(examples, run, mapping, gold_map, tick)
    except DatasetError as e:
        fail(str(e), 2)
    except (OSError, UnicodeDecodeError) as e:
        fail(f"{gold}: cannot read ({getattr(e, 'strerror', None) or e})")
    out = sc.as_dict()
    if as_json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    _print_scores(out, kind, gold)


def _print_scores(out: dict, kind: str, gold: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{gold.name} ({kind}, {out['documents']:,} documents)", title_justify="left")
    for col in ("", "precision", "recall", "F1", "gold", "predicted"):
        table.add_column(col, justify="right" if col else "left")
    for name, v in out["entities"].items():
        if v["gold"] or v["predicted"]:
            table.add_row(f"entities {name}", f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["gold"]), str(v["predicted"]))
    if "relations" in out:
        v = out["relations"]
        table.add_row("relations", f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["gold"]), str(v["predicted"]))
    if len(table.rows):
        console.print(table)
    for key in ("finre", "gold"):
        if key in out:
            console.print(f"{key}: " + json.dumps(out[key], ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
    app.command("eval")(eval_)
