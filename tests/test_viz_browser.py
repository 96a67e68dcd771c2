"""The HTML view in real headless Chromium (Debian ``chromium`` driven by Playwright).

Papers whose titles, abstracts and authors carry script payloads are ingested for real;
the view of their neighbourhood is opened with no network, every tooltip is opened by
sweeping the mouse over the canvas, and any dialog, injected script, console error or
request outside the file fails the test.
"""

from __future__ import annotations

import json
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
        assert any("onerror=" in t["text"] for t in seen)
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
    from viz import write_html

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
    from viz import write_html

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


def test_three_hundred_node_view_stabilises_and_stops_physics(browser, tmp_path: Path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_viz import synthetic_subgraph
    from viz import write_html

    sub = synthetic_subgraph(300, seed=1)
    out = tmp_path / "big.html"
    write_html(sub, out)
    watched = Watched(browser, out, tooltip_delay=120)
    try:
        page = watched.open(timeout_ms=120_000)
        assert page.evaluate("window.kgNetwork.body.nodeIndices.length") == 300
        assert page.evaluate("window.kgNetwork.physics.physicsEnabled") is False
        watched.assert_clean()
    finally:
        watched.close()
