"""The HTML view, without a browser: data building, safe embedding, self-containment."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kg.neighbourhood import neighbourhood
from kg.viz.render import (csp_hash, inline_script, node_size, render_html, script_json, shorten, view_data,
                        vis_assets, write_html)

from test_neighbourhood import FakeStore, entity, paper, rel, small_graph

PAYLOAD = '</script><script>window.__kgXSS=1</script><img src=x onerror="alert(1)"> \u2028 <!-- & -->'


class Page(HTMLParser):
    """Collects the elements and script bodies of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script, self._buf = dict(attrs), []

    def handle_data(self, data):
        if self._in_script is not None:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._buf)))
            self._in_script = None


def hostile_graph() -> FakeStore:
    nodes = [paper("arxiv:9", PAYLOAD, abstract=PAYLOAD, authors=[PAYLOAD], url="javascript:alert(2)"),
             entity("model:x", "X" + PAYLOAD, "Model", 4, aliases=[PAYLOAD])]
    edges = [rel("arxiv:9", "PROPOSES", "model:x", 0.9, sentence=PAYLOAD, mention=PAYLOAD)]
    return FakeStore(nodes, edges)


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


def test_script_json_cannot_break_out_of_a_script_element():
    text = script_json({"t": PAYLOAD})
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == {"t": PAYLOAD}


def test_inline_script_escapes_closing_tags_only_in_text():
    assert inline_script('var s="</script><!--x";') == 'var s="<\\/script><\\!--x";'
    assert "</script" not in inline_script(vis_assets()[0]).lower()


def test_view_data_is_text_only_and_complete():
    sub = neighbourhood(small_graph(), "LLaMA", limit=4)
    data = view_data(sub.nodes, sub.edges, sub.center, sub.omitted, sub.omitted_exact, sub.limit)
    assert data["center"] == "model:llama" and data["omitted"] == sub.omitted == 1
    assert [n["id"] for n in data["nodes"]] == [n["id"] for n in sub.nodes]
    assert sum(n["center"] for n in data["nodes"]) == 1
    llama = next(n for n in data["nodes"] if n["id"] == "model:llama")
    assert llama["tip"]["heading"] == "LLaMA"
    rows = dict(llama["tip"]["rows"])
    assert rows["type"] == "Model" and rows["aliases"] == "LLaMA-1, Llama" and rows["papers"] == "3"
    edge = next(e for e in data["edges"] if e["type"] == "PROPOSES")
    assert dict(edge["tip"]["rows"])["confidence"] == "0.95"
    assert "evidence" in dict(edge["tip"]["rows"])
    derived = next(e for e in data["edges"] if e["type"] == "EVALUATED_ON")
    assert dict(derived["tip"]["rows"])["support"] == "2 paper(s)"
    assert set(data["nodeStyles"]) == {n["kind"] for n in data["nodes"]}
    assert set(data["relColors"]) == {e["type"] for e in data["edges"]}


def test_node_size_grows_with_papers():
    assert node_size({"label": "Model", "paper_count": 1}) < node_size({"label": "Model", "paper_count": 20})
    assert node_size({"label": "Model", "paper_count": 10**6}) <= 45
    assert node_size({"label": "Paper"}) < node_size({"label": "Model", "paper_count": 0})


def test_shorten():
    assert shorten("a  b\nc", 10) == "a b c"
    assert len(shorten("x" * 100, 40)) == 40 and shorten("x" * 100, 40).endswith("\u2026")


def test_page_is_self_contained_and_hostile_text_stays_data(tmp_path: Path):
    sub = neighbourhood(hostile_graph(), "arxiv:9")
    out = tmp_path / "view.html"
    size = write_html(sub, out)
    page = out.read_text(encoding="utf-8")
    assert size == len(page.encode("utf-8"))
    parsed = parse(page)
    # exactly our three scripts: the data (not executed), vis-network, ours; no other active element
    assert [a.get("type") for a, _ in parsed.scripts] == ["application/json", None, None]
    assert not [t for t, _ in parsed.tags if t in ("img", "iframe", "object", "embed", "svg", "link", "base", "form")]
    assert not [a for _, a in parsed.tags if any(k.startswith("on") for k in a)]
    assert not any("src" in a or "href" in a for _, a in parsed.tags)
    # nothing from the network: no URL a browser would fetch
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(styles) == 2 and not any("@import" in s for s in styles)
    assert all(u.startswith(("data:", '"data:', "'data:")) for s in styles for u in re.findall(r"url\(\s*([^)]*)", s))
    # the data script parses back to the subgraph, payload included verbatim
    data = json.loads(parsed.scripts[0][1])
    assert data["nodes"][0]["tip"]["heading"] == shorten(PAYLOAD, 600)
    assert dict(data["nodes"][0]["tip"]["rows"])["authors"] == PAYLOAD  # U+2028 and all
    assert "<script>window.__kgXSS" not in page and "<img" not in page  # only ever escaped (\u003c)
    assert PAYLOAD not in page
    # the Content-Security-Policy allows exactly our two inline scripts and no requests
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    for _, body in parsed.scripts[1:]:
        assert csp_hash(body) in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_title_is_escaped(tmp_path: Path):
    page = render_html([{"id": "a", "label": "Model", "name": "<b>&x", "paper_count": 1}], [], "a")
    assert "<title>kg \u2014 &lt;b&gt;&amp;x</title>" in page


def test_page_does_not_embed_the_pyvis_cdn_template():
    sub = neighbourhood(small_graph(), "LLaMA")
    page = render_html(sub.nodes, sub.edges, sub.center)
    for marker in ("jsdelivr", "cdnjs", "bootstrap", "tom-select", "unpkg"):
        assert marker not in page.lower()
    assert vis_assets()[0][:200] in page


@pytest.mark.parametrize("omitted,exact,expected", [(0, True, 0), (5, True, 5), (5, False, 5)])
def test_omitted_count_reaches_the_page_data(omitted, exact, expected):
    sub = neighbourhood(small_graph(), "LLaMA")
    data = view_data(sub.nodes, sub.edges, sub.center, omitted, exact, 300)
    assert data["omitted"] == expected and data["omittedExact"] is exact


def test_same_graph_in_any_order_gives_the_same_page():
    base = small_graph()
    shuffled = FakeStore(list(reversed(list(base.nodes.values()))), list(reversed(base.edges)))
    pages = [render_html(s.nodes, s.edges, s.center, s.omitted, s.omitted_exact, s.limit)
             for s in (neighbourhood(base, "LLaMA", depth=2), neighbourhood(shuffled, "LLaMA", depth=2))]
    assert pages[0] == pages[1]


def test_lone_neighbours_of_a_node_are_grouped_and_the_centre_never_is():
    from kg.viz.render import leaf_groups

    nodes = [{"id": "c", "label": "Method"}] + [{"id": f"p{i}", "label": "Paper"} for i in range(12)] + \
        [{"id": "m", "label": "Model"}, {"id": "q", "label": "Paper"}]
    edges = [{"source": f"p{i}", "target": "c", "type": "USES"} for i in range(12)]
    edges += [{"source": "q", "target": "c", "type": "USES"}, {"source": "q", "target": "m", "type": "USES"}]
    groups = leaf_groups(nodes, edges, "c", minimum=10)
    assert groups == {"group:Paper:c": sorted(f"p{i}" for i in range(12))}  # q links to m too: not a leaf
    assert leaf_groups(nodes, edges, "c", minimum=13) == {}
    # the centre is never a member, even where it is some node's only neighbour
    assert "c" not in {m for ms in leaf_groups(nodes, edges, "m", minimum=1).values() for m in ms}


def test_parallel_edges_bend_apart_and_single_ones_stay_straight():
    from kg.viz.render import parallel_curves

    edges = [{"source": "a", "target": "b", "type": "USES"}, {"source": "a", "target": "b", "type": "COMPARES_WITH"},
             {"source": "b", "target": "a", "type": "BUILDS_ON"}, {"source": "a", "target": "c", "type": "USES"}]
    curves = parallel_curves(edges)
    assert curves[3] is None
    sides = []
    for e, c in zip(edges[:3], curves[:3]):
        if c is None:
            sides.append(0)
            continue
        clockwise = c["type"] == "curvedCW"
        sides.append(c["roundness"] * (1 if clockwise == (e["source"] == "a") else -1))
    assert len(set(sides)) == 3  # three different paths between a and b


def test_view_data_marks_derived_edges_ranks_labels_and_carries_evidence():
    sub = neighbourhood(small_graph(), "LLaMA", depth=2)
    key = ("model:llama", "EVALUATED_ON", "dataset:mmlu")
    assert [e["paper"] for e in sub.evidence[key]] == ["arxiv:1", "arxiv:3"]  # most confident first
    data = view_data(sub.nodes, sub.edges, sub.center, evidence=sub.evidence)
    derived = {(e["from"], e["type"], e["to"]) for e in data["edges"] if e["derived"]}
    assert key in derived and all(t in ("EVALUATED_ON", "BUILDS_ON", "VARIANT_OF") for _, t, _ in derived)
    tip = dict(next(e for e in data["edges"] if (e["from"], e["type"], e["to"]) == key)["tip"]["rows"])
    assert tip["evidence 1"].startswith("LLaMA: Open Foundation Models: ")
    ranks = {n["id"]: n["rank"] for n in data["nodes"]}
    assert ranks["model:llama"] == 0 and ranks["dataset:mmlu"] < min(r for i, r in ranks.items() if i.startswith("arxiv"))
    assert data["relHelp"]["EVALUATED_ON"] != data["relHelp"]["EVALUATES_ON"]
