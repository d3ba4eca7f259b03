"""What the endpoint reads from SPARQL text before Oxigraph parses it (no pyoxigraph, no HTTP).

Oxigraph's Python API runs a query string; it does not say what the query contains.  Three
things have to be known beforehand, so the text is lexed here:

- whether a query or update may use SERVICE or LOAD, refused unless `--allow-service`, since
  pyoxigraph really fetches them (any client could make this host call internal addresses);
- whether a query names its own dataset (FROM / FROM NAMED): the union default graph applies only
  when neither the query nor the request gives one (SPARQL 1.1 Query §13.2, Protocol §2.1.4);
- where an update's USING clauses go when the request gives `using-graph-uri` /
  `using-named-graph-uri`, and whether the update already has USING or WITH (then the request
  is ill-formed: Protocol §2.2.3).

Lexing blanks string literals, IRIs, comments and variables first; scanning stays linear even
on hostile input (possessive loops: a backtracking pattern took 19 s on 40 kB).
"""

from __future__ import annotations

import re

# Each alternative consumes what it starts in one go (an unterminated string runs to the end of
# its line or of the text, which Oxigraph rejects anyway).
_BLANK = re.compile(
    r"""
      '''(?:(?:'|'')?(?:[^'\\]|\\.))*+(?:'''|\Z)
    | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*+(?:\"\"\"|\Z)
    | '(?:[^'\\\n\r]|\\.)*+'?
    | "(?:[^"\\\n\r]|\\.)*+"?
    | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>
    | \#[^\n\r]*
    | [?$]\w+
    """,
    re.X | re.S,
)
_RUN = re.compile(r"[\w\-]+")
_TOKEN = re.compile(r"[\w\-]+|[{}()]")


def blank_sparql(text: str) -> str:
    """The query with string literals, IRIs, comments and variables replaced by spaces."""
    return _BLANK.sub(lambda m: " " * len(m.group(0)), text)


def uses_keyword(sparql: str, keyword: str) -> bool:
    """True when `keyword` may occur as a keyword token (SERVICE, LOAD) in the query or update.

    Oxigraph's parser needs no word boundary around keywords (`SERVICESILENT<x>{}` and
    `trueSERVICE<x>{}` are SERVICE clauses), so any run of name characters that contains the
    word counts, except a prefixed name's local part or a blank node label (a run right after
    `:`).  Errs towards True: this guards the host."""
    text = blank_sparql(sparql)
    word = keyword.casefold()
    for m in _RUN.finditer(text):
        if word in m.group(0).casefold():
            after_colon = m.start() > 0 and text[m.start() - 1] == ":"
            if not after_colon or m.group(0).startswith("-"):
                return True
    return False


def _top_level_words(sparql: str) -> list[tuple[str, int, str]]:
    """(word casefolded, offset, previous top-level item) for each keyword-like run outside any
    braces and parentheses, where the dataset clauses of a query or update live.  A run after `:`
    (a local name) or one that is a prefix being declared or used (`ex:`) is left out, except a
    run directly after FROM/USING-like words, which Oxigraph reads as keyword + `:name`."""
    text = blank_sparql(sparql)
    out: list[tuple[str, int, str]] = []
    depth = 0
    prev = ""
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok in "{(":
            depth += 1
            continue
        if tok in "})":
            depth = max(0, depth - 1)
            if depth == 0:
                prev = "}"
            continue
        if depth:
            continue
        if m.start() > 0 and text[m.start() - 1] == ":":
            continue
        word = tok.casefold()
        if m.end() < len(text) and text[m.end()] == ":" and (prev == "prefix" or word not in _DATASET_WORDS):
            prev = "pname"
            continue
        out.append((word, m.start(), prev))
        prev = word
    return out


_DATASET_WORDS = {"from", "using", "with"}


def declares_dataset(sparql: str) -> bool:
    """True when the query has a FROM or FROM NAMED clause (then it, not the union, is the dataset)."""
    return any(word == "from" for word, _, _ in _top_level_words(sparql))


def update_declares_dataset(sparql: str) -> bool:
    """True when an update has USING, USING NAMED or WITH in one of its operations."""
    return any(word in ("using", "with") for word, _, _ in _top_level_words(sparql))


def add_using(sparql: str, default: list[str], named: list[str]) -> str:
    """The update with `USING <g>` / `USING NAMED <g>` before the WHERE of every DELETE/INSERT
    operation: what the protocol's using-graph-uri / using-named-graph-uri parameters mean.
    `DELETE WHERE` takes no USING (its pattern is the quads it deletes) and is left alone."""
    clause = " " + " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named]) + " "
    spots = [at for word, at, prev in _top_level_words(sparql) if word == "where" and prev != "delete"]
    for at in reversed(spots):
        sparql = sparql[:at] + clause + sparql[at:]
    return sparql


# --- error messages --------------------------------------------------------------------------

_AT = re.compile(r"error at (\d+):(\d+)")
_PNAME_BEFORE = re.compile(r"([A-Za-z][\w.\-]*)?:[\w.\-%]*$")


def short_syntax_error(message: str, sparql: str) -> str:
    """Oxigraph's parse error in one short line.

    Its message lists every token it expected, character ranges included (about 600 characters
    for an undeclared prefix); that list is cut to its words, and an undeclared prefix is named."""
    msg = " ".join(str(message).split())
    at = _AT.search(msg)
    where = at.group(0) if at else "error"
    if "Prefix not found" in msg and at:
        line, col = int(at.group(1)), int(at.group(2))
        lines = sparql.splitlines() or [""]
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        m = _PNAME_BEFORE.search(text[: max(0, col - 1)])
        name = (m.group(1) or "") if m else ""
        return (f"{where}: prefix {name + ':'!r} is not declared; add PREFIX {name}: <...> "
                "(kgo, kgr, kgd, rdf, rdfs, owl, xsd, skos, prov, dcterms, schema, sh are predefined)")
    if "expected one of" in msg:  # drop the character classes ([...]), keep the tokens
        head, _, rest = msg.partition("expected one of")
        items = [i.strip() for i in re.sub(r"\[[^\[\]]*\]", "\0", rest).split(", ")]
        kept = [i for i in items if i and "\0" not in i]
        shown = ", ".join(kept[:10]) + (" ..." if len(kept) > 10 else "")
        msg = f"{head}expected one of {shown}" if kept else f"{head}unexpected input"
    return msg if len(msg) <= 300 else msg[:297] + "..."
