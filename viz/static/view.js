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
  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var st = styles[n.kind] || { color: "#666666", shape: "ellipse" };
    var node = {
      id: n.id, label: n.label, kind: n.kind, name: n.name, title: tip(n.tip), shape: st.shape,
      size: n.size, color: { background: st.color, border: st.color, highlight: { background: st.color, border: "#202124" },
        hover: { background: st.color, border: "#202124" } },
      font: { size: 12, color: "#202124", strokeWidth: 3, strokeColor: "#ffffff" }, borderWidth: 1
    };
    if (n.center) {
      node.size = n.size + 8; node.borderWidth = 5; node.x = 0; node.y = 0;
      node.color = { background: st.color, border: "#202124", highlight: { background: st.color, border: "#000000" },
        hover: { background: st.color, border: "#000000" } };
      node.font = { size: 16, color: "#000000", strokeWidth: 4, strokeColor: "#ffffff", bold: true };
      node.shadow = { enabled: true, size: 12, x: 0, y: 0, color: "rgba(0,0,0,0.45)" };
    }
    return node;
  }));
  var edges = new vis.DataSet(data.edges.map(function (e) {
    var c = relColors[e.type] || "#444444";
    return { id: e.id, from: e.from, to: e.to, type: e.type, label: e.type, title: tip(e.tip), width: e.width,
      arrows: { to: { enabled: true, scaleFactor: 0.5 } }, color: { color: c, highlight: c, hover: c, opacity: 0.75 },
      font: { size: 9, color: c, strokeWidth: 3, strokeColor: "#ffffff", align: "middle" }, smooth: false };
  }));

  var shownKinds = {}, shownRels = {};
  Object.keys(styles).forEach(function (k) { shownKinds[k] = true; });
  Object.keys(relColors).forEach(function (r) { shownRels[r] = true; });
  var nodeView = new vis.DataView(nodes, { filter: function (n) { return n.id === data.center || shownKinds[n.kind] !== false; } });
  var edgeView = new vis.DataView(edges, { filter: function (e) { return shownRels[e.type] !== false; } });

  // header
  text("kg-title", data.title);
  document.title = "kg \u2014 " + data.title;
  text("kg-counts", data.nodes.length + " nodes, " + data.edges.length + " edges");
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
    box.addEventListener("change", function () { state[name] = box.checked; nodeView.refresh(); edgeView.refresh(); });
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
  Object.keys(relColors).forEach(function (r) {
    var sw = el("span", "kg-swatch kg-line"); sw.style.background = relColors[r];
    filterRow(rf, r, relCounts[r] || 0, sw, shownRels);
  });

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
  var done = false;
  function stabilized() {
    if (done) { return; }
    done = true;
    network.setOptions({ physics: { enabled: false } });
    network.fit();
    text("kg-status", "Layout done.");
    window.kgStabilized = true;
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
    network.selectNodes(ids.filter(function (id) { return nodeView.get(id) !== null; }));
    network.focus(hit.id, { scale: 1.2, animation: { duration: 400 } });
    text("kg-search-status", exact ? "Found." : partial.length + " match" + (partial.length === 1 ? "" : "es") + ".");
  }
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { search(); } });
  input.addEventListener("change", search);
  document.getElementById("kg-search-go").addEventListener("click", search);
}());
