/* kg graph viewer: search, filters, legend and side panel over the vis network built by kg/view.py.
 * Globals from the page: KG (data), nodes, edges (vis.DataSet), network (vis.Network).
 * Every text from articles is put in the page with textContent / createElement, never innerHTML. */
(function () {
  "use strict";
  var LANG = KG.lang;
  var UI = KG.ui;
  var N = KG.nodes, E = KG.edges;
  var LABEL_SCALE = KG.labelScale || 8 / 14; // below this zoom vis hides node labels (drawThreshold)

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(s, o) {
    return s.replace(/\{(\w+)\}/g, function (_, k) { return String(o[k]); });
  }
  function safeUrl(u) {
    if (typeof u !== "string") return null;
    try {
      var p = new URL(u.trim());
      return (p.protocol === "http:" || p.protocol === "https:") ? p.href : null;
    } catch (e) { return null; }
  }

  // --- folding: the same key as kg.normalise.fold_key, with a per-character t2s table ---------
  function fold(s) {
    var out = "";
    for (var ch of String(s)) {
      var c = KG.fold[ch] || ch;
      var code = c.codePointAt(0);
      if (code >= 0xFF01 && code <= 0xFF5E) c = String.fromCodePoint(code - 0xFEE0);
      else if (code === 0x3000) c = " ";
      out += c;
    }
    return out.toLowerCase().replace(/[\s·•\-_]+/g, "").replace(/（/g, "(").replace(/）/g, ")");
  }

  // --- adjacency -------------------------------------------------------------------------------
  var incident = N.map(function () { return []; });
  E.forEach(function (e, j) { incident[e.f].push(j); if (e.t !== e.f) incident[e.t].push(j); });

  function clsLabel(c) { return (KG.classes[c] || {}).label || c; }
  function relLabel(p) { return KG.relations[p] || p; }

  // --- header, note, zoom hint ----------------------------------------------------------------
  var search = document.getElementById("kg-search");
  var results = document.getElementById("kg-results");
  var info = document.getElementById("kg-info");
  var note = document.getElementById("kg-note");
  var served = location.protocol === "http:" || location.protocol === "https:";
  var queryLink = document.getElementById("kg-query-link");
  if (served) { queryLink.href = "/query"; queryLink.hidden = false; }  // kg serve's SPARQL query page
  function headerText() {
    search.placeholder = UI.search;
    queryLink.textContent = UI.queryPage;
    if (KG.omitted > 0) {
      note.textContent = fmt(UI.omitted, {n: KG.omitted, t: KG.total});
      note.hidden = false;
    }
  }
  headerText();
  var hint = document.getElementById("kg-zoomhint");
  function updateHint() { hint.textContent = network.getScale() < LABEL_SCALE && N.length ? UI.zoom : ""; }
  network.on("zoom", updateHint);
  network.once("afterDrawing", updateHint);

  // --- labels of big graphs: only for what is in view, once zoomed in ----------------------
  if (KG.lazyLabels) {
    var shownN = new Set(), shownE = new Set(), timer = null, arrows = false;
    var box = document.getElementById("mynetwork");
    var refreshLabels = function () {
      timer = null;
      var wantN = new Set(), wantE = new Set();
      if (network.getScale() >= LABEL_SCALE) {
        var a = network.DOMtoCanvas({x: 0, y: 0}), b = network.DOMtoCanvas({x: box.clientWidth, y: box.clientHeight});
        var pos = network.getPositions();
        for (var id in pos) {
          var p = pos[id];
          if (p.x >= a.x && p.x <= b.x && p.y >= a.y && p.y <= b.y) wantN.add(+id);
        }
        wantN.forEach(function (i) { incident[i].forEach(function (j) { wantE.add(j); }); });
      }
      var zoomed = network.getScale() >= LABEL_SCALE;
      if (zoomed !== arrows) {  // arrows too cost a lot on 10k+ edges: drawn once zoomed in
        arrows = zoomed;
        network.setOptions({edges: {arrows: {to: {enabled: zoomed, scaleFactor: 0.5}}}});
      }
      var nu = [], eu = [];
      wantN.forEach(function (i) { if (!shownN.has(i)) nu.push({id: i, label: N[i].label}); });
      shownN.forEach(function (i) { if (!wantN.has(i)) nu.push({id: i, label: ""}); });
      wantE.forEach(function (j) { if (!shownE.has(j)) eu.push({id: j, label: relLabel(E[j].p)}); });
      shownE.forEach(function (j) { if (!wantE.has(j)) eu.push({id: j, label: ""}); });
      shownN = wantN; shownE = wantE;
      if (nu.length) nodes.update(nu);
      if (eu.length) edges.update(eu);
    };
    var later = function () { if (timer === null) timer = setTimeout(refreshLabels, 150); };
    ["zoom", "dragEnd", "animationFinished"].forEach(function (ev) { network.on(ev, later); });
    window.kgRefreshLabels = refreshLabels;
    window.kgResetLabels = function () {  // the language changed: new text for the labels in view
      var nu = [], eu = [];
      shownN.forEach(function (i) { nu.push({id: i, label: N[i].label}); });
      shownE.forEach(function (j) { eu.push({id: j, label: relLabel(E[j].p)}); });
      if (nu.length) nodes.update(nu);
      if (eu.length) edges.update(eu);
    };
  }

  // --- filters and legend ---------------------------------------------------------------------
  // Entities no relation links are hidden until the toggle shows them (kg/view.py hides them in
  // the DataSet already); one picked by search or #entity= stays visible ("pinned").
  var offCls = {}, offRel = {}, pinned = {};
  var isolatedBox = document.getElementById("kg-isolated");
  var isolatedLabel = document.getElementById("kg-isolated-label");
  var nIsolated = N.filter(function (n) { return !n.deg; }).length;
  var nodeHidden = N.map(function (n) { return !n.deg; });
  var edgeHidden = E.map(function () { return false; });

  function updateCounts() {
    var vn = 0, ve = 0;
    nodeHidden.forEach(function (h) { if (!h) vn++; });
    edgeHidden.forEach(function (h) { if (!h) ve++; });
    info.textContent = fmt(UI.shownOf, {n: vn, t: N.length, e: ve, f: E.length});
    info.setAttribute("data-nodes", vn);
    info.setAttribute("data-edges", ve);
  }

  function applyFilters() {
    var nu = [], eu = [];
    N.forEach(function (n, i) {
      var h = !pinned[i] && (!!offCls[n.cls] || (!n.deg && !isolatedBox.checked));
      if (h !== nodeHidden[i]) { nodeHidden[i] = h; nu.push({id: i, hidden: h}); }
    });
    E.forEach(function (e, j) {
      var h = !!offRel[e.p] || nodeHidden[e.f] || nodeHidden[e.t];
      if (h !== edgeHidden[j]) { edgeHidden[j] = h; eu.push({id: j, hidden: h}); }
    });
    if (nu.length) nodes.update(nu);
    if (eu.length) edges.update(eu);
    updateCounts();
  }
  isolatedBox.checked = false;
  isolatedBox.addEventListener("change", applyFilters);
  document.getElementById("kg-isolated-box").hidden = nIsolated === 0;
  window.kgApplyFilters = applyFilters;

  function checklist(boxId, headId, uiKey, entries, off, swatch) {
    var title = el("span", null, UI[uiKey]);
    title.setAttribute("data-ui", uiKey);
    document.getElementById(headId).appendChild(title);
    var box = document.getElementById(boxId);
    var inputs = [];
    entries.forEach(function (ent) {
      var lab = el("label");
      var cb = el("input");
      cb.type = "checkbox";
      cb.checked = true;
      cb.setAttribute("data-key", ent.key);
      cb.addEventListener("change", function () { off[ent.key] = !cb.checked; applyFilters(); });
      inputs.push(cb);
      lab.appendChild(cb);
      if (swatch) {
        var sw = el("span", "kg-swatch " + ent.shape);
        sw.style.background = ent.color;
        lab.appendChild(sw);
      }
      var name = el("span", null, ent.label);
      legendNames.push([name, ent.kind, ent.key]);
      lab.appendChild(name);
      lab.appendChild(el("span", "kg-count", ent.count));
      box.appendChild(lab);
    });
    var head = document.getElementById(headId);
    [["all", true], ["none", false]].forEach(function (b) {
      var btn = el("button", null, UI[b[0]]);
      btn.setAttribute("data-ui", b[0]);
      btn.type = "button";
      btn.addEventListener("click", function () {
        inputs.forEach(function (cb) { cb.checked = b[1]; off[cb.getAttribute("data-key")] = !b[1]; });
        applyFilters();
      });
      head.appendChild(btn);
    });
  }
  var legendNames = [];
  var clsCount = {}, relCount = {};
  N.forEach(function (n) { clsCount[n.cls] = (clsCount[n.cls] || 0) + 1; });
  E.forEach(function (e) { relCount[e.p] = (relCount[e.p] || 0) + 1; });
  checklist("kg-classes", "kg-h-classes", "classes", Object.keys(KG.classes).map(function (c) {
    return {key: c, kind: "cls", label: KG.classes[c].label, color: KG.classes[c].color, shape: KG.classes[c].shape, count: clsCount[c] || 0};
  }).sort(function (a, b) { return b.count - a.count; }), offCls, true);
  checklist("kg-relations", "kg-h-relations", "relations", Object.keys(KG.relations).map(function (p) {
    return {key: p, kind: "rel", label: KG.relations[p], count: relCount[p] || 0};
  }).sort(function (a, b) { return b.count - a.count; }), offRel, false);

  // --- side panel -----------------------------------------------------------------------------
  var panel = document.getElementById("kg-panel");
  var body = document.getElementById("kg-panel-body");
  var current = null;  // ["node", i] or ["edge", j]: redrawn when the language changes
  document.getElementById("kg-close").addEventListener("click", function () {
    panel.hidden = true; current = null; network.unselectAll();
  });

  function nodeLink(i) {
    var b = el("button", "kg-link", N[i].label);
    b.type = "button";
    b.addEventListener("click", function () { focusNode(i); });
    return b;
  }

  function sourceLink(d) {
    var u = d ? safeUrl(d.url) : null;
    if (!u) return null;
    var a = el("a", null, UI.source);
    a.href = u;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function docLine(d) {
    var line = el("span");
    var parts = [];
    if (d.title) parts.push(d.title);
    if (d.date) parts.push(d.date);
    line.appendChild(el("span", null, parts.join(" · ")));
    var a = sourceLink(d);
    if (a) { if (parts.length) line.appendChild(el("span", null, " · ")); line.appendChild(a); }
    return line;
  }

  function newestFirst(a, b) {
    var da = (a && a.date) || "", db = (b && b.date) || "";
    return da < db ? 1 : da > db ? -1 : 0;
  }

  // The facts behind one edge, grouped by sentence: "N documents say this", newest first, with
  // the documents behind a <details> (300 reprints of one sentence are one group, not 300).
  function factBox(e) {
    var box = el("div", "kg-fact");
    var head = el("div");
    head.appendChild(nodeLink(e.f));
    head.appendChild(el("span", "kg-rel", " — " + relLabel(e.p) + " → "));
    head.appendChild(nodeLink(e.t));
    box.appendChild(head);
    var groups = {}, order = [];
    e.facts.forEach(function (f) {
      var s = f[0] >= 0 ? KG.sents[f[0]] : null;
      var text = s ? s[0].replace(/\s+/g, " ").trim() : "";
      var g = groups[text];
      if (!g) { g = groups[text] = {text: s ? s[0] : null, docs: [], seen: {}, roles: {}, conf: null}; order.push(g); }
      var d = s && s[1] >= 0 ? KG.docs[s[1]] : null;
      if (d && !g.seen[d.iri]) { g.seen[d.iri] = 1; g.docs.push(d); }
      if (f[2]) g.roles[f[2]] = 1;
      if (f[1] !== null && f[1] !== undefined && (g.conf === null || f[1] > g.conf)) g.conf = f[1];
    });
    order.forEach(function (g) { g.docs.sort(newestFirst); });
    order.sort(function (a, b) { return newestFirst(a.docs[0], b.docs[0]); });
    order.forEach(function (g) {
      var gb = el("div", "kg-group");
      if (g.text) gb.appendChild(el("blockquote", "kg-sent", g.text));
      var meta = el("div", "kg-meta");
      var parts = [];
      var roles = Object.keys(g.roles);
      if (roles.length) parts.push(UI.role + ": " + roles.join(" / "));
      if (g.conf !== null) parts.push(UI.confidence + " " + g.conf);
      if (g.docs.length === 1) {
        meta.appendChild(docLine(g.docs[0]));
        if (parts.length) meta.appendChild(el("span", null, " · " + parts.join(" · ")));
        gb.appendChild(meta);
      } else {
        if (parts.length) { meta.appendChild(el("span", null, parts.join(" · "))); gb.appendChild(meta); }
        var det = el("details", "kg-docs");
        det.appendChild(el("summary", null, g.docs.length ? fmt(UI.say, {n: g.docs.length}) : ""));
        var ul = el("ul");
        g.docs.forEach(function (d) { var li = el("li"); li.appendChild(docLine(d)); ul.appendChild(li); });
        det.appendChild(ul);
        gb.appendChild(det);
      }
      box.appendChild(gb);
    });
    return box;
  }

  function measureTable(n) {
    var t = el("table", "kg-measures");
    n.m.forEach(function (m) {  // [kind, value, unit, year, sentence]
      var tr = el("tr");
      tr.appendChild(el("td", null, m[0] || ""));
      tr.appendChild(el("td", "kg-num", m[1] + (m[2] ? " " + m[2] : "")));
      tr.appendChild(el("td", null, m[3] ? UI.year + " " + m[3] : ""));
      var s = m[4] >= 0 ? KG.sents[m[4]] : null;
      var d = s && s[1] >= 0 ? KG.docs[s[1]] : null;
      var src = el("td");
      if (d) src.appendChild(docLine(d));
      tr.appendChild(src);
      if (s) tr.title = s[0];  // the sentence, as a tooltip (title is text, not markup)
      t.appendChild(tr);
    });
    return t;
  }

  function localName(iri) { return iri.slice(iri.lastIndexOf("/") + 1); }

  function showNode(i) {
    var n = N[i];
    current = ["node", i];
    body.replaceChildren();
    body.appendChild(el("h3", null, n.label));
    var iri = n.iri;
    try { iri = decodeURI(iri); } catch (e) { /* keep it encoded */ }
    body.appendChild(el("div", "kg-iri", iri));
    body.appendChild(el("h4", null, UI.type));
    body.appendChild(el("div", null, n.cls ? clsLabel(n.cls) : (KG.classes[""] || {}).label || ""));
    body.appendChild(el("h4", null, UI.names));
    var ul = el("ul");
    Object.keys(n.labels).forEach(function (k) { ul.appendChild(el("li", null, n.labels[k] + "  (" + k + ")")); });
    n.alt.forEach(function (a) { ul.appendChild(el("li", null, a)); });
    body.appendChild(ul);
    if (n.m && n.m.length) {
      body.appendChild(el("h4", null, UI.measurements + " (" + n.m.length + ")"));
      body.appendChild(measureTable(n));
    }
    body.appendChild(el("h4", null, UI.facts + " (" + incident[i].length + ")"));
    incident[i].forEach(function (j) { body.appendChild(factBox(E[j])); });
    panel.hidden = false;
    panel.scrollTop = 0;
    var frag = "#entity=" + encodeURIComponent(localName(n.iri));
    if (location.hash !== frag) {
      try { history.replaceState(null, "", frag); } catch (e) { /* a sandboxed page: no deep link */ }
    }
  }

  function showEdge(j) {
    current = ["edge", j];
    body.replaceChildren();
    body.appendChild(el("h3", null, relLabel(E[j].p)));
    body.appendChild(factBox(E[j]));
    panel.hidden = false;
  }

  function focusNode(i) {
    results.hidden = true;
    if (nodeHidden[i]) { pinned[i] = true; applyFilters(); }
    network.selectNodes([i]);
    // vis animates frame by frame: on big graphs each frame is slow, so jump instead
    var big = N.length > 800;
    network.focus(i, {scale: Math.max(network.getScale(), 1.1),
                      animation: big ? false : {duration: 300, easingFunction: "easeInOutQuad"}});
    if (big && window.kgRefreshLabels) window.kgRefreshLabels();
    showNode(i);
  }
  window.kgFocusNode = focusNode;

  network.on("click", function (p) {
    if (p.nodes && p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges && p.edges.length) showEdge(p.edges[0]);
  });

  // --- search -----------------------------------------------------------------------------------
  var hits = [], active = 0;
  function find(q) {
    var k = fold(q);
    if (!k) return [];
    var exact = [], prefix = [], part = [];
    N.forEach(function (n, i) {
      var best = 3;
      n.keys.forEach(function (key) {
        if (key === k) best = 0;
        else if (best > 1 && key.indexOf(k) === 0) best = 1;
        else if (best > 2 && key.indexOf(k) > 0) best = 2;
      });
      if (best === 0) exact.push(i); else if (best === 1) prefix.push(i); else if (best === 2) part.push(i);
    });
    var byDeg = function (a, b) { return N[b].deg - N[a].deg; };
    return exact.sort(byDeg).concat(prefix.sort(byDeg), part.sort(byDeg)).slice(0, 15);
  }
  function renderHits() {
    results.replaceChildren();
    if (!search.value.trim()) { results.hidden = true; return; }
    if (!hits.length) {
      results.appendChild(el("li", "kg-sub", UI.nomatch));
    }
    hits.forEach(function (i, r) {
      var li = el("li", r === active ? "kg-active" : null, N[i].label);
      li.appendChild(el("span", "kg-sub", clsLabel(N[i].cls)));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); focusNode(i); });
      results.appendChild(li);
    });
    results.hidden = false;
  }
  search.addEventListener("input", function () { hits = find(search.value); active = 0; renderHits(); });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { active = Math.min(active + 1, hits.length - 1); renderHits(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { active = Math.max(active - 1, 0); renderHits(); ev.preventDefault(); }
    else if (ev.key === "Enter") { if (hits.length) focusNode(hits[active]); }
    else if (ev.key === "Escape") { results.hidden = true; }
  });
  search.addEventListener("blur", function () { results.hidden = true; });
  window.kgFind = find;

  // --- language: names, legends and UI follow the data's language; the switch changes all ---------
  var langSelect = document.getElementById("kg-lang");
  function setLang(l) {
    if (!KG.i18n || !KG.i18n[l]) return;
    LANG = l;
    UI = KG.i18n[l].ui;
    KG.relations = KG.i18n[l].relations;
    Object.keys(KG.classes).forEach(function (c) { KG.classes[c].label = KG.i18n[l].classes[c]; });
    N.forEach(function (n) { n.label = n.L[l]; });
    document.documentElement.lang = l;
    langSelect.value = l;
    langSelect.title = UI.language;
    headerText();
    isolatedLabel.textContent = fmt(UI.isolated, {n: nIsolated});
    document.querySelectorAll("#kg-side [data-ui]").forEach(function (x) { x.textContent = UI[x.getAttribute("data-ui")]; });
    legendNames.forEach(function (x) { x[0].textContent = x[1] === "cls" ? clsLabel(x[2]) : relLabel(x[2]); });
    if (KG.lazyLabels) {
      if (window.kgResetLabels) window.kgResetLabels();
    } else {
      nodes.update(N.map(function (n, i) { return {id: i, label: n.label}; }));
      edges.update(E.map(function (e, j) { return {id: j, label: relLabel(e.p)}; }));
    }
    updateCounts();
    updateHint();
    if (current && !panel.hidden) { if (current[0] === "node") showNode(current[1]); else showEdge(current[1]); }
  }
  langSelect.value = LANG;
  langSelect.addEventListener("change", function () { setLang(langSelect.value); });
  isolatedLabel.textContent = fmt(UI.isolated, {n: nIsolated});
  langSelect.title = UI.language;
  updateCounts();
  window.kgSetLang = setLang;

  // --- deep links: #entity=NAME selects an entity (kgr: local name, IRI or any of its names) ------
  function fromFragment() {
    var m = /^#entity=(.*)$/.exec(location.hash);
    if (!m) return false;
    var want;
    try { want = decodeURIComponent(m[1]); } catch (e) { want = m[1]; }
    var i = N.findIndex(function (n) { return n.iri === want || localName(n.iri) === want || localName(n.iri) === encodeURIComponent(want); });
    if (i < 0) {
      var k = fold(want);
      i = N.findIndex(function (n) { return n.keys.indexOf(k) >= 0; });
    }
    if (i < 0) return false;
    focusNode(i);
    return true;
  }
  window.addEventListener("hashchange", fromFragment);

  function firstSelection() {
    if (fromFragment()) return;
    if (KG.focus && KG.focus.length) { network.selectNodes(KG.focus); showNode(KG.focus[0]); }
  }
  // the first drawing may already be done (a page served over HTTP can draw before this runs)
  if (document.body.getAttribute("data-drawn") === "1") firstSelection();
  else network.once("afterDrawing", firstSelection);
})();
