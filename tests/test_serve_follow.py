"""kg serve follows builds: after `kg build` commits, the next query sees it, with no restart,
and queries go on being answered while the build writes (the writer is never blocked)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

from .conftest import ARTICLES, EXAMPLES, ROOT
from .test_serve import cli_server

COUNT_DOCS = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a kgo:Document }"


def kg_build(store, *paths) -> None:
    r = subprocess.run([sys.executable, "-m", "kg.cli", "build", *map(str, paths), "--store", str(store), "--quiet"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


def documents(base: str) -> int:
    url = base + "sparql?" + urllib.parse.urlencode({"query": COUNT_DOCS})
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.status == 200
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


def test_served_store_follows_builds(tmp_path):
    store = tmp_path / "store"
    kg_build(store, EXAMPLES)
    with cli_server(store, "--quiet") as (_proc, base):
        assert documents(base) == 6
        seen: list[int] = []
        errors: list[str] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                try:
                    seen.append(documents(base))
                except Exception as e:  # reported below
                    errors.append(repr(e))

        t = threading.Thread(target=poll)
        t.start()
        try:
            kg_build(store, *sorted(ARTICLES.glob("*.en.txt"))[:5])  # a build beside the live server
        finally:
            stop.set()
            t.join(30)
        assert errors == []
        assert seen == sorted(seen) and set(seen) <= {6, 11}  # never a half-written build
        assert documents(base) == 11  # the next query after the commit sees it
        r = subprocess.run([sys.executable, "-m", "kg.cli", "remove", "--store", str(store),
                            sorted(ARTICLES.glob("*.en.txt"))[0].stem], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        assert documents(base) == 10  # removals too
