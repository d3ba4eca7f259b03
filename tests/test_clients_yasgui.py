"""YASGUI (from the npm registry) in headless Chromium, on another origin than kg serve, runs a
query with a named graph and a custom header (a CORS preflight) and shows the results.

YASGUI is installed with npm into a cache outside the repository (KG_YASGUI_CACHE, default
~/.cache/kg-tests/yasgui) the first time; the test skips with one reason when npm or chromium
is missing or the install fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from kg.store import KGStore

from .conftest import running
from .test_view import Chromium, have_chromium

CACHE = Path(os.environ.get("KG_YASGUI_CACHE", Path.home() / ".cache" / "kg-tests" / "yasgui"))
BUILD = CACHE / "node_modules" / "@triply" / "yasgui" / "build"

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="yasgui.min.css"><script src="yasgui.min.js"></script></head>
<body><div id="yasgui"></div><script>
window.yasgui = new Yasgui(document.getElementById("yasgui"), {
  requestConfig: {endpoint: "%(endpoint)s", method: "POST", headers: {"X-Kg-Test": "yes"},
                  namedGraphs: ["%(graph)s"]},
  copyEndpointOnNewTab: false, persistenceId: null});
</script></body></html>"""
QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def yasgui_build() -> Path:
    if not have_chromium():
        pytest.skip("chromium not installed (run `make browser`)")
    if (BUILD / "yasgui.min.js").exists():
        return BUILD
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm not installed: YASGUI comes from the npm registry")
    CACHE.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), "@triply/yasgui"],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 or not (BUILD / "yasgui.min.js").exists():
        pytest.skip(f"npm could not install @triply/yasgui: {' '.join(r.stderr.split())[-200:]}")
    return BUILD


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_yasgui_on_another_origin_runs_a_query_and_shows_results(project_store_path, tmp_path):
    build = yasgui_build()
    store = KGStore(str(project_store_path), read_only=True, create=False)
    graph = store.documents()[0]
    site = tmp_path / "site"
    site.mkdir()
    for name in ("yasgui.min.js", "yasgui.min.css"):
        shutil.copy(build / name, site / name)
    with running(store) as kg:
        endpoint = kg.url.replace("127.0.0.1", "localhost") + "sparql"  # another origin than the page's
        (site / "index.html").write_text(PAGE % {"endpoint": endpoint, "graph": graph}, "utf-8")
        page_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
        threading.Thread(target=page_server.serve_forever, daemon=True).start()
        try:
            with Chromium(offline=False) as browser:
                browser.navigate(f"http://127.0.0.1:{page_server.server_address[1]}/index.html")
                assert browser.wait_for("!!(window.yasgui && yasgui.getTab() && yasgui.getTab().getYasqe())", 60)
                browser.eval(f"yasgui.getTab().getYasqe().setValue({QUERY!r}); yasgui.getTab().getYasqe().query(); 1")
                rows = browser.wait_for("document.querySelectorAll('.yasr table tbody tr').length", 60)
                text = browser.eval("document.querySelector('.yasr table tbody').innerText")
                browser.drain()
                requests = [u for u in browser.requests() if u.startswith(endpoint)]
                errors = browser.errors()
        finally:
            page_server.shutdown()
            page_server.server_close()
    assert requests, "YASGUI sent no request to kg serve"
    assert rows == 1, (rows, errors)  # only the one named graph YASGUI asked for
    assert graph.rsplit("/", 1)[1][:20] in text, text
    assert not [e for e in errors if "CORS" in e or "Access-Control" in e], errors
