"""Neighbourhood views: build time and HTML bytes per node, and browser stabilisation time.

    python benchmarks/bench_viz.py [--sizes 50,300,1000] [--repeat 5] [--no-browser]
                                   [--browser-sizes 300,1000] [--screenshot OUT.png]

Baselines measured in the same run:
* build: pyvis's own ``Network`` (add_node/add_edge with the same labels and text
  tooltips) + ``generate_html()`` of the same graph, inline resources;
* browser: the time to open a 1-node view (the fixed cost of vis-network and the page)
  against the time a 300-node view takes until ``window.kgStabilized``.

Graphs are synthetic but shaped like ours (papers with long titles linked to entities,
entity -> entity edges with support), deterministic per seed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.neighbourhood import Subgraph  # noqa: E402

ENTITY_TYPES = ("Model", "Method", "Dataset", "Task", "Metric")
PAPER_RELS = ("PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES")
WORDS = ("scaling pretraining language models vision transformer contrastive data mixture tokenizer "
         "benchmark retrieval efficient robust multilingual distillation sparse dense alignment medical").split()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def synthetic_subgraph(n_nodes: int, seed: int = 0) -> Subgraph:
    """A deterministic neighbourhood of ``n_nodes`` nodes around ``model:center``."""
    rng = random.Random(seed)
    n_papers = max(1, int(n_nodes * 0.55))
    n_entities = n_nodes - n_papers
    nodes = [{"id": "model:center", "label": "Model", "name": "CenterNet-7B", "type": "Model",
              "aliases": ["CenterNet 7B", "CN-7B"], "paper_count": n_papers}]
    entities = ["model:center"]
    for i in range(1, n_entities):
        typ = ENTITY_TYPES[i % len(ENTITY_TYPES)]
        eid = f"{typ.lower()}:e{i:05d}"
        entities.append(eid)
        nodes.append({"id": eid, "label": typ, "name": f"{typ}-{i}", "type": typ,
                      "aliases": [f"{typ.lower()} {i}"], "paper_count": 1 + int(rng.paretovariate(1.3))})
    edges = []
    for i in range(n_papers):
        pid = f"arxiv:2401.{i:05d}"
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
        nodes.append({"id": pid, "label": "Paper", "title": title, "abstract": title * 8, "year": 2015 + i % 10,
                      "authors": [f"Author {j}" for j in range(rng.randint(1, 6))], "url": None})
        targets = {"model:center"} | set(rng.sample(entities, min(len(entities), rng.randint(1, 3))))
        for t in sorted(targets):
            rtype = rng.choice(PAPER_RELS)
            edges.append({"source": pid, "target": t, "type": rtype, "confidence": round(rng.uniform(0.4, 1), 2),
                          "rule": "synthetic", "evidence_field": "abstract", "evidence_start": 0, "evidence_end": 5,
                          "evidence_sentence": f"We {rtype.lower().replace('_', ' ')} {t} in this sentence about {title}.",
                          "mention": t})
    for i in range(n_entities // 2):
        a, b = rng.sample(entities, 2)
        papers = sorted(rng.sample([n["id"] for n in nodes if n["label"] == "Paper"], min(3, n_papers)))
        edges.append({"source": a, "target": b, "type": rng.choice(("BUILDS_ON", "EVALUATED_ON", "VARIANT_OF")),
                      "papers": papers, "support": len(papers), "confidence": 0.8})
    seen, unique = set(), []
    for e in edges:
        key = (e["source"], e["type"], e["target"])
        if key not in seen:
            seen.add(key)
            unique.append(e)
    unique.sort(key=lambda e: (e["source"], e["type"], e["target"]))
    return Subgraph(nodes=nodes, edges=unique, center="model:center", omitted=n_nodes // 3, limit=n_nodes)


def pyvis_html(sub: Subgraph) -> str:
    """The baseline: pyvis's own Network with the same nodes, edges and (text) tooltips."""
    from pyvis.network import Network
    from kg.viz.render import NODE_STYLES, REL_COLORS, display_name, edge_tip, node_size, node_tip, shorten

    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line")
    names = {n["id"]: display_name(n) for n in sub.nodes}
    for n in sub.nodes:
        tip = node_tip(n)
        style = NODE_STYLES.get(n["label"], {"color": "#666", "shape": "ellipse"})
        net.add_node(n["id"], label=shorten(names[n["id"]], 40), title="\n".join([tip["heading"]] + [f"{k}: {v}" for k, v in tip["rows"]]),
                     color=style["color"], shape=style["shape"], size=node_size(n))
    for e in sub.edges:
        tip = edge_tip(e, names)
        net.add_edge(e["source"], e["target"], label=e["type"], color=REL_COLORS.get(e["type"], "#444"),
                     title="\n".join([tip["heading"]] + [f"{k}: {v}" for k, v in tip["rows"]]))
    return net.generate_html()


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def bench_build(sizes: list[int], repeat: int) -> None:
    from kg.viz.render import render_subgraph, vis_assets

    vis_assets()  # read once, as every later call in a process does
    fixed = len(render_subgraph(synthetic_subgraph(1)).encode("utf-8"))
    print(f"build (median of {repeat}); fixed page size (1-node view): {fixed / 1024:.0f} KiB")
    print(f"{'nodes':>6} {'edges':>6} {'ours ms':>8} {'pyvis ms':>9} {'time ratio':>10} {'KiB':>7} "
          f"{'bytes/node':>10} {'data bytes/node':>15} {'pyvis KiB':>9}")
    for n in sizes:
        sub = synthetic_subgraph(n)
        ours_s, page = timed(lambda: render_subgraph(sub), repeat)
        base_s, base_page = timed(lambda: pyvis_html(sub), repeat)
        size = len(page.encode("utf-8"))
        print(f"{n:>6} {len(sub.edges):>6} {ours_s * 1000:>8.1f} {base_s * 1000:>9.1f} {ours_s / base_s:>10.2f} "
              f"{size / 1024:>7.0f} {size / n:>10.0f} {(size - fixed) / n:>15.0f} "
              f"{len(base_page.encode('utf-8')) / 1024:>9.0f}")


def bench_browser(repeat: int, screenshot: str | None, sizes: list[int]) -> None:
    from playwright.sync_api import sync_playwright

    from kg.viz.render import write_html

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = {}
        for n in [1, *sizes]:
            path = Path(tmp) / f"v{n}.html"
            write_html(synthetic_subgraph(n, seed=1), path)
            times = []
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                t0 = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function("() => window.kgStabilized === true", timeout=300_000, polling=20)
                times.append(time.perf_counter() - t0)
                if screenshot and n == sizes[0]:
                    page.screenshot(path=screenshot)
                page.close()
            results[n] = statistics.median(times)
        browser.close()
    print(f"browser (headless Chromium, median of {repeat}): 1-node view opens in {results[1]:.2f} s")
    for n in sizes:
        print(f"  {n}-node view stabilised (physics off) in {results[n]:.2f} s = {results[n] / results[1]:.1f}x the 1-node view")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50,300,1000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--browser-sizes", default="300", help="view sizes to open in Chromium (e.g. 300,1000)")
    ap.add_argument("--screenshot", default=None, help="save a screenshot of the 300-node view here")
    args = ap.parse_args()
    bench_build([int(s) for s in args.sizes.split(",")], args.repeat)
    if not args.no_browser:
        bench_browser(max(1, min(args.repeat, 3)), args.screenshot, [int(s) for s in args.browser_sizes.split(",")])


if __name__ == "__main__":
    main()
