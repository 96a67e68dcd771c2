/* kg neighbourhood view. Every text from the data reaches the DOM through textContent only. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  window.kgStabilized = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function text(id, value) { document.getElementById(id).textContent = value; }

  function tip(t) {
    var box = el("div", "kg-tip");
    box.appendChild(el("div", "kg-tip-title", t.heading));
    t.rows.forEach(function (row) {
      var line = el("div", "kg-tip-row");
      line.appendChild(el("span", "kg-tip-key", row[0] + ": "));
      line.appendChild(el("span", "kg-tip-val", row[1]));
      box.appendChild(line);
    });
    return box;
  }

  var styles = data.nodeStyles, relColors = data.relColors;
  var LABEL_PX = 12, EDGE_LABEL_PX = 10;  // label sizes on screen, whatever the zoom
  var EDGE_LABEL_SCALE = 0.8;  // edge labels only from this zoom on
  var fullLabel = {}, rankOf = {}, groupOf = {}, isGroup = {};
  var collapsed = {};  // group id -> true while its members are shown as one node
  (data.groups || []).forEach(function (g) { collapsed[g.id] = true; isGroup[g.id] = true; });
  data.nodes.forEach(function (n) { fullLabel[n.id] = n.label; rankOf[n.id] = n.rank; groupOf[n.id] = n.group; });
  var nodeList = data.nodes.map(function (n) {
    var st = styles[n.kind] || { color: "#666666", shape: "ellipse" };
    var node = {
      id: n.id, label: n.label, kind: n.kind, name: n.name, title: tip(n.tip), shape: st.shape,
      size: n.size, color: { background: st.color, border: st.color, highlight: { background: st.color, border: "#202124" },
        hover: { background: st.color, border: "#202124" } },
      font: { size: LABEL_PX, color: "#202124", strokeWidth: 3, strokeColor: "#ffffff" }, borderWidth: 1
    };
    if (n.center) {
      node.size = n.size + 8; node.borderWidth = 5; node.x = 0; node.y = 0;
      node.color = { background: st.color, border: "#202124", highlight: { background: st.color, border: "#000000" },
        hover: { background: st.color, border: "#000000" } };
      node.font = { size: LABEL_PX + 4, color: "#000000", strokeWidth: 4, strokeColor: "#ffffff", bold: true };
      node.shadow = { enabled: true, size: 12, x: 0, y: 0, color: "rgba(0,0,0,0.45)" };
    }
    return node;
  });
  // a group node stands for a node's neighbours that link to nothing else ("54 papers"): a click shows them
  var groupEdges = [];
  (data.groups || []).forEach(function (g) {
    var st = styles[g.kind] || { color: "#666666", shape: "ellipse" };
    fullLabel[g.id] = g.label; rankOf[g.id] = -1;
    nodeList.push({ id: g.id, label: g.label, kind: g.kind, name: g.label, title: tip(g.tip), shape: st.shape,
      size: 16 + Math.min(20, Math.sqrt(g.members.length) * 2), isGroup: true,
      color: { background: "#ffffff", border: st.color, highlight: { background: "#ffffff", border: "#202124" },
        hover: { background: "#ffffff", border: "#202124" } }, borderWidth: 3, shapeProperties: { borderDashes: [4, 3] },
      font: { size: LABEL_PX, color: "#202124", strokeWidth: 3, strokeColor: "#ffffff", bold: true } });
    var rels = Object.keys(g.rels);
    rels.forEach(function (r, i) {
      var c = relColors[r] || "#444444", side = (i - (rels.length - 1) / 2) * 0.35;  // drawn apart, as parallel edges are
      groupEdges.push({ id: g.id + "|" + r, from: g.id, to: g.anchor, type: r, label: r, groupEdge: g.id,
        title: tip({ heading: g.label + " \u2014" + r + "\u2192 " + (g.tip.rows[0] || ["", ""])[1], rows: [["links", String(g.rels[r])]] }),
        width: 1 + Math.log2(g.rels[r]), arrows: { to: { enabled: true, scaleFactor: 0.5 } },
        color: { color: c, highlight: c, hover: c, opacity: 0.75 }, dashes: false,
        font: { size: EDGE_LABEL_PX, color: c, strokeWidth: 3, strokeColor: "#ffffff", align: "horizontal" },
        smooth: side === 0 ? false : { enabled: true, type: side > 0 ? "curvedCW" : "curvedCCW", roundness: Math.min(0.9, Math.abs(side)) } });
    });
  });
  var nodes = new vis.DataSet(nodeList);
  var edgeList = data.edges.map(function (e) {
    var c = relColors[e.type] || "#444444";
    fullLabel[e.id] = e.type;
    return { id: e.id, from: e.from, to: e.to, type: e.type, label: e.type, title: tip(e.tip), width: e.width,
      arrows: { to: { enabled: true, scaleFactor: 0.5 } }, color: { color: c, highlight: c, hover: c, opacity: 0.75 },
      dashes: e.derived ? [8, 5] : false, derived: e.derived, memberOf: e.group,
      font: { size: EDGE_LABEL_PX, color: c, strokeWidth: 3, strokeColor: "#ffffff", align: "horizontal" },
      smooth: e.curve || false };
  });
  groupEdges.forEach(function (e) { fullLabel[e.id] = e.type; edgeList.push(e); });
  var edges = new vis.DataSet(edgeList);

  var shownKinds = {}, shownRels = {};
  Object.keys(styles).forEach(function (k) { shownKinds[k] = true; });
  Object.keys(relColors).forEach(function (r) { shownRels[r] = true; });
  function hiddenByGroup(id) { var g = groupOf[id]; return Boolean(g && collapsed[g]); }
  var nodeView = new vis.DataView(nodes, { filter: function (n) {
    if (n.id === data.center) { return true; }
    if (n.isGroup) { return collapsed[n.id] === true && shownKinds[n.kind] !== false; }
    return shownKinds[n.kind] !== false && !hiddenByGroup(n.id);
  } });
  var edgeView = new vis.DataView(edges, { filter: function (e) {
    if (shownRels[e.type] === false) { return false; }
    if (e.groupEdge) { return collapsed[e.groupEdge] === true; }
    return !(e.memberOf && collapsed[e.memberOf]);
  } });

  // header
  text("kg-title", data.title);
  document.title = "kg \u2014 " + data.title;
  text("kg-counts", data.nodes.length + " nodes, " + data.edges.length + " edges" +
    ((data.groups || []).length ? " (" + data.groups.length + " group" + (data.groups.length === 1 ? "" : "s") +
      " of neighbours shown as one node: click one to show them)" : ""));
  if (data.omitted > 0) {
    var om = document.getElementById("kg-omitted");
    om.textContent = (data.omittedExact ? "" : "At least ") + data.omitted + " more node" + (data.omitted === 1 ? "" : "s") +
      " left out by the limit of " + data.limit + " (raise --limit to see more).";
    om.hidden = false;
  } else if (data.omittedExact === false) {
    var om2 = document.getElementById("kg-omitted");
    om2.textContent = "The limit of " + data.limit + " nodes was reached before the full depth was searched.";
    om2.hidden = false;
  }

  // legend + filters
  function countBy(list, key) { var c = {}; list.forEach(function (x) { c[x[key]] = (c[x[key]] || 0) + 1; }); return c; }
  var kindCounts = countBy(data.nodes, "kind"), relCounts = countBy(data.edges, "type");
  function filterRow(container, name, count, swatch, state) {
    var label = el("label", "kg-filter");
    var box = el("input"); box.type = "checkbox"; box.checked = true; box.value = name;
    box.addEventListener("change", function () { state[name] = box.checked; nodeView.refresh(); edgeView.refresh(); declutterSoon(); });
    label.appendChild(box); label.appendChild(swatch); label.appendChild(el("span", null, name));
    label.appendChild(el("span", "kg-count", "(" + count + ")"));
    container.appendChild(label);
  }
  var nf = document.getElementById("kg-node-filters"), rf = document.getElementById("kg-rel-filters");
  Object.keys(styles).forEach(function (k) {
    var sw = el("span", "kg-swatch kg-" + styles[k].shape); sw.style.background = styles[k].color;
    filterRow(nf, k, kindCounts[k] || 0, sw, shownKinds);
  });
  if (data.center) {
    var cl = el("div", "kg-filter"); cl.appendChild(el("span", "kg-swatch kg-center")); cl.appendChild(el("span", null, "centre (always shown)"));
    nf.appendChild(cl);
  }
  var derivedRels = {};
  (data.derivedRels || []).forEach(function (r) { derivedRels[r] = true; });
  Object.keys(relColors).forEach(function (r) {
    var sw = el("span", "kg-swatch kg-line" + (derivedRels[r] ? " kg-dashed" : ""));
    sw.style.borderTopColor = relColors[r];
    filterRow(rf, r, relCounts[r] || 0, sw, shownRels);
    var help = (data.relHelp || {})[r];
    if (help) { rf.appendChild(el("div", "kg-rel-help", help)); }
  });
  if ((data.derivedRels || []).length) {
    var dl = el("div", "kg-filter"); var dsw = el("span", "kg-swatch kg-line kg-dashed"); dsw.style.borderTopColor = "#5f6368";
    dl.appendChild(dsw); dl.appendChild(el("span", "kg-hint", "dashed: entity to entity, derived from the papers (hover one for their sentences)"));
    rf.appendChild(dl);
  }

  // network
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, {
    layout: { randomSeed: 7, improvedLayout: data.nodes.length <= 100 },
    physics: { enabled: true, solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: -60, springLength: 110, springConstant: 0.06, avoidOverlap: 0.4 },
      stabilization: { enabled: true, iterations: data.iterations || 400, updateInterval: 50, fit: true }, maxVelocity: 60, minVelocity: 1 },
    interaction: { hover: true, tooltipDelay: typeof window.kgTooltipDelay === "number" ? window.kgTooltipDelay : 120,
      hideEdgesOnDrag: data.edges.length > 500, navigationButtons: false, keyboard: false, multiselect: false },
    nodes: { scaling: { label: { enabled: false } } },
    edges: { selectionWidth: 2, hoverWidth: 1.5 }
  });
  window.kgNetwork = network;

  // Labels: drawn at one size on screen whatever the zoom, and only as many as fit without
  // overlapping, best-ranked first (the centre, then the entities with most papers): zooming
  // in spreads the nodes apart and shows more. Every label is in its tooltip and the search.
  var measure = document.createElement("canvas").getContext("2d");
  var widthCache = {};
  function textWidth(t, px, bold) {
    var k = px + (bold ? "b" : "") + t;
    if (widthCache[k] === undefined) { measure.font = (bold ? "bold " : "") + px + "px arial"; widthCache[k] = measure.measureText(t).width; }
    return widthCache[k];
  }
  function overlaps(a, list) {
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) { return true; }
    }
    return false;
  }
  function declutter() {
    var scale = network.getScale(), pos = network.getPositions(), placed = [], nodeUpdates = [], edgeUpdates = [];
    var rect = container.getBoundingClientRect();
    var visible = nodeView.getIds().filter(function (id) { return pos[id]; });
    visible.sort(function (a, b) { return (rankOf[a] === undefined ? 1e9 : rankOf[a]) - (rankOf[b] === undefined ? 1e9 : rankOf[b]); });
    // the shapes themselves, so labels do not cover nodes either
    var shapes = visible.map(function (id) {
      var p = network.canvasToDOM(pos[id]), r = (nodes.get(id).size || 10) * scale;
      return { l: p.x - r, r: p.x + r, t: p.y - r, b: p.y + r, id: id };
    });
    visible.forEach(function (id) {
      var n = nodes.get(id), center = id === data.center, px = center ? LABEL_PX + 4 : LABEL_PX, pad = 3;
      var p = network.canvasToDOM(pos[id]), r = (n.size || 10) * scale + (center ? 8 * scale : 0);
      var w = textWidth(fullLabel[id], px, center || n.isGroup) + 2 * pad, h = px * 1.25 + 2 * pad;
      var box = { l: p.x - w / 2, r: p.x + w / 2, t: p.y + r, b: p.y + r + h };
      var inView = box.r > 0 && box.l < rect.width && box.b > 0 && box.t < rect.height;
      var show = center || (inView && !overlaps(box, placed) && !overlaps(box, shapes.filter(function (s) { return s.id !== id; })));
      if (show) { placed.push(box); }
      var want = show ? fullLabel[id] : "", size = px / scale;
      if (n.label !== want || Math.abs((n.font && n.font.size) - size) > 1e-6) {
        var font = Object.assign({}, n.font, { size: size });
        nodeUpdates.push({ id: id, label: want, font: font });
      }
    });
    edgeView.getIds().forEach(function (id) {
      // (vis-network keeps an edge's old label when given "", so a hidden one is a space)
      var e = edges.get(id), a = pos[e.from], b = pos[e.to], want = " ";
      if (a && b && scale >= EDGE_LABEL_SCALE) {  // relation names once zoomed in (colours tell them apart before)
        var body = network.body.edges[id], mid = body && body.edgeType && body.edgeType.getPoint ? body.edgeType.getPoint(0.5) : { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
        var p = network.canvasToDOM(mid), w = textWidth(fullLabel[id], EDGE_LABEL_PX, false) + 6, h = EDGE_LABEL_PX * 1.25 + 6;
        var box = { l: p.x - w / 2, r: p.x + w / 2, t: p.y - h / 2, b: p.y + h / 2 };
        var inView = box.r > 0 && box.l < rect.width && box.b > 0 && box.t < rect.height;
        if (inView && !overlaps(box, placed) && !overlaps(box, shapes)) { placed.push(box); want = fullLabel[id]; }
      }
      var size = EDGE_LABEL_PX / scale;
      if (e.label !== want || Math.abs(e.font.size - size) > 1e-6) {
        edgeUpdates.push({ id: id, label: want, font: Object.assign({}, e.font, { size: size }) });
      }
    });
    if (nodeUpdates.length) { nodes.update(nodeUpdates); }
    if (edgeUpdates.length) { edges.update(edgeUpdates); }
    window.kgLabelsShown = placed.length;
    window.kgDecluttered = (window.kgDecluttered || 0) + 1;
  }
  var declutterTimer = null;
  function declutterSoon() {
    if (!window.kgStabilized) { return; }
    if (declutterTimer) { clearTimeout(declutterTimer); }
    declutterTimer = setTimeout(function () { declutterTimer = null; declutter(); }, 120);
  }
  window.kgDeclutter = declutter;
  network.on("zoom", declutterSoon);
  network.on("dragEnd", declutterSoon);
  network.on("resize", declutterSoon);

  // a click on a group node shows its members around it
  function expand(gid) {
    var g = (data.groups || []).filter(function (x) { return x.id === gid; })[0];
    if (!g || !collapsed[gid]) { return; }
    var pos = network.getPositions([gid, g.anchor]), c = pos[gid], a = pos[g.anchor] || c;
    var n = g.members.length, ring = Math.max(90, n * 34 / (2 * Math.PI));
    var away = Math.atan2(c.y - a.y, c.x - a.x), spread = Math.min(2 * Math.PI, Math.max(Math.PI / 2, n * 0.25));
    nodes.update(g.members.map(function (m, i) {
      var t = away - spread / 2 + spread * (n === 1 ? 0.5 : i / (n - 1));
      return { id: m, x: c.x + ring * Math.cos(t), y: c.y + ring * Math.sin(t) };
    }));
    collapsed[gid] = false;
    nodeView.refresh(); edgeView.refresh();
    text("kg-status", g.label + " shown.");
    declutterSoon();
  }
  window.kgExpand = expand;
  network.on("click", function (params) {
    if (params.nodes.length === 1 && isGroup[params.nodes[0]]) { expand(params.nodes[0]); }
  });

  var done = false;
  function stabilized() {
    if (done) { return; }
    done = true;
    network.setOptions({ physics: { enabled: false } });
    network.fit();
    text("kg-status", "Layout done.");
    window.kgStabilized = true;
    declutter();
  }
  network.on("stabilizationProgress", function (p) { text("kg-status", "Laying out\u2026 " + Math.round(100 * p.iterations / p.total) + "%"); });
  network.once("stabilizationIterationsDone", stabilized);
  network.once("stabilized", stabilized);
  if (data.nodes.length < 2) { stabilized(); }

  // search
  var names = document.getElementById("kg-names");
  data.nodes.slice().sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; }).forEach(function (n) {
    var o = document.createElement("option"); o.value = n.name; names.appendChild(o);
  });
  var input = document.getElementById("kg-search");
  function search() {
    var q = input.value.trim().toLowerCase();
    if (!q) { text("kg-search-status", ""); network.unselectAll(); return; }
    var exact = null, partial = [];
    data.nodes.forEach(function (n) {
      var name = n.name.toLowerCase();
      if (name === q || n.id.toLowerCase() === q) { exact = exact || n; } else if (name.indexOf(q) >= 0) { partial.push(n); }
    });
    var hit = exact || partial[0];
    if (!hit) { text("kg-search-status", "No node matches."); network.unselectAll(); return; }
    var ids = exact ? [exact.id] : partial.map(function (n) { return n.id; });
    ids.forEach(function (id) { if (groupOf[id] && collapsed[groupOf[id]]) { expand(groupOf[id]); } });
    network.selectNodes(ids.filter(function (id) { return nodeView.get(id) !== null; }));
    network.focus(hit.id, { scale: 1.2, animation: { duration: 400 } });
    text("kg-search-status", exact ? "Found." : partial.length + " match" + (partial.length === 1 ? "" : "es") + ".");
  }
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { search(); } });
  input.addEventListener("change", search);
  document.getElementById("kg-search-go").addEventListener("click", search);
}());
