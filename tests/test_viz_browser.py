"""The HTML view in real headless Chromium (Debian ``chromium`` driven by Playwright).

Papers whose titles, abstracts and authors carry script payloads are ingested for real;
the view of their neighbourhood is opened with no network, every tooltip is opened by
sweeping the mouse over the canvas, and any dialog, injected script, console error or
request outside the file fails the test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, need_service

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_PAPERS = FIXTURES / "viz" / "xss-papers.jsonl"
GRID_STEP = 32


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        need_service(f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("the Python package playwright is not installed (pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page with every dialog, request, console message and page error recorded."""

    def __init__(self, browser, path: Path, tooltip_delay: int = 10):
        self.url = path.resolve().as_uri()
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1000, "height": 720}, java_script_enabled=True)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.add_init_script(f"window.kgTooltipDelay = {tooltip_delay};")
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def _route(self, route):
        if route.request.url == self.url:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, timeout_ms: int = 60_000):
        self.page.goto(self.url)
        self.page.wait_for_function("() => window.kgStabilized === true", timeout=timeout_ms)
        return self.page

    def tooltip(self) -> dict | None:
        return self.page.evaluate("""() => {
            const t = document.querySelector('div.vis-tooltip');
            if (!t || t.style.visibility !== 'visible') return null;
            return {text: t.textContent, title: (t.querySelector('.kg-tip-title') || {}).textContent || null,
                    elements: Array.from(t.querySelectorAll('*')).map(e => e.tagName.toLowerCase())};
        }""")

    def assert_clean(self):
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.page.evaluate("window.__kgXSS === undefined"), \
            f"injected script ran: {self.page.evaluate('String(window.__kgXSS)')}"
        assert self.outside == [], f"the page requested something outside the file: {self.outside}"
        assert set(self.requests) <= {self.url}, f"unexpected requests: {self.requests}"
        assert self.errors == []
        # no element a payload could have smuggled in
        smuggled = self.page.evaluate("""() => Array.from(document.querySelectorAll(
            'img,svg,iframe,object,embed,link,base,form,script:not([id="kg-data"])')).length""")
        assert smuggled == 2, "only vis-network's and our script element may exist"

    def close(self):
        self.context.close()


def sweep(watched: Watched, extra_points=()) -> list[dict]:
    """Move the mouse over the whole canvas in a grid (then over ``extra_points``); every tooltip seen."""
    page = watched.page
    box = page.locator("#kg-network canvas").bounding_box()
    seen: list[dict] = []
    points = [(box["x"] + x, box["y"] + y)
              for y in range(GRID_STEP // 2, int(box["height"]), GRID_STEP)
              for x in range(GRID_STEP // 2, int(box["width"]), GRID_STEP)]
    for x, y in points:
        page.mouse.move(x, y)
        page.wait_for_timeout(20)
        tip = watched.tooltip()
        if tip:
            seen.append(tip)
    last = None
    for x, y in extra_points:  # over an item its tooltip must come: wait for it (a loaded machine is slow)
        page.mouse.move(x, y)
        for _ in range(60):
            page.wait_for_timeout(25)
            tip = watched.tooltip()
            if tip and tip["title"] != last:  # not the previous item's tooltip still showing
                seen.append(tip)
                last = tip["title"]
                break
    return seen


def item_points(page) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Page coordinates of every node centre and every edge midpoint."""
    pts = page.evaluate("""() => {
        const net = window.kgNetwork, pos = net.getPositions(), rect = document.querySelector('#kg-network canvas').getBoundingClientRect();
        const dom = p => { const d = net.canvasToDOM(p); return [rect.left + d.x, rect.top + d.y]; };
        const nodes = Object.keys(pos).map(id => dom(pos[id]));
        const edges = Object.values(net.body.edges).map(e => dom({x: (pos[e.fromId].x + pos[e.toId].x) / 2, y: (pos[e.fromId].y + pos[e.toId].y) / 2}));
        return [nodes, edges];
    }""")
    return [tuple(p) for p in pts[0]], [tuple(p) for p in pts[1]]


def ingest(paths: list[Path], store: Path) -> None:
    from kg.cli import main

    result = CliRunner().invoke(main, ["ingest", *map(str, paths), "--store", str(store), "--quiet"])
    assert result.exit_code == 0, result.output


def view(store: Path, name: str, out: Path, *options: str) -> Path:
    from kg.cli import main

    result = CliRunner().invoke(main, ["neighbourhood", name, "--store", str(store), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return out


def test_hostile_papers_view_runs_no_script_and_shows_payloads_as_text(browser, tmp_path: Path):
    store = tmp_path / "kg.db"
    ingest([XSS_PAPERS], store)
    papers = [json.loads(line) for line in XSS_PAPERS.read_text(encoding="utf-8").splitlines()]
    out = view(store, papers[0]["title"], tmp_path / "xss.html", "--depth", "2")
    data = json.loads(out.read_text(encoding="utf-8").split('<script type="application/json" id="kg-data">')[1]
                      .split("</script>")[0])
    # the payloads really are in the view: the hostile papers are nodes, with their edges
    headings = {n["tip"]["heading"] for n in data["nodes"]}
    assert papers[0]["title"] in headings and papers[1]["title"] in headings
    assert data["edges"], "the hostile paper should be linked to what it mentions"

    watched = Watched(browser, out)
    try:
        page = watched.open()
        node_pts, edge_pts = item_points(page)
        seen = sweep(watched, node_pts + edge_pts)
        watched.assert_clean()
        titles = {t["title"] for t in seen}
        # every node's tooltip opened, and the payloads show as literal text
        assert headings <= titles, f"tooltips never opened: {headings - titles}"
        assert any(papers[0]["title"] == t["title"] for t in seen)
        # every edge's tooltip opened too (parallel edges of one pair share a line: one of them)
        pair_headings = {}
        for e in data["edges"]:
            pair_headings.setdefault(frozenset((e["from"], e["to"])), set()).add(e["tip"]["heading"])
        missing = [h for h in pair_headings.values() if not h & titles]
        assert not missing, f"edge tooltips never opened: {missing}"
        # (the loaders turn HTML tags in titles and abstracts into text, so the <img onerror=...>
        # payloads are gone before the view; the script payload in the evidence sentence stays)
        assert any("window.__kgXSS" in t["text"] for t in seen)
        assert any("</script><script>" in t["text"] for t in seen), "the evidence sentence tooltip with </script> never showed"
        # tooltips hold only our own text elements
        assert {e for t in seen for e in t["elements"]} <= {"div", "span"}
        # the page title and header are text too
        assert page.title() == f"kg \u2014 {papers[0]['title']}"
        assert page.locator("#kg-title").text_content() == papers[0]["title"]
    finally:
        watched.close()


def test_handmade_hostile_graph_every_field(browser, tmp_path: Path):
    """Hostile entity names, aliases, authors, mentions and evidence (beyond what extraction yields)."""
    from kg.neighbourhood import neighbourhood
    from kg.viz import write_html

    from test_viz import PAYLOAD, hostile_graph

    out = tmp_path / "hand.html"
    write_html(neighbourhood(hostile_graph(), "arxiv:9"), out)
    watched = Watched(browser, out)
    try:
        page = watched.open()
        node_pts, edge_pts = item_points(page)
        seen = sweep(watched, node_pts + edge_pts)
        watched.assert_clean()
        texts = " ".join(t["text"] for t in seen)
        assert texts.count(PAYLOAD) >= 3  # authors, aliases, mention rows (unshortened)
        assert len({t["title"] for t in seen}) >= 3  # both nodes and the edge
        # search with a hostile query: nothing runs, the node is found
        page.fill("#kg-search", "X</script><img src=x onerror=alert(9)>")
        page.press("#kg-search", "Enter")
        page.fill("#kg-search", "x</script>")
        page.press("#kg-search", "Enter")
        assert page.locator("#kg-search-status").text_content() == "1 match."
        watched.assert_clean()
    finally:
        watched.close()


def test_filters_search_legend_and_omitted_line(browser, tmp_path: Path):
    from kg.neighbourhood import neighbourhood
    from kg.viz import write_html

    from test_neighbourhood import small_graph

    sub = neighbourhood(small_graph(), "LLaMA", depth=2, limit=6)
    assert sub.omitted > 0
    out = tmp_path / "f.html"
    write_html(sub, out)
    watched = Watched(browser, out)
    try:
        page = watched.open()
        visible = "() => window.kgNetwork.body.nodeIndices.length"
        edges_visible = "() => window.kgNetwork.body.edgeIndices.length"
        assert page.evaluate(visible) == len(sub.nodes)
        assert f"{sub.omitted} more node" in page.locator("#kg-omitted").text_content()
        assert page.locator("#kg-omitted").is_visible()
        legend = page.locator("#kg-node-filters").text_content()
        for kind in {n["label"] for n in sub.nodes}:
            assert kind in legend
        papers = sum(n["label"] == "Paper" for n in sub.nodes)
        page.locator("#kg-node-filters input[value=Paper]").uncheck()
        assert page.evaluate(visible) == len(sub.nodes) - papers
        page.locator("#kg-node-filters input[value=Paper]").check()
        assert page.evaluate(visible) == len(sub.nodes)
        uses = sum(e["type"] == "USES" for e in sub.edges)
        assert uses
        page.locator("#kg-rel-filters input[value=USES]").uncheck()
        assert page.evaluate(edges_visible) == len(sub.edges) - uses
        # search selects the node
        page.fill("#kg-search", "mmlu")
        page.press("#kg-search", "Enter")
        assert page.evaluate("window.kgNetwork.getSelectedNodes()") == ["dataset:mmlu"]
        page.fill("#kg-search", "no such thing")
        page.press("#kg-search", "Enter")
        assert page.locator("#kg-search-status").text_content() == "No node matches."
        # the centre is drawn highlighted (thicker border) and physics is off after stabilising
        center = page.evaluate("window.kgNetwork.body.nodes['model:llama'].options.borderWidth")
        other = page.evaluate("window.kgNetwork.body.nodes['dataset:mmlu'].options.borderWidth")
        assert center > other
        assert page.evaluate("window.kgNetwork.physics.physicsEnabled") is False
        watched.assert_clean()
    finally:
        watched.close()


def big_view(tmp_path: Path, n: int = 300) -> tuple[Path, dict]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_viz import synthetic_subgraph
    from kg.viz import write_html

    sub = synthetic_subgraph(n, seed=1)
    out = tmp_path / "big.html"
    write_html(sub, out)
    return out, page_data(out)


def page_data(out: Path) -> dict:
    return json.loads(out.read_text(encoding="utf-8").split('<script type="application/json" id="kg-data">')[1]
                      .split("</script>")[0])


def test_three_hundred_node_view_stabilises_and_stops_physics(browser, tmp_path: Path):
    out, data = big_view(tmp_path)
    grouped = sum(len(g["members"]) for g in data["groups"])
    watched = Watched(browser, out, tooltip_delay=120)
    try:
        page = watched.open(timeout_ms=120_000)
        assert page.evaluate("window.kgNetwork.body.nodeIndices.length") == 300 - grouped + len(data["groups"])
        assert page.evaluate("window.kgNetwork.physics.physicsEnabled") is False
        watched.assert_clean()
    finally:
        watched.close()


#: every label vis-network drew (nodes and edges), as page boxes, from its own label modules
DRAWN_LABELS = """() => {
    const net = window.kgNetwork, rect = document.querySelector('#kg-network canvas').getBoundingClientRect();
    const out = [];
    const box = (kind, id, lm) => {
        const text = lm.elementOptions.label;
        if (typeof text !== 'string' || !text.trim() || !lm.size || !lm.size.width) return;
        const a = net.canvasToDOM({x: lm.size.left, y: lm.size.top});
        const b = net.canvasToDOM({x: lm.size.left + lm.size.width, y: lm.size.top + lm.size.height});
        out.push({kind, id, text, l: a.x, t: a.y, r: b.x, b: b.y,
                  inView: b.x > 0 && a.x < rect.width && b.y > 0 && a.y < rect.height});
    };
    net.body.nodeIndices.forEach(id => box('node', id, net.body.nodes[id].labelModule));
    net.body.edgeIndices.forEach(id => box('edge', id, net.body.edges[id].labelModule));
    return out;
}"""


def overlapping(boxes: list[dict], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of drawn labels whose boxes overlap by more than ``slack`` pixels both ways."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            w = min(a["r"], b["r"]) - max(a["l"], b["l"])
            h = min(a["b"], b["b"]) - max(a["t"], b["t"])
            if w > slack and h > slack:
                out.append((a["text"], b["text"]))
    return out


def drawn_labels(page) -> list[dict]:
    page.evaluate("window.kgNetwork.redraw()")
    page.wait_for_timeout(50)
    return [b for b in page.evaluate(DRAWN_LABELS) if b["inView"]]


def zoom(page, factor: float) -> None:
    """Zoom around the centre node, as the mouse wheel does, and wait for the labels to follow."""
    before = page.evaluate("window.kgDecluttered")
    page.evaluate(f"""() => {{ const net = window.kgNetwork;
        net.moveTo({{scale: net.getScale() * {factor}, position: net.getPositions(['model:center'])['model:center']}});
        net.emit('zoom', {{}}); }}""")
    page.wait_for_function(f"() => window.kgDecluttered > {before}")


def test_three_hundred_node_hub_view_labels_never_overlap(browser, tmp_path: Path):
    """The labels drawn on a 300-node hub (vis-network's own label boxes, nodes and edges): none
    overlaps another, at the first view and zoomed in; zooming in shows more of them."""
    out, data = big_view(tmp_path)
    watched = Watched(browser, out)
    try:
        page = watched.open(timeout_ms=120_000)
        first = drawn_labels(page)
        assert overlapping(first) == []
        assert any(b["id"] == "model:center" for b in first), "the centre is always labelled"
        assert len([b for b in first if b["kind"] == "node"]) >= 15, "the best-ranked nodes are labelled"
        shown_nodes = page.evaluate("window.kgNetwork.body.nodeIndices.length")
        assert len(first) < shown_nodes, "not every label fits at the first view"
        # zoomed in, the nodes spread apart and the labels keep their size: more of the nodes in view get one
        visible = "() => { const n = window.kgNetwork, r = document.querySelector('#kg-network canvas').getBoundingClientRect();" \
                  " return n.body.nodeIndices.filter(id => { const p = n.canvasToDOM(n.getPositions([id])[id]);" \
                  " return p.x > 0 && p.y > 0 && p.x < r.width && p.y < r.height; }).length; }"
        ratio_before = len([b for b in first if b["kind"] == "node"]) / page.evaluate(visible)
        zoom(page, 3.0)
        closer = drawn_labels(page)
        assert overlapping(closer) == []
        ratio_after = len([b for b in closer if b["kind"] == "node"]) / page.evaluate(visible)
        assert ratio_after > ratio_before
        zoom(page, 3.0)
        closest = drawn_labels(page)
        assert overlapping(closest) == []
        assert any(b["kind"] == "edge" for b in closest), "zoomed in, relation names are shown too"
        watched.assert_clean()
    finally:
        watched.close()


def hub_store(tmp_path: Path, papers: int = 40):
    """A real store where one method is used by ``papers`` papers that mention nothing else."""
    from factsutil import make_facts
    from kg.store.embedded import EmbeddedStore

    facts = [make_facts(f"A long paper title number {i} about fine-tuning large models well",
                        "We use fine-tuning throughout.", [("USES", "Method", "fine-tuning")],
                        paper_id=f"arxiv:2402.{i:05d}") for i in range(papers)]
    facts.append(make_facts("DistilBERT: a distilled version of BERT", "We evaluate DistilBERT on GLUE with fine-tuning.",
                            [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                             ("EVALUATES_ON", "Dataset", "GLUE"), ("USES", "Method", "fine-tuning"),
                             ("COMPARES_WITH", "Model", "BERT")], paper_id="arxiv:1910.01108"))
    facts.append(make_facts("TinyBERT: distilling BERT", "TinyBERT builds on BERT and is tested on GLUE.",
                            [("PROPOSES", "Model", "TinyBERT"), ("BUILDS_ON", "Model", "BERT"),
                             ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1909.10351"))
    for i in range(4):  # more papers behind DistilBERT -BUILDS_ON-> BERT than a tooltip shows
        facts.append(make_facts(f"Study {i} of distillation", f"We propose DistilBERT here. It is built on BERT in study {i}.",
                                [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT")],
                                paper_id=f"arxiv:2403.{i:05d}"))
    path = tmp_path / "hub.db"
    with EmbeddedStore(path) as s:
        s.write(facts)
    return path


def test_a_hub_shows_its_lone_papers_as_one_node_that_expands_on_click(browser, tmp_path: Path):
    store = hub_store(tmp_path)
    out = view(store, "fine-tuning", tmp_path / "hub.html")
    data = page_data(out)
    (group,) = data["groups"]
    # the 40 papers that use only it, and DistilBERT's paper (whose other links are beyond depth 1)
    assert group["label"] == "41 papers" and len(group["members"]) == 41
    watched = Watched(browser, out)
    try:
        page = watched.open()
        shown = "() => window.kgNetwork.body.nodeIndices.length"
        assert page.evaluate(shown) == len(data["nodes"]) - 41 + 1
        pos = page.evaluate(f"""() => {{ const net = window.kgNetwork, p = net.getPositions(['{group['id']}'])['{group['id']}'];
            const d = net.canvasToDOM(p), r = document.querySelector('#kg-network canvas').getBoundingClientRect();
            return [r.left + d.x, r.top + d.y]; }}""")
        page.mouse.click(*pos)
        page.wait_for_function(f"() => window.kgNetwork.body.nodeIndices.length === {len(data['nodes'])}")
        assert "41 papers shown" in page.locator("#kg-status").text_content()
        page.wait_for_timeout(300)
        assert overlapping(drawn_labels(page)) == []
        # searching a member of a collapsed group shows it: reload and search a title
        page.reload()
        page.wait_for_function("() => window.kgStabilized === true")
        page.fill("#kg-search", "A long paper title number 7 about fine-tuning large models well")
        page.press("#kg-search", "Enter")
        assert page.evaluate("window.kgNetwork.getSelectedNodes()") == ["arxiv:2402.00007"]
        assert page.evaluate(shown) == len(data["nodes"])
        watched.assert_clean()
    finally:
        watched.close()


def test_parallel_edges_apart_derived_edges_dashed_with_their_sentences(browser, tmp_path: Path):
    store = hub_store(tmp_path, papers=3)
    out = view(store, "DistilBERT", tmp_path / "d.html", "--depth", "2")
    data = page_data(out)
    watched = Watched(browser, out, tooltip_delay=10)
    try:
        page = watched.open()
        # DistilBERT's paper both builds on BERT and compares with it: two edges, drawn apart
        pair = [e["id"] for e in data["edges"] if e["from"] == "arxiv:1910.01108" and e["to"] == "model:bert"]
        assert len(pair) == 2
        mids = page.evaluate(f"""() => {json.dumps(pair)}.map(id => {{
            const p = window.kgNetwork.body.edges[id].edgeType.getPoint(0.5); return window.kgNetwork.canvasToDOM(p); }})""")
        assert abs(mids[0]["x"] - mids[1]["x"]) + abs(mids[0]["y"] - mids[1]["y"]) > 8
        # derived edges are dashed, paper relations are not; EVALUATED_ON and EVALUATES_ON look apart
        drawn = page.evaluate("() => Object.values(window.kgNetwork.body.edges).map(e => [e.id, "
                              "Boolean(e.options.dashes), e.options.color.color])")
        types = {e["id"]: e["type"] for e in data["edges"]}
        derived = {e["id"] for e in data["edges"] if e["derived"]}
        assert derived and {eid for eid, dashed, _ in drawn if dashed} == derived
        colours = {types[eid]: c for eid, _, c in drawn}
        assert "EVALUATED_ON" in colours and "EVALUATES_ON" in colours

        def rgb(c):
            return [int(c[i:i + 2], 16) for i in (1, 3, 5)]
        assert sum((a - b) ** 2 for a, b in zip(rgb(colours["EVALUATED_ON"]), rgb(colours["EVALUATES_ON"]))) ** 0.5 > 120
        legend = page.locator("#kg-rel-filters").text_content()
        assert "derived: model evaluated on dataset" in legend and "paper evaluates on" in legend
        # hovering a derived edge shows the sentences of the papers behind it
        target = next(e for e in data["edges"] if e["type"] == "BUILDS_ON" and e["derived"])
        mid = page.evaluate(f"""() => {{ const net = window.kgNetwork, p = net.body.edges['{target['id']}'].edgeType.getPoint(0.5);
            const d = net.canvasToDOM(p), r = document.querySelector('#kg-network canvas').getBoundingClientRect();
            return [r.left + d.x, r.top + d.y]; }}""")
        seen = sweep(watched, [tuple(mid)])
        tips = [t["text"] for t in seen if (t["title"] or "").startswith("DistilBERT \u2014BUILDS_ON\u2192 BERT")]
        assert tips, [t["title"] for t in seen]
        # five papers support it: the tooltip shows three of them, each with its sentences
        assert re.findall(r"evidence (\d):", tips[-1]) == ["1", "2", "3"]
        assert len(re.findall(r"It is built on BERT in study \d\.", tips[-1])) >= 2
        watched.assert_clean()
    finally:
        watched.close()
