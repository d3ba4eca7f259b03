"""The kg command end to end: build, export in every format, query formats, stats, validate; and
what a user of psql or datasette expects of it (issue 13): --version, help with examples and plain
metavars, one-line usage errors, records, whole values, summaries, --lang, progress.

Everything is built from the project's own articles (examples/), so it runs on a fresh clone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from .conftest import EXAMPLES, PROJECT_ARTICLE, ROOT

KG = [sys.executable, "-m", "kg.cli"]


def kg(*args, check=True, **kw):
    res = subprocess.run([*KG, *map(str, args)], capture_output=True, text=True, cwd=ROOT, **kw)
    if check and res.returncode != 0:
        raise AssertionError(f"kg {' '.join(map(str, args))} -> {res.returncode}\n{res.stderr}")
    return res


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "store"
    res = kg("build", EXAMPLES, "--store", d)
    assert "built 6 document(s)" in res.stdout
    return d


def test_build_summary_and_rebuild_is_noop(store):
    res = kg("build", PROJECT_ARTICLE, "--store", store)
    assert "0 document(s), 1 unchanged" in res.stdout


@pytest.mark.parametrize("fmt,rdflib_fmt", [("turtle", "turtle"), ("trig", "trig"), ("nquads", "nquads"),
                                             ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_export_formats_parse(store, tmp_path, fmt, rdflib_fmt):
    out = tmp_path / f"out.{fmt}"
    kg("export", "--store", store, "--format", fmt, "-o", out)
    g = rdflib.Dataset() if fmt in ("trig", "nquads", "jsonld") else rdflib.Graph()
    g.parse(out, format=rdflib_fmt)
    assert len(g) > 500 if not isinstance(g, rdflib.Dataset) else sum(1 for _ in g.quads()) > 500


def test_query_json_is_sparql_results(store):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <https://w3id.org/kg/ontology#Document> }"
    res = kg("query", q, "--store", store, "--format", "json")
    data = json.loads(res.stdout)
    assert data["head"]["vars"] == ["n"]
    assert data["results"]["bindings"][0]["n"]["value"] == "6"


def test_query_csv_and_table(store):
    q = "SELECT ?t WHERE { ?d a <https://w3id.org/kg/ontology#Document> ; <http://purl.org/dc/terms/title> ?t } ORDER BY ?t"
    csv = kg("query", q, "--store", store, "--format", "csv").stdout.splitlines()
    assert csv[0].strip() == "t" and len(csv) == 7
    table = kg("query", q, "--store", store).stdout
    assert "6 rows" in table


def test_bad_query_is_one_line_exit_2(store):
    res = kg("query", "SELECT WHERE {", "--store", store, check=False)
    assert res.returncode == 2
    assert res.stderr.startswith("kg: invalid SPARQL") and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_stats(store):
    out = kg("stats", "--store", store).stdout
    assert "documents      6" in out


def test_validate_passes_on_built_graph(store):
    res = kg("validate", "--store", store, check=False)
    assert res.returncode == 0, res.stdout[-3000:]
    assert "Conforms: True" in res.stdout


def test_validate_fails_on_broken_graph(tmp_path):
    d = tmp_path / "broken"
    kg("build", PROJECT_ARTICLE, "--store", d)
    bad = tmp_path / "bad.nq"
    bad.write_text(
        '<https://w3id.org/kg/id/X> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/kg/ontology#Company> <https://w3id.org/kg/doc/bad> .\n'
        '<https://w3id.org/kg/id/X> <http://www.w3.org/2004/02/skos/core#prefLabel> "no language tag" <https://w3id.org/kg/doc/bad> .\n'
        '<https://w3id.org/kg/id/X> <https://w3id.org/kg/ontology#speaksAt> <https://w3id.org/kg/id/Wuxi> <https://w3id.org/kg/doc/bad> .\n',
        "utf-8",
    )
    kg("import", bad, "--store", d)
    res = kg("validate", "--store", d, check=False)
    assert res.returncode == 1
    assert "Conforms: False" in res.stdout
    assert "https://w3id.org/kg/id/X" in res.stdout


def test_help_on_every_command():
    for cmd in ["build", "export", "query", "stats", "validate", "remove", "import"]:
        assert "Usage" in kg(cmd, "--help").stdout


# --- issue 13: a tool that speaks clearly ---------------------------------------------------------

COMMANDS = ["build", "export", "query", "stats", "validate", "remove", "import", "neighbors", "path", "rank",
            "communities", "viz", "serve"]
WRITERS = {"build", "remove"}  # the only commands a SPARQL update endpoint applies to
KG_BIN = Path(sys.executable).parent / "kg"  # the installed script: `kg query` takes its fast path


def test_version():
    res = kg("--version")
    from kg import __version__

    assert res.stdout == f"kg {__version__}\n"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_has_examples_plain_metavars_and_only_options_that_apply(cmd):
    out = kg(cmd, "--help").stdout
    assert "Examples:" in out and f"kg {cmd}" in out.split("Examples:")[1]
    assert not re.search(r"<(str|bool|int|float)>", out), out
    assert ("--update-endpoint" in out) == (cmd in WRITERS and "--endpoint" in out), out


@pytest.mark.parametrize("args", [["query", "--formt", "json"], ["nosuchcommand"], ["rank", "--top", "many"],
                                  ["query", "a", "b"], ["neighbors"]])
def test_usage_errors_are_one_line_exit_2(args):
    res = kg(*args, check=False)
    assert res.returncode == 2
    assert res.stderr.startswith("kg: ") and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "╭" not in res.stderr and "Traceback" not in res.stderr


LONG = "SELECT ?t WHERE { ?s <https://w3id.org/kg/ontology#text> ?t FILTER(STRLEN(?t) > 130) } ORDER BY ?t LIMIT 3"


@pytest.mark.parametrize("entry", ["module", "script"])
def test_records_and_tables_keep_whole_sentences(store, entry):
    run = kg if entry == "module" else (lambda *a: subprocess.run([KG_BIN, *map(str, a)], capture_output=True,
                                                                 text=True, cwd=ROOT, check=True))
    if entry == "script" and not KG_BIN.exists():
        pytest.skip("no installed kg script beside this Python")
    sentences = kg("query", LONG, "--store", store, "--format", "csv").stdout.splitlines()[1:]
    sentences = [x.strip().strip('"') for x in sentences]
    assert sentences and all(len(x) > 130 for x in sentences)
    table = run("query", LONG, "--store", store).stdout
    records = run("query", LONG, "--store", store, "-F", "records").stdout
    for x in sentences:
        assert any(x in line for line in table.splitlines()), f"cut or wrapped in the table: {x}"
        assert f"t | {x}\n" in records
    assert records.count("-[ RECORD") == len(sentences) and records.endswith(f"({len(sentences)} rows)\n")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("entry", ["module", "script"])
def test_json_and_xml_end_with_a_newline(store, fmt, entry):
    q = "SELECT ?d WHERE { ?d a <https://w3id.org/kg/ontology#Document> } LIMIT 2"
    if entry == "script":
        if not KG_BIN.exists():
            pytest.skip("no installed kg script beside this Python")
        out = subprocess.run([KG_BIN, "query", q, "--store", str(store), "--format", fmt], capture_output=True,
                             cwd=ROOT, check=True).stdout
    else:
        out = subprocess.run([*KG, "query", q, "--store", str(store), "--format", fmt], capture_output=True,
                             cwd=ROOT, check=True).stdout
    assert out.endswith(b"\n") and not out.endswith(b"\n\n")


def test_f_means_file_and_export_keeps_the_old_spelling(store, tmp_path):
    assert "-f, --file" in kg("query", "--help").stdout
    assert "-f," not in kg("export", "--help").stdout and "-F, --format" in kg("export", "--help").stdout
    new = kg("export", "--store", store, "-F", "nquads").stdout
    old = kg("export", "--store", store, "-f", "nquads")
    assert old.stdout == new and "deprecated" in old.stderr
    rq = tmp_path / "count.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?d a <https://w3id.org/kg/ontology#Document> }", "utf-8")
    assert kg("query", "-f", rq, "--store", store, "-F", "csv").stdout.split() == ["n", "6"]


def test_export_viz_and_remove_say_what_they_wrote(store, tmp_path):
    out = tmp_path / "g.nq"
    res = kg("export", "--store", store, "--format", "nquads", "-o", out)
    n = sum(1 for line in out.read_text("utf-8").splitlines() if line.strip())
    assert re.fullmatch(rf"wrote {re.escape(str(out))}: {n} quads \(.*\)\n", res.stderr), res.stderr
    res = kg("export", "--store", store, "--format", "graphml", "-o", tmp_path / "g.graphml")
    assert re.search(r"wrote .*g\.graphml: \d+ nodes, \d+ edges", res.stderr)

    page = tmp_path / "g.html"
    res = kg("viz", "--store", store, "-o", page)
    data = json.loads(re.search(r'<script id="kg-data" type="application/json">(.*?)</script>',
                                page.read_text("utf-8"), re.S).group(1))
    m = re.search(r"wrote .*g\.html: (\d+) nodes \((\d+) linked.*\), (\d+) edges", res.stderr)
    assert m and [int(x) for x in m.groups()] == [len(data["nodes"]), sum(1 for x in data["nodes"] if x["deg"]),
                                                  len(data["edges"])], res.stderr

    copy = tmp_path / "store"
    kg("build", EXAMPLES, "--store", copy)
    doc = kg("query", "SELECT ?d WHERE { ?d a <https://w3id.org/kg/ontology#Document> } ORDER BY ?d LIMIT 1",
             "--store", copy, "--format", "csv").stdout.split()[1].rsplit("/", 1)[1]
    res = kg("remove", doc, "--store", copy)
    assert res.stdout == "removed 1 document(s); store now holds 5 documents\n"


def test_viz_refuses_unknown_types_like_unknown_relations(store, tmp_path):
    for opt, bad, good in (("--types", "Compny", "Company"), ("--relations", "suplies", "supplies")):
        page = tmp_path / "x.html"
        res = kg("viz", "--store", store, opt, bad, "-o", page, check=False)
        assert res.returncode == 2 and not page.exists()
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and bad in lines[0] and re.search(rf"\b{good}\b", lines[0]), res.stderr


def _in_pty(args: list) -> tuple[int, str]:
    """Run kg with stderr on a pseudo-terminal (as in an interactive shell); returns (code, what it drew)."""
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([*KG, *map(str, args)], stdout=subprocess.PIPE, stderr=slave, cwd=ROOT)
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    proc.wait(timeout=600)
    os.close(master)
    return proc.returncode, drawn.decode("utf-8", "replace")


def test_validate_shows_progress_on_a_terminal(store):
    code, drawn = _in_pty(["validate", "--store", store])
    assert code == 0 and "validating against the SHACL shapes" in drawn, drawn[-500:]
    piped = kg("validate", "--store", store)
    assert "validating" not in piped.stderr  # pipes and logs get the report only


# --- labels: one name per entity and language, in every command ------------------------------------

ACCELINK = {"en": "Accelink Technologies", "zh-Hans": "光迅科技", "zh-Hant": "光迅科技"}
JINCHENG = {"en": None, "zh-Hans": "锦程光电", "zh-Hant": "錦程光電"}


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_one_label_per_entity_in_cli_saved_queries_and_viewer(store, tmp_path, lang):
    from kg.store import KGStore
    from kg.view import render_page

    demo = kg("query", "-f", "demo", "--store", store, "--lang", lang, "-F", "csv").stdout
    rows = [ln.split(",") for ln in demo.splitlines()[1:]]
    supplies = [r for r in rows if r[1] == "supplies" and ACCELINK[lang] == r[0]]
    assert supplies, demo
    people = kg("rank", "--by", "degree", "--top", "200", "--store", store, "--lang", lang).stdout
    assert ACCELINK[lang] in people
    near = kg("neighbors", "Accelink", "--store", store, "--lang", lang).stdout
    assert near.startswith(ACCELINK[lang])
    if JINCHENG[lang]:
        assert JINCHENG[lang] in near and supplies[0][2] == JINCHENG[lang]
    s = KGStore(str(store), read_only=True, create=False)
    _, data = render_page(s, lang=lang)
    node = next(n for n in data["nodes"] if n["iri"].endswith("/Accelink"))
    assert node["label"] == ACCELINK[lang]
    del s


def test_language_defaults_to_the_store_documents(tmp_path):
    d = tmp_path / "hant"
    kg("build", EXAMPLES / "jincheng-accelink-cpo-2025-09-11.zh-Hant.txt",
       EXAMPLES / "xinghe-star-ipo-2025-10-15.zh-Hant.txt", EXAMPLES / "calder-robotics-series-b-2025-07-22.en.txt",
       "--store", d)
    assert "錦程光電" in kg("neighbors", "光迅科技", "--store", d).stdout
    assert "錦程光電" in kg("query", "-f", "supply-chain", "--store", d, "-F", "csv").stdout
    page = tmp_path / "p.html"
    kg("viz", "--store", d, "-o", page)
    html = page.read_text("utf-8")
    assert '<html lang="zh-Hant">' in html
    res = kg("neighbors", "光迅科技", "--store", d, "--lang", "fr", check=False)
    assert res.returncode == 2 and res.stderr.strip() == "kg: unknown language 'fr'; choose en, zh-Hans, zh-Hant"
