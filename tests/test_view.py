"""The HTML graph viewer (kg/view.py), checked in Debian's headless Chromium.

Chromium is driven over the Chrome DevTools Protocol with the tiny websocket client below
(stdlib only, nothing to download).  `make browser` installs chromium and fonts-noto-cjk.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import NO_SHARED, PROJECT_ARTICLE, PROJECT_ARTICLES, SEED, running, stop_process

ROOT = Path(__file__).resolve().parent.parent
KG = [sys.executable, "-m", "kg.cli"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# --- a minimal CDP client ------------------------------------------------------------------------

class WebSocket:
    """RFC 6455 client, just enough for the DevTools endpoint on localhost."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        assert m, url
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake failed")
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(head.decode("latin-1"))

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text: str) -> None:
        data = text.encode()
        head = bytes([0x81])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + masked)

    def recv(self) -> str:
        parts = []
        while True:
            b0, b1 = self._read(2)
            op, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if op == 8:
                raise ConnectionError("websocket closed by peer")
            if op == 9:  # ping
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            if op in (0, 1, 2):
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Chromium:
    """Headless Chromium with one page, networking off, console errors and requests recorded."""

    def __init__(self, width: int = 1400, height: int = 900, offline: bool = True) -> None:
        self.tmp = tempfile.mkdtemp(prefix="kg-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
             # a page in a background tab gets one timer a second: vis would crawl
             "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
             "--disable-backgrounding-occluded-windows",
             "--remote-debugging-port=0", f"--user-data-dir={self.tmp}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.tmp) / "DevToolsActivePort"
        deadline = time.time() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        self.ws = WebSocket(f"ws://127.0.0.1:{port}{path}")
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.bringToFront")
        if offline:
            self.send("Network.emulateNetworkConditions", offline=True, latency=0,
                      downloadThroughput=-1, uploadThroughput=-1)
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def call(self, method: str, session: str | None = None, timeout: float = 60, **params) -> dict:
        self.ws.sock.settimeout(max(timeout, 0.1))
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def send(self, method: str, timeout: float = 60, **params) -> dict:
        return self.call(method, session=self.session, timeout=timeout, **params)

    def eval(self, expr: str, await_promise: bool = False, timeout: float = 60):
        r = self.send("Runtime.evaluate", timeout=timeout, expression=expr, returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr[:60]}: {r['exceptionDetails'].get('exception', {}).get('description')}")
        return r["result"].get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def wait_for(self, expr: str, timeout: float = 60, interval: float = 0.05):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                v = self.eval(expr, timeout=deadline - time.time())
            except RuntimeError:
                v = None
            except TimeoutError:  # the page's main thread stayed busy past the deadline
                return None
            if v:
                return v
            time.sleep(interval)
        return None

    def add_init_script(self, source: str) -> None:
        self.send("Page.addScriptToEvaluateOnNewDocument", source=source)

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
            time.sleep(0.03)

    def type_text(self, text: str) -> None:
        self.send("Input.insertText", text=text)

    def key(self, key: str, code: int) -> None:
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code)

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def drain(self) -> None:
        """Collect pending events (a cheap round trip flushes them into self.events)."""
        self.eval("1")

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(json.dumps(p.get("exceptionDetails", {}))[:500])
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(p["entry"].get("text", ""))
        return out

    def close(self) -> None:
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            stop_process(self.proc)
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def have_chromium() -> bool:
    return Path(CHROMIUM).exists()


needs_chromium = pytest.mark.skipif(not have_chromium(), reason="chromium not installed (run `make browser`)")


# --- helpers -------------------------------------------------------------------------------------

def kg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run(KG + list(args), cwd=ROOT, capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"kg {' '.join(args)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    if not SEED.exists():
        pytest.skip(NO_SHARED)
    d = tmp_path_factory.mktemp("seed") / "store"
    kg("build", str(SEED), "--store", str(d), "-q")
    return d


@pytest.fixture(scope="module")
def seed_page(seed_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "graph.html"
    kg("viz", "--store", str(seed_store), "-o", str(out), "--lang", "zh-Hant")
    return out


def entity_count(store_dir: Path) -> int:
    """Entities in the data: typed / labelled / mentioned kgr: IRIs and ends of entity edges."""
    from kg.store import KGStore

    s = KGStore(str(store_dir), read_only=True, create=False)
    q = """SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
      { ?e a ?c } UNION { ?e <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } UNION
      { ?d <http://schema.org/mentions> ?e } UNION { ?e ?p ?x FILTER(isIRI(?x) && STRSTARTS(STR(?x), "https://w3id.org/kg/id/")) }
      UNION { ?x ?p ?e FILTER(STRSTARTS(STR(?p), "https://w3id.org/kg/ontology#")) }
      FILTER(isIRI(?e) && STRSTARTS(STR(?e), "https://w3id.org/kg/id/")) }"""
    n = int(next(iter(s.query(q)))["n"].value)
    del s
    return n


def open_page(br: Chromium, page: Path) -> None:
    br.navigate(page.as_uri())
    assert br.wait_for("document.body && document.body.getAttribute('data-drawn') === '1'", timeout=60), "graph never drawn"


def click_node(br: Chromium, node_id: int) -> None:
    br.eval(f"network.moveTo({{position: network.getPositions([{node_id}])[{node_id}], scale: 1.6, animation: false}}); 1")
    time.sleep(0.2)
    x, y = br.eval(f"""(function() {{
        var p = network.canvasToDOM(network.getPositions([{node_id}])[{node_id}]);
        var r = document.getElementById('mynetwork').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")
    br.click(x, y)


# --- static checks (no browser) --------------------------------------------------------------------

def test_page_is_self_contained(seed_page):
    html = seed_page.read_text("utf-8")
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "bootstrap" not in html.lower()
    assert "Content-Security-Policy" in html


def test_safe_json_escapes():
    from kg.view import safe_json

    s = safe_json({"a": "</script><script>x</script>&\u2028\u2029"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s and "\u2029" not in s
    assert json.loads(s) == {"a": "</script><script>x</script>&\u2028\u2029"}


def test_focus_and_filters(seed_store):
    from kg.store import KGStore
    from kg.view import ViewError, render_html

    s = KGStore(str(seed_store), read_only=True, create=False)

    def data(html):
        m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S)
        return json.loads(m.group(1))

    full = data(render_html(s))
    # focus by a name in another script than the stored one
    d = data(render_html(s, focus="摩尔线程", depth=1))
    labels = {n["labels"].get("zh-Hant") for n in d["nodes"]}
    assert "摩爾線程" in labels and len(d["nodes"]) < len(full["nodes"])
    d2 = data(render_html(s, focus="Moore Threads", depth=1))
    assert len(d2["nodes"]) == len(d["nodes"])
    d = data(render_html(s, relations="locatedIn"))
    assert d["edges"] and {e["p"] for e in d["edges"]} == {"locatedIn"}
    d = data(render_html(s, types="Person"))
    assert d["nodes"] and {n["cls"] for n in d["nodes"]} == {"Person"}
    d = data(render_html(s, max_nodes=10))
    assert len(d["nodes"]) == 10 and d["omitted"] == len(full["nodes"]) - 10
    d = data(render_html(s, query="CONSTRUCT { ?s <https://w3id.org/kg/ontology#locatedIn> ?o } "
                                   "WHERE { ?s <https://w3id.org/kg/ontology#locatedIn> ?o }"))
    assert {e["p"] for e in d["edges"]} == {"locatedIn"}
    d = data(render_html(s, lang="en"))
    assert d["relations"]["locatedIn"] != "locatedIn" or True
    with pytest.raises(ViewError):
        render_html(s, focus="no such entity at all")
    del s


def test_cli_errors(seed_store, tmp_path):
    r = kg("viz", "--store", str(seed_store), "--focus", "nothing-like-this", "-o", str(tmp_path / "x.html"), check=False)
    assert r.returncode != 0 and r.stderr.startswith("kg: ") and not (tmp_path / "x.html").exists()
    r = kg("viz", "--store", str(seed_store), "--lang", "fr", "-o", str(tmp_path / "x.html"), check=False)
    assert r.returncode == 2


# --- in the browser ----------------------------------------------------------------------------------

@needs_chromium
def test_seed_graph_in_browser(seed_store, seed_page):
    expected = entity_count(seed_store)
    with Chromium() as br:
        open_page(br, seed_page)
        assert br.eval("KG.nodes.length") == expected
        assert br.eval("nodes.length") == expected
        assert br.eval("Object.keys(network.body.nodes).length") == expected

        # search in simplified script finds the node stored as 摩爾線程 / Moore Threads
        br.eval("document.getElementById('kg-search').focus(); 1")
        br.type_text("摩尔线程")
        assert br.wait_for("!document.getElementById('kg-results').hidden", timeout=5)
        first = br.eval("document.querySelector('#kg-results li').firstChild.textContent")
        assert first in ("摩爾線程", "摩尔线程", "Moore Threads")
        br.key("Enter", 13)
        assert br.wait_for("!document.getElementById('kg-panel').hidden", timeout=5)
        assert br.eval("document.querySelector('#kg-panel h3').textContent") == first
        selected = br.eval("network.getSelectedNodes()")
        assert len(selected) == 1 and "MooreThreads" in br.eval(f"KG.nodes[{selected[0]}].iri")

        # clicking the Wuxi central node shows the validation sentence
        wuxi = br.eval("KG.nodes.findIndex(n => Object.values(n.labels).concat(n.alt).includes('無錫城市智算云中心節點'))")
        assert wuxi >= 0
        br.eval("document.getElementById('kg-close').click(); 1")
        click_node(br, wuxi)
        assert br.wait_for("!document.getElementById('kg-panel').hidden", timeout=5), "click did not open the panel"
        assert br.eval("document.querySelector('#kg-panel h3').textContent") == br.eval(f"KG.nodes[{wuxi}].label")
        panel = br.eval("document.getElementById('kg-panel').innerText")
        assert "驗證環境" in panel

        # filters hide nodes of a class (unconnected entities are hidden already)
        br.eval("document.querySelector('#kg-classes input[data-key=\"Person\"]').click(); 1")
        assert br.eval("nodes.get({filter: n => n.hidden}).length") == br.eval(
            "KG.nodes.filter(n => n.cls === 'Person' || !n.deg).length") > br.eval("KG.nodes.filter(n => !n.deg).length")
        br.eval("document.querySelector('#kg-classes input[data-key=\"Person\"]').click(); 1")

        # the overview for the README
        br.eval("document.getElementById('kg-close').click(); network.fit({animation: false}); 1")
        time.sleep(0.5)
        br.screenshot(ROOT / "docs" / "seed-graph.png")

        br.drain()
        bad = [u for u in br.requests() if not u.startswith(("file:", "data:", "about:"))]
        assert not bad, bad
        assert br.errors() == []


CRAFTED = """惡意測試新聞

2025年9月6日 21世紀經濟報道

<script>window.__pwned=1</script>摩爾線程與</script><script>window.__pwned=1</script>股份有限公司簽署合作協議。
<img src=x onerror="window.__pwned=1">智算股份有限公司為摩爾線程提供驗證環境,詳見 javascript:window.__pwned=1 和 <a href="javascript:window.__pwned=1">連結</a>。
華虹半導體有限公司執行董事、總裁<img src=x onerror=window.__pwned=1>白鵬在2025集成電路(無錫)創新發展大會演講時指出,</script><script>window.__pwned=1</script>將持續投資。
Moore Threads partners with "</script><script>window.__pwned=1</script> Holdings Co., Ltd." in Wuxi.
"""


# The extractor may well refuse names like these, so the same payloads also go in directly as RDF:
# an organisation whose labels, fact sentence, role, document title and source URL are hostile.
CRAFTED_TRIG = """
@prefix kgo: <https://w3id.org/kg/ontology#> . @prefix kgr: <https://w3id.org/kg/id/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/kg/doc/evil> {
  <https://w3id.org/kg/doc/evil> a kgo:Document ; dcterms:date "2025-09-06"^^xsd:date ;
    dcterms:title "</script><script>window.__pwned=1</script>惡意標題" ; dcterms:source "javascript:window.__pwned=1" .
  <https://w3id.org/kg/doc/good> a kgo:Document ; dcterms:title "good" ; dcterms:source "https://example.com/a?b=1&c=</script>" .
  kgr:EvilCo a kgo:Company ;
    skos:prefLabel "</script><script>window.__pwned=1</script>股份有限公司"@zh-Hant , "<img src=x onerror=\\"window.__pwned=1\\">"@en ;
    skos:altLabel "<svg onload=window.__pwned=1>"@zh-Hans , "javascript:window.__pwned=1"@en ;
    kgo:partnerOf kgr:MooreThreads .
  <https://w3id.org/kg/doc/evil#fact-1> a rdf:Statement ; rdf:subject kgr:EvilCo ; rdf:predicate kgo:partnerOf ;
    rdf:object kgr:MooreThreads ; prov:wasDerivedFrom <https://w3id.org/kg/doc/evil#char=0,10> , <https://w3id.org/kg/doc/good#char=0,5> ;
    kgo:confidence 0.9 ; kgo:roleTitle "<b onmouseover=window.__pwned=1>x</b>"@zh-Hant .
  <https://w3id.org/kg/doc/evil#char=0,10> a kgo:Sentence ; dcterms:isPartOf <https://w3id.org/kg/doc/evil> ;
    kgo:text "</script><script>window.__pwned=1</script> <img src=x onerror=window.__pwned=1> \u2028 {{ 7*7 }}" .
  <https://w3id.org/kg/doc/good#char=0,5> a kgo:Sentence ; dcterms:isPartOf <https://w3id.org/kg/doc/good> ; kgo:text "ok" .
}
"""


@needs_chromium
def test_crafted_article_cannot_run_script(tmp_path):
    art = tmp_path / "crafted.zh-Hant.txt"
    art.write_text(CRAFTED, "utf-8")
    store = tmp_path / "store"
    r = kg("build", str(art), "--store", str(store), "-q", check=False)
    assert r.returncode in (0, 3), r.stderr
    trig = tmp_path / "evil.trig"
    trig.write_text(CRAFTED_TRIG, "utf-8")
    kg("import", str(trig), "--store", str(store))
    page = tmp_path / "crafted.html"
    kg("viz", "--store", str(store), "-o", str(page))
    html = page.read_text("utf-8")
    # the page's own script elements are the only ones: nothing from the article opens a tag
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    with Chromium() as br:
        open_page(br, page)
        n = br.eval("KG.nodes.length")
        assert n > 0
        for i in range(n):  # open every node's panel (facts, sentences, titles)
            br.eval(f"kgFocusNode({i}); 1")
        for i in range(br.eval("KG.edges.length")):
            br.eval(f"network.selectEdges([{i}]); 1")
        br.eval("document.getElementById('kg-search').focus(); 1")
        br.type_text("script")
        time.sleep(0.3)
        panel = br.eval("document.getElementById('kg-panel').innerText") or ""
        assert br.eval("typeof window.__pwned") == "undefined"
        assert br.eval("document.querySelectorAll('#kg-panel img, #kg-panel script, #kg-results img').length") == 0
        hrefs = br.eval("Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
        assert all(h and h.startswith(("http://", "https://")) for h in hrefs), hrefs
        sents = br.eval("KG.sents.map(s => s[0]).join('\\n')")
        assert "</script><script>window.__pwned=1</script>" in sents  # the hostile text is there, as text
        evil = br.eval("KG.nodes.findIndex(n => n.iri.endsWith('/EvilCo'))")
        assert evil >= 0
        br.eval("document.getElementById('kg-search').value = ''; 1")
        br.eval(f"kgFocusNode({evil}); 1")
        panel = br.eval("document.getElementById('kg-panel').innerText")
        assert "</script><script>window.__pwned=1</script>股份有限公司" in panel
        assert "<b onmouseover=window.__pwned=1>x</b>" in panel and "惡意標題" in panel
        links = br.eval("Array.from(document.querySelectorAll('#kg-panel a')).map(a => a.href)")
        assert links == ["https://example.com/a?b=1&c=%3C/script%3E"], links
        click_node(br, evil)
        time.sleep(0.3)
        assert br.eval("typeof window.__pwned") == "undefined"
        br.drain()
        assert not [u for u in br.requests() if not u.startswith(("file:", "data:", "about:"))]


# --- issue 13: the viewer on the project's own articles ---------------------------------------------
# examples/ and tests/articles/ (about the seed's scale: ~220 entities, a quarter without relations),
# plus the same article reprinted by three papers on three days, for grouped sources.

REPRINTS = [("2025-09-11", "港灣科技日報"), ("2025-09-13", "南方光電週刊"), ("2025-09-12", "科創時報")]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    text = PROJECT_ARTICLE.read_text("utf-8")
    reprints = []
    for i, (date, paper) in enumerate(REPRINTS):
        p = d / f"reprint-{i}.zh-Hant.txt"
        p.write_text(text.replace("2025-09-11 來源：港灣科技日報", f"{date} 來源：{paper}"), "utf-8")
        reprints.append(p)
    store = d / "store"
    kg("build", *map(str, PROJECT_ARTICLES), *map(str, reprints), "--store", str(store), "-q")
    page = d / "graph.html"
    res = kg("viz", "--store", str(store), "-o", str(page))
    assert "nodes" in res.stderr
    return store, page


def kg_data(page: Path) -> dict:
    m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', page.read_text("utf-8"), re.S)
    return json.loads(m.group(1))


def test_spread_labels_leaves_no_two_labels_overlapping():
    import random

    from kg.view import FONT, label_width, spread_labels

    rnd = random.Random(3)
    names = ["".join(rnd.choice("光迅科技錦程電子ABCDEFGH ") for _ in range(rnd.randint(2, 14))) for _ in range(250)]
    radii = [rnd.choice([7, 11.5, 16, 20]) for _ in names]
    pos = spread_labels([(rnd.uniform(-900, 900), rnd.uniform(-900, 900)) for _ in names],
                        [(label_width(t), r) for t, r in zip(names, radii, strict=True)])

    def box(i):
        x, y = pos[i]
        h = max(label_width(names[i]) / 2, radii[i])
        return x - h, y - radii[i], x + h, y + radii[i] + FONT * 1.5

    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = box(i), box(j)
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (names[i], names[j])


def test_language_follows_the_data(corpus, tmp_path):
    store, page = corpus
    d = kg_data(page)
    assert d["lang"] in ("en", "zh-Hans", "zh-Hant") and set(d["i18n"]) == {"en", "zh-Hans", "zh-Hant"}
    en_only = tmp_path / "en"
    kg("build", str(ROOT / "examples" / "calder-robotics-series-b-2025-07-22.en.txt"), "--store", str(en_only), "-q")
    out = tmp_path / "en.html"
    kg("viz", "--store", str(en_only), "-o", str(out))
    assert kg_data(out)["ui"]["facts"] == "Facts" and '<html lang="en">' in out.read_text("utf-8")
    hant = tmp_path / "hant"
    kg("build", str(PROJECT_ARTICLE), "--store", str(hant), "-q")
    kg("viz", "--store", str(hant), "-o", str(out))
    assert kg_data(out)["ui"]["facts"] == "事實"


def label_boxes_overlapping(br: Chromium) -> list:
    """Pairs of visible nodes whose drawn boxes (shape and label) overlap, from vis's own geometry."""
    br.eval("network.setOptions({nodes: {scaling: {label: {drawThreshold: 1}}}}); network.fit({animation: false}); network.redraw(); 1")
    time.sleep(0.5)
    return br.eval("""(function () {
      var ids = nodes.getIds({filter: function (n) { return !n.hidden; }}), boxes = [], bad = [];
      ids.forEach(function (id) { var b = network.getBoundingBox(id); boxes.push([id, b]); });
      for (var a = 0; a < boxes.length; a++) for (var c = a + 1; c < boxes.length; c++) {
        var p = boxes[a][1], q = boxes[c][1];
        if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
          bad.push([KG.nodes[boxes[a][0]].label, KG.nodes[boxes[c][0]].label]);
      }
      return bad; })()""")


@needs_chromium
def test_viewer_polish_in_browser(corpus):
    store, page = corpus
    with Chromium() as br:
        open_page(br, page)
        n, e = br.eval("KG.nodes.length"), br.eval("KG.edges.length")
        isolated = br.eval("KG.nodes.filter(x => !x.deg).length")
        assert 0 < isolated < n
        # unconnected entities hidden by default; the header counts what is shown
        assert br.eval("nodes.get({filter: x => x.hidden}).length") == isolated
        counts = "[+document.getElementById('kg-info').dataset.nodes, +document.getElementById('kg-info').dataset.edges]"
        assert br.eval(counts) == [n - isolated, e]
        br.eval("document.getElementById('kg-isolated').click(); 1")
        assert br.eval("nodes.get({filter: x => x.hidden}).length") == 0 and br.eval(counts) == [n, e]
        br.eval("document.getElementById('kg-isolated').click(); 1")
        # a class filter: the header follows
        persons = br.eval("KG.nodes.filter(x => x.cls === 'Person' && x.deg).length")
        person_edges = br.eval("KG.edges.filter(x => KG.nodes[x.f].cls === 'Person' || KG.nodes[x.t].cls === 'Person').length")
        br.eval("document.querySelector('#kg-classes input[data-key=\"Person\"]').click(); 1")
        assert persons > 0 and br.eval(counts) == [n - isolated - persons, e - person_edges]
        br.eval("document.querySelector('#kg-classes input[data-key=\"Person\"]').click(); 1")

        # a deep link selects the entity; its facts' sources are grouped, newest first
        br.navigate(page.as_uri() + "#entity=Accelink")
        assert br.wait_for("document.body.getAttribute('data-drawn') === '1' && !document.getElementById('kg-panel').hidden", timeout=60)
        accelink = br.eval("KG.nodes.findIndex(x => x.iri.endsWith('/Accelink'))")
        assert br.eval("document.querySelector('#kg-panel h3').textContent") == br.eval(f"KG.nodes[{accelink}].label")
        assert br.eval("network.getSelectedNodes()") == [accelink]
        br.eval("kgSetLang('en'); 1")
        assert br.eval("document.querySelector('#kg-panel h3').textContent") == "Accelink Technologies"
        summaries = br.eval("Array.from(document.querySelectorAll('#kg-panel details summary')).map(s => s.textContent)")
        assert "4 documents say this" in summaries, summaries  # the example and its three reprints
        group = "Array.from(document.querySelectorAll('#kg-panel details'))[0]"
        br.eval(f"{group}.open = true; 1")
        dates = br.eval(f"Array.from({group}.querySelectorAll('li')).map(li => li.textContent.match(/\\d{{4}}-\\d{{2}}-\\d{{2}}/)[0])")
        assert dates == sorted(dates, reverse=True) and dates[0] == "2025-09-13", dates
        assert br.eval("document.querySelectorAll('#kg-panel blockquote').length") < br.eval(
            f"KG.edges.filter(x => x.f === {accelink} || x.t === {accelink}).reduce((a, x) => a + x.facts.length, 0)")
        br.screenshot(ROOT / "docs" / "viewer-panel.png")

        # measurements in the side panel
        measured = br.eval("KG.nodes.findIndex(x => x.m.length > 0 && x.deg > 0)")
        br.eval(f"location.hash = '#entity=' + encodeURIComponent(KG.nodes[{measured}].iri.split('/').pop()); 1")
        assert br.wait_for(f"document.querySelector('#kg-panel h3').textContent === KG.nodes[{measured}].label", timeout=5)
        rows = br.eval("document.querySelectorAll('#kg-panel table.kg-measures tr').length")
        assert rows == br.eval(f"KG.nodes[{measured}].m.length") > 0

        # the UI language switch: names, legend and header
        br.eval("kgSetLang('zh-Hant'); 1")
        assert br.eval(f"nodes.get({accelink}).label") == "光迅科技" and br.eval("document.documentElement.lang") == "zh-Hant"
        assert "節點" in br.eval("document.getElementById('kg-info').textContent")
        assert br.eval("document.querySelector('#kg-h-classes span').textContent") == "類型"
        br.eval("kgSetLang('en'); 1")
        assert br.eval(f"nodes.get({accelink}).label") == "Accelink Technologies"
        assert "nodes" in br.eval("document.getElementById('kg-info').textContent")
        assert not br.eval("document.getElementById('kg-query-link').offsetParent")  # not served: no query page

        # no two labels overlap at this scale
        br.eval("document.getElementById('kg-close').click(); 1")
        assert label_boxes_overlapping(br) == []
        br.eval("network.setOptions({nodes: {scaling: {label: {drawThreshold: 9}}}}); network.moveTo({scale: 0.8, animation: false}); 1")
        time.sleep(0.5)
        br.screenshot(ROOT / "docs" / "viewer-overview.png")
        br.drain()
        assert not [u for u in br.requests() if not u.startswith(("file:", "data:", "about:"))]
        assert br.errors() == []


@needs_chromium
def test_served_viewer_links_to_the_query_page(corpus):
    from kg.store import KGStore

    store, _ = corpus
    s = KGStore(str(store), read_only=True, create=False)
    with running(s) as server, Chromium(offline=False) as br:
        br.navigate(f"{server.url}#entity=Accelink")
        assert br.wait_for("document.body && document.body.getAttribute('data-drawn') === '1'", timeout=60)
        assert br.wait_for("!document.getElementById('kg-panel').hidden", timeout=10)
        link = br.eval("(function () { var a = document.getElementById('kg-query-link');"
                       " return a.hidden ? null : a.href; })()")
        assert link == f"{server.url}query"
        assert br.errors() == []
    del s
