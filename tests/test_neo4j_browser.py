"""The first hour in the real Neo4j Browser (served by a fresh ``scripts/neo4j-local`` server),
in real headless Chromium: log in, see only the graph, run every canned query from the kg
guide (rows and drawn graphs), and paste the README's Browser section as it is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NEO4J_LOCAL, ROOT, need_service

pytestmark = [pytest.mark.neo4j, pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
GRAPH_LABELS = {"Paper", "Entity", "Model", "Method", "Dataset", "Task", "Metric"}
GRAPH_TYPES = {"PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES", "EVALUATED_ON",
               "VARIANT_OF"}
#: README "The graph": node and relationship properties
GRAPH_KEYS = {"id", "title", "abstract", "year", "authors", "url", "source", "arxiv", "doi", "s2", "openalex",
              "name", "type", "aliases", "paper_count", "confidence", "rule", "mention", "evidence_field",
              "evidence_start", "evidence_end", "evidence_sentence", "papers", "support"}
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A new database on a server of its own, as a new user gets with `scripts/neo4j-local start`."""
    from test_neo4j_server import Server

    if not (shutil.which("java") or os.environ.get("JAVA_HOME") or os.environ.get("KG_JAVA")):
        need_service("no java: a throwaway Neo4j server needs Java 17")
    srv = Server(tmp_path_factory.mktemp("browser") / "neo4j")
    srv.start()
    try:
        yield srv
    finally:
        srv.cmd("stop", check=False)


@pytest.fixture(scope="module")
def loaded(server, sample_facts):
    """The sample corpus, ingested as the README says (the state in a file: a new database)."""
    from kg.pipeline import run_ingest

    with server.store() as store:
        run_ingest([sample_facts], store)
        assert store._state_mode == "file"
    return server


@pytest.fixture(scope="module")
def chromium():
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


class NeoBrowser:
    """The Neo4j Browser of ``server`` in a fresh Chromium context, logged in."""

    def __init__(self, chromium, server):
        self.server = server
        self.http = int(server.env["KG_NEO4J_HTTP_PORT"])
        self.context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        self.outside: list[str] = []
        # the Browser asks for web fonts and analytics: nothing leaves this machine
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def login(self) -> None:
        page = self.page
        page.goto(f"http://127.0.0.1:{self.http}/browser/")
        page.fill('input[data-testid="boltaddress"]', self.server.uri.removeprefix("bolt://"))
        page.fill('input[data-testid="username"]', "neo4j")
        password = subprocess.run([sys.executable, str(NEO4J_LOCAL), "password"], env=self.server.env,
                                  capture_output=True, text=True, check=True).stdout.strip()
        page.fill('input[data-testid="password"]', password)
        page.click('button[data-testid="connect"]')
        # connected: the server's post-connect command opens the kg guide
        page.locator('[data-testid="guidesDrawer"] h3').first.wait_for()

    @property
    def frames(self):
        return self.page.locator('[data-testid="frame"]')

    def mark(self) -> None:
        """Remember the newest frame, so the next one can be told apart (the Browser keeps a
        limited number of frames, so counting them does not do)."""
        self.page.evaluate("window.__kgLast = document.querySelector('[data-testid=\"frame\"]')")

    def new_frame(self, command: str):
        """The frame a command just opened (frames stack newest first), once it has an answer."""
        self.page.wait_for_function(
            "() => { const f = document.querySelector('[data-testid=\"frame\"]'); return f && f !== window.__kgLast; }")
        frame = self.frames.first
        first_line = command.strip().splitlines()[0].strip()
        frame.locator('[data-testid="frameCommand"]').filter(has_text=first_line[:40]).wait_for()
        if not command.startswith(":"):
            frame.locator('[data-testid="frame-loaded-contents"]').wait_for()
        return frame

    def run(self, text: str):
        """Paste ``text`` into the editor and run it, as a user does."""
        self.mark()
        self.page.locator('[data-testid="activeEditor"] textarea').focus()
        self.page.keyboard.insert_text(text)
        self.page.click('[data-testid="editor-Run"]')
        return self.new_frame(text)

    def close(self):
        self.context.close()


@pytest.fixture
def neo(chromium, loaded):
    b = NeoBrowser(chromium, loaded)
    try:
        yield b
    finally:
        b.close()


def assert_answered(frame, text: str) -> None:
    errors = frame.locator('[data-testid="cypherFrameErrorMessage"]')
    assert errors.count() == 0, f"{text[:60]!r}: {errors.first.inner_text()}"
    assert "(no changes, no records)" not in frame.inner_text(), f"{text[:60]!r} found nothing"


def drawn(frame) -> tuple[int, int]:
    """Nodes and relationships the frame's graph view draws."""
    frame.locator("svg g.node").first.wait_for()
    return frame.locator("svg g.node").count(), frame.locator("svg g.relationship").count()


# -- the database: the graph and nothing else ------------------------------------------------
def test_the_database_holds_the_graph_and_nothing_else(loaded):
    with loaded.store() as s:
        labels = {lb for r in s.cypher("MATCH (n) RETURN DISTINCT labels(n) AS l") for lb in r["l"]}
        assert labels and labels <= GRAPH_LABELS
        keys = {k for r in s.cypher("MATCH (n) UNWIND keys(n) AS k RETURN DISTINCT k") for k in [r["k"]]}
        keys |= {r["k"] for r in s.cypher("MATCH ()-[r]->() UNWIND keys(r) AS k RETURN DISTINCT k")}
        assert keys <= GRAPH_KEYS, keys - GRAPH_KEYS
        # what the Browser's sidebar lists (every label, type and key the database ever had)
        assert set(s.cypher("CALL db.labels() YIELD label RETURN collect(label) AS l")[0]["l"]) <= GRAPH_LABELS
        assert set(s.cypher("CALL db.relationshipTypes() YIELD relationshipType AS t RETURN collect(t) AS l")[0]["l"]) \
            <= GRAPH_TYPES
        assert set(s.cypher("CALL db.propertyKeys() YIELD propertyKey AS k RETURN collect(k) AS l")[0]["l"]) \
            <= GRAPH_KEYS
        counts = s.cypher("MATCH (n) RETURN count(n) AS n")[0]["n"], s.cypher("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
        st = s.stats()
        assert counts == (st["papers"] + st["entities"], st["relations"] + st["entity_relations"])


def test_the_browser_shows_the_graph_first(neo):
    neo.login()
    page = neo.page
    page.locator('[data-testid="guidesDrawer"]').wait_for()  # the kg guide opens after login
    frame = neo.run("MATCH (n) RETURN n LIMIT 25")
    nodes, _ = drawn(frame)
    assert nodes == 25
    overview = frame.inner_text()
    shown = set(re.findall(r"([A-Za-z_]+) \(\d+\)", overview.split("Node labels", 1)[1]))
    assert shown and shown <= GRAPH_LABELS, overview
    # the sidebar: labels, relationship types and property keys of the graph only
    page.locator('[data-testid="navigationDBMS"]').click()
    items = page.locator('[data-testid="sidebarMetaItem"]')
    items.first.wait_for()
    chips = {t.strip() for t in items.all_inner_texts()}
    named = {c for c in chips if not c.startswith("*")}
    assert "Paper" in named and "BUILDS_ON" in named and "evidence_sentence" in named
    assert named <= GRAPH_LABELS | GRAPH_TYPES | GRAPH_KEYS, named - (GRAPH_LABELS | GRAPH_TYPES | GRAPH_KEYS)
    with neo.server.store() as s:
        st = s.stats()
    assert f"*({st['papers'] + st['entities']:,})" in chips


def test_the_guide_runs_every_canned_query(neo):
    from kg.query import list_queries, run_query

    neo.login()
    page = neo.page
    drawer = page.locator('[data-testid="guidesDrawer"]')
    drawer.locator("h3").first.wait_for()
    queries = {q.name: q for q in list_queries()}
    with neo.server.store() as store:
        expected = {name: run_query(store, name, example=True).rows for name in queries}
    seen = []
    for _ in range(len(queries)):
        page.locator('[data-testid="guideNextSlide"]').click()
        heading = drawer.locator("h3[data-kg-query]")
        heading.wait_for()
        name = heading.get_attribute("data-kg-query")
        q = queries[name]
        seen.append(name)
        blocks = {b.get_attribute("data-kg"): b for b in drawer.locator("pre.runnable").all()}
        assert set(blocks) == {"params", "table"} | ({"graph"} if q.graph else set()), name
        for kind in ("params", "table", "graph"):
            if kind not in blocks:
                continue
            neo.mark()
            blocks[kind].locator("i").first.click()  # the play icon: runs the block
            frame = neo.new_frame(blocks[kind].inner_text())
            if kind == "params":
                continue
            assert_answered(frame, f"{name} ({kind})")
            first = expected[name][0]
            if kind == "table":
                # the rows a person reads: the first row's first column (a name, a title, a path)
                value = next(iter(first.values()))
                value = value[0] if isinstance(value, list) else value
                frame.locator("text=" + str(value)[:30]).first.wait_for()
            else:
                nodes, rels = drawn(frame)
                assert nodes >= 2 and rels >= 1, (name, nodes, rels)
    assert sorted(seen) == sorted(queries)


def readme_browser_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("### Exploring in the Neo4j Browser", 1)[1].split("\n## ", 1)[0]


def test_the_readme_browser_section_works_when_pasted(neo):
    from click.testing import CliRunner

    from kg.cli import main

    section = readme_browser_section()
    blocks = re.findall(r"```cypher\n(.*?)```", section, re.S)
    assert len(blocks) >= 4
    # the kg query --browser line it shows prints exactly the blocks that follow it
    cmd = re.search(r"```bash\n(?:\.venv/bin/)?kg (query [^\n]*--browser)\n```", section)
    assert cmd, "the README shows a kg query --browser command"
    out = CliRunner().invoke(main, cmd.group(1).split())
    assert out.exit_code == 0, out.output
    strip = lambda t: [ln for ln in t.strip().splitlines() if not ln.startswith("//")]  # noqa: E731
    i = next(k for k, b in enumerate(blocks) if b.startswith(out.output.splitlines()[0]))
    assert strip(blocks[i] + blocks[i + 1]) == strip(out.output)
    neo.login()
    captions = []
    for block in blocks:
        frame = neo.run(block.strip())
        if block.startswith(":params"):
            assert "error" not in frame.inner_text().lower()
            continue
        assert_answered(frame, block)
        nodes, rels = drawn(frame)
        assert nodes >= 2 and rels >= 1
        captions.append(" ".join(frame.locator("svg g.node").all_text_contents()))
    # the first example finds the model by an alias ("Llama 2" is an alias of the node named
    # "Llama-2" or "LLaMA2", whichever most papers use) and draws it
    assert "'Llama 2'" in blocks[0] and re.search(r"L(lama|LaMA)-?2", captions[0])
    assert "DistilBE" in captions[-1] and "GLUE" in captions[-1]  # captions are cut at the node's width
