"""Output of `kg query` on a terminal or a pipe: whole values, one newline at the end.

kg.query streams the machine formats (CSV, TSV, SPARQL Results JSON and XML) and draws tables;
this module adds what a person reading the output needs (issue 13):
- `records`: one field a line, `-[ RECORD n ]-` between rows, as psql's `\\x` or
  `sqlite3 -line`, for long evidence sentences that no table can show whole;
- `table` with every value whole: never cut to "作為“芯算…" (wrapped on a terminal, one line a row
  when piped);
- JSON and XML that end with a newline, so the shell prompt does not land on the last brace.
"""

from __future__ import annotations

import sys

FORMATS = ("table", "records", "csv", "tsv", "json", "xml")
PIPE_WIDTH = 100_000  # columns of a piped table: wide enough that no value is ever wrapped or cut


def write(results, fmt: str, out=None) -> int:
    """Write query results in `fmt`; returns the number of rows (or triples) written."""
    from .query import write_results

    out = out or sys.stdout
    if fmt in ("table", "records") and hasattr(results, "variables"):
        return _records(results, out) if fmt == "records" else _table(results, out)
    if fmt in ("json", "xml"):
        sink = _EndsWithNewline(out)
        n = write_results(results, fmt, sink)
        sink.finish()
        return n
    return write_results(results, fmt if fmt != "records" else "table", out)


def _cells(results) -> tuple[list[str], list[list[str]]]:
    from .query import term_text

    names = [v.value for v in results.variables]
    return names, [[term_text(sol[v]) for v in names] for sol in results]


def _records(results, out) -> int:
    names, rows = _cells(results)
    width = max((len(n) for n in names), default=0)
    for i, r in enumerate(rows, 1):
        out.write(f"-[ RECORD {i} ]-\n")
        for name, value in zip(names, r, strict=True):
            lines = value.splitlines() or [""]
            out.write(f"{name:<{width}} | {lines[0]}\n")
            for more in lines[1:]:
                out.write(f"{'':<{width}} | {more}\n")
    n = len(rows)
    out.write(f"({n} row{'s' if n != 1 else ''})\n")
    return n


def _table(results, out) -> int:
    """As kg.query draws it, without cutting values: rich wraps long cells inside their column."""
    from .query import _plain_table

    names, rows = _cells(results)
    tty = hasattr(out, "isatty") and out.isatty()
    # Piped, a row stays on one line however long (grep finds the whole sentence); on a terminal
    # rich wraps long cells inside their column.
    text = None if tty else _plain_table(names, rows, PIPE_WIDTH)
    if text is not None:
        out.write(text)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*names, show_lines=False)
        for r in rows:
            table.add_row(*[c.replace("[", r"\[") for c in r])
        Console(file=out, width=None if tty else PIPE_WIDTH).print(table)
    n = len(rows)
    out.write(f"{n} row{'s' if n != 1 else ''}\n")
    return n


class _EndsWithNewline:
    """A text stream wrapper (with a binary `buffer`) that remembers the last byte written, so a
    newline can be added at the end when the serializer left none."""

    def __init__(self, out) -> None:
        self.out, self.last = out, b"\n"
        target = getattr(out, "buffer", None)
        self.buffer = _Tail(target, self) if target is not None else None

    def write(self, text: str) -> int:
        if text:
            self.last = text[-1].encode()
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()

    def finish(self) -> None:
        if self.last != b"\n":
            self.out.write("\n")
        self.out.flush()

    def __getattr__(self, name):
        return getattr(self.out, name)


class _Tail:
    def __init__(self, target, owner: _EndsWithNewline) -> None:
        self.target, self.owner = target, owner

    def write(self, data: bytes) -> int:
        if data:
            self.owner.last = data[-1:]
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()
