/* kg graph viewer: search, filters, legend and side panel over the vis network built by kg/view.py.
 * Globals from the page: KG (data), nodes, edges (vis.DataSet), network (vis.Network).
 * Every text from articles is put in the page with textContent / createElement, never innerHTML. */
(function () {
  "use strict";
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
  search.placeholder = UI.search;
  document.getElementById("kg-info").textContent = fmt(UI.shown, {n: N.length, e: E.length});
  if (KG.omitted > 0) {
    var note = document.getElementById("kg-note");
    note.textContent = fmt(UI.omitted, {n: KG.omitted, t: KG.total});
    note.hidden = false;
  }
  var hint = document.getElementById("kg-zoomhint");
  function updateHint() { hint.textContent = network.getScale() < LABEL_SCALE ? UI.zoom : ""; }
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
  }

  // --- filters and legend ---------------------------------------------------------------------
  var offCls = {}, offRel = {};
  var nodeHidden = N.map(function () { return false; });
  var edgeHidden = E.map(function () { return false; });

  function applyFilters() {
    var nu = [], eu = [];
    N.forEach(function (n, i) {
      var h = !!offCls[n.cls];
      if (h !== nodeHidden[i]) { nodeHidden[i] = h; nu.push({id: i, hidden: h}); }
    });
    E.forEach(function (e, j) {
      var h = !!offRel[e.p] || nodeHidden[e.f] || nodeHidden[e.t];
      if (h !== edgeHidden[j]) { edgeHidden[j] = h; eu.push({id: j, hidden: h}); }
    });
    if (nu.length) nodes.update(nu);
    if (eu.length) edges.update(eu);
  }

  function checklist(boxId, headId, title, entries, off, swatch) {
    document.getElementById(headId).textContent = title;
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
      lab.appendChild(el("span", null, ent.label));
      lab.appendChild(el("span", "kg-count", ent.count));
      box.appendChild(lab);
    });
    var head = document.getElementById(headId);
    [[UI.all, true], [UI.none, false]].forEach(function (b) {
      var btn = el("button", null, b[0]);
      btn.type = "button";
      btn.addEventListener("click", function () {
        inputs.forEach(function (cb) { cb.checked = b[1]; off[cb.getAttribute("data-key")] = !b[1]; });
        applyFilters();
      });
      head.appendChild(btn);
    });
  }
  var clsCount = {}, relCount = {};
  N.forEach(function (n) { clsCount[n.cls] = (clsCount[n.cls] || 0) + 1; });
  E.forEach(function (e) { relCount[e.p] = (relCount[e.p] || 0) + 1; });
  checklist("kg-classes", "kg-h-classes", UI.classes, Object.keys(KG.classes).map(function (c) {
    return {key: c, label: KG.classes[c].label, color: KG.classes[c].color, shape: KG.classes[c].shape, count: clsCount[c] || 0};
  }).sort(function (a, b) { return b.count - a.count; }), offCls, true);
  checklist("kg-relations", "kg-h-relations", UI.relations, Object.keys(KG.relations).map(function (p) {
    return {key: p, label: KG.relations[p], count: relCount[p] || 0};
  }).sort(function (a, b) { return b.count - a.count; }), offRel, false);

  // --- side panel -----------------------------------------------------------------------------
  var panel = document.getElementById("kg-panel");
  var body = document.getElementById("kg-panel-body");
  document.getElementById("kg-close").addEventListener("click", function () { panel.hidden = true; network.unselectAll(); });

  function nodeLink(i) {
    var b = el("button", "kg-link", N[i].label);
    b.type = "button";
    b.addEventListener("click", function () { focusNode(i); });
    return b;
  }

  function factBox(e) {
    var box = el("div", "kg-fact");
    var head = el("div");
    head.appendChild(nodeLink(e.f));
    head.appendChild(el("span", "kg-rel", " — " + relLabel(e.p) + " → "));
    head.appendChild(nodeLink(e.t));
    box.appendChild(head);
    e.facts.forEach(function (f) {
      var s = f[0] >= 0 ? KG.sents[f[0]] : null;
      if (s) box.appendChild(el("blockquote", "kg-sent", s[0]));
      var meta = el("div", "kg-meta");
      var parts = [];
      var d = s && s[1] >= 0 ? KG.docs[s[1]] : null;
      if (d && d.title) parts.push(d.title);
      if (d && d.date) parts.push(d.date);
      if (f[2]) parts.push(UI.role + ": " + f[2]);
      if (f[1] !== null && f[1] !== undefined) parts.push(UI.confidence + " " + f[1]);
      meta.appendChild(el("span", null, parts.join(" · ")));
      var u = d ? safeUrl(d.url) : null;
      if (u) {
        meta.appendChild(el("span", null, " · "));
        var a = el("a", null, UI.source);
        a.href = u;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        meta.appendChild(a);
      }
      box.appendChild(meta);
    });
    return box;
  }

  function showNode(i) {
    var n = N[i];
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
    body.appendChild(el("h4", null, UI.facts + " (" + incident[i].length + ")"));
    incident[i].forEach(function (j) { body.appendChild(factBox(E[j])); });
    panel.hidden = false;
    panel.scrollTop = 0;
  }

  function showEdge(j) {
    body.replaceChildren();
    body.appendChild(el("h3", null, relLabel(E[j].p)));
    body.appendChild(factBox(E[j]));
    panel.hidden = false;
  }

  function focusNode(i) {
    results.hidden = true;
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

  if (KG.focus && KG.focus.length) {
    network.once("afterDrawing", function () { network.selectNodes(KG.focus); showNode(KG.focus[0]); });
  }
})();
