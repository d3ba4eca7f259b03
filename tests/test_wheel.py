"""The installed package works: the wheel holds everything kg reads at run time (ontology, saved
queries, lexicon, models, static files) and declares every run-time dependency.

The wheel is built from a copy of the sources, installed (without its dependencies, which the
new venv borrows from this one through a .pth file: no download, a few seconds) into a fresh
venv, and run from a folder outside the repository.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.timeout(600)


def _can_build_offline() -> bool:
    """setuptools new enough to build wheels by itself (>= 70.1) in this environment."""
    try:
        v = md.version("setuptools")
    except md.PackageNotFoundError:
        return False
    major, minor = (int(x) for x in re.findall(r"\d+", v)[:2])
    return (major, minor) >= (70, 1) or _has("wheel")


def _has(dist: str) -> bool:
    try:
        md.version(dist)
        return True
    except md.PackageNotFoundError:
        return False


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "kg", src / "kg", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    isolation = [] if not _can_build_offline() else ["--no-build-isolation"]
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(dist), str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    (whl,) = dist.glob("kg-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    v = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(v)], check=True)
    py = v / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies: this environment's site-packages, after the venv's own (so kg comes from the wheel).
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "zz_kg_test_deps.pth").write_text("\n".join(sorted(here)) + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index",
                        str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return v


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> Path:
    """A working directory with no repository around it."""
    return tmp_path_factory.mktemp("elsewhere")


def kg(venv: Path, cwd: Path, *args, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KG_STORE")}
    r = subprocess.run([str(venv / "bin" / "kg"), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       env=env, timeout=300)
    if check:
        assert r.returncode == 0, f"kg {' '.join(map(str, args))} -> {r.returncode}\n{r.stderr[-2000:]}"
    assert "Traceback" not in r.stderr
    return r


def test_wheel_holds_the_run_time_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("kg/ontology/kg.ttl", "kg/ontology/shapes.ttl", "kg/queries/validated.rq", "kg/queries/demo.rq",
              "kg/data/lexicon.tsv", "kg/data/cues.json", "kg/static/viewer.js", "kg/static/query.html",
              "kg/extract/__init__.py"):
        assert f in names, f
    shipped = {p.relative_to(ROOT).as_posix() for d in ("ontology", "queries", "data", "static", "models")
               for p in (ROOT / "kg" / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped <= names, sorted(shipped - names)


def _third_party_imports() -> set[str]:
    """Top-level modules kg's code imports that are neither kg's nor the standard library's."""
    mods: set[str] = set()
    for path in (ROOT / "kg").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                mods.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return {m for m in mods if m != "kg" and m not in sys.stdlib_module_names}


def test_every_run_time_dependency_is_declared(wheel):
    meta = zipfile.ZipFile(wheel).read(next(n for n in zipfile.ZipFile(wheel).namelist()
                                            if n.endswith(".dist-info/METADATA"))).decode()
    norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()  # noqa: E731
    declared = {norm(re.split(r"[\s;<>=!~\[(]", line.split(":", 1)[1].strip())[0])
                for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line}
    dists = md.packages_distributions()
    missing = {}
    for mod in _third_party_imports():
        owners = {norm(d) for d in dists.get(mod, [])}
        if owners and not owners & declared:
            missing[mod] = sorted(owners)
    assert not missing, f"imported but not declared in [project] dependencies: {missing}"
    # trafilatura cleans HTML with lxml.html.clean, a separate project since lxml 5.2: the pip
    # that Python 3.11 ships does not pull it in through lxml[html_clean].
    assert "lxml-html-clean" in declared


def test_installed_kg_runs_outside_the_repo(venv, elsewhere):
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import kg; print(kg.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, check=True).stdout.strip()
    assert where.startswith(str(venv)), where
    assert re.fullmatch(r"kg \d+\.\d+\.\d+\S*", kg(venv, elsewhere, "--version").stdout.strip())


def test_installed_kg_builds_html_and_answers(venv, elsewhere):
    articles = elsewhere / "articles"
    articles.mkdir()
    html = sorted(EXAMPLES.glob("*.html"))
    assert html
    for f in html:
        shutil.copy(f, articles / f.name)
    out = kg(venv, elsewhere, "build", "articles", "--store", "store", "-q").stdout
    assert f"built {len(html)} document(s), 0 unchanged, 0 skipped" in out

    listed = kg(venv, elsewhere, "query", "--list").stdout
    assert "validated" in listed and "supply-chain" in listed and len(listed.strip().splitlines()) >= 10

    rows = kg(venv, elsewhere, "query", "--store", "store", "-f", "demo", "--format", "csv").stdout.strip().splitlines()
    assert len(rows) >= 2, rows

    # the ontology graph went into the store (class labels for the viewer and the SHACL report)
    ask = "ASK { GRAPH <https://w3id.org/kg/ontology> { ?c a <http://www.w3.org/2002/07/owl#Class> } }"
    assert kg(venv, elsewhere, "query", "--store", "store", ask, "--format", "json").stdout.count("true") == 1

    r = kg(venv, elsewhere, "validate", "--store", "store", check=False)
    assert r.returncode == 0, (r.stdout + r.stderr)[-2000:]
    assert "Conforms: True" in r.stdout
