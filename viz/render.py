"""The neighbourhood view: one self-contained HTML file (vis-network inlined, no network).

The view data is built here as plain JSON (no HTML): labels are drawn on the canvas, and
tooltips are built in the page's JavaScript from text fields with ``textContent``. The
JSON is embedded in a non-executed ``<script type="application/json">`` with ``<``, ``>``,
``&`` and U+2028/U+2029 escaped, so no paper text can end the script element. A
Content-Security-Policy allows only our own inline scripts (by hash) and no requests.

vis-network's JS/CSS are read at render time from the installed pyvis package.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

VIS_VERSION = "9.1.2"

#: colour and vis-network shape per node label (Okabe-Ito colours, safe for colour blindness)
NODE_STYLES: dict[str, dict[str, str]] = {
    "Paper": {"color": "#9AA0A6", "shape": "square"},
    "Model": {"color": "#0072B2", "shape": "dot"},
    "Method": {"color": "#E69F00", "shape": "diamond"},
    "Dataset": {"color": "#009E73", "shape": "triangle"},
    "Task": {"color": "#D55E00", "shape": "star"},
    "Metric": {"color": "#CC79A7", "shape": "triangleDown"},
}
OTHER_NODE_STYLE = {"color": "#666666", "shape": "ellipse"}
#: colour per relation type
REL_COLORS: dict[str, str] = {
    "PROPOSES": "#D55E00",
    "EVALUATES_ON": "#009E73",
    "BUILDS_ON": "#0072B2",
    "USES": "#8C8C8C",
    "COMPARES_WITH": "#CC79A7",
    "ADDRESSES": "#E69F00",
    "EVALUATED_ON": "#56B4E9",
    "VARIANT_OF": "#7F3C8D",
}
OTHER_REL_COLOR = "#444444"
LABEL_MAX = 40
TIP_LIST_MAX = 8
TIP_TEXT_MAX = 600

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
_SLOT = re.compile(r"<!--KG:([A-Z_]+)-->")


# -- pure helpers ------------------------------------------------------------------------------

def script_json(data: Any) -> str:
    """JSON that is safe as the text of a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def inline_script(js: str) -> str:
    """JavaScript safe inside ``<script>``: ``</script`` and ``<!--`` (only ever in strings) escaped."""
    js = re.sub(r"(?i)</(script)", r"<\\/\1", js)
    return js.replace("<!--", "<\\!--")


def shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def display_name(node: Mapping[str, Any]) -> str:
    return str(node.get("name") or node.get("title") or node.get("id"))


def node_size(node: Mapping[str, Any]) -> float:
    """Radius by number of papers (papers themselves are small)."""
    if node.get("label") == "Paper":
        return 7.0
    return round(min(45.0, 9.0 + 5.0 * math.sqrt(max(0, int(node.get("paper_count") or 0)))), 1)


def _listed(values: Any) -> str:
    if values is None:
        return ""
    if isinstance(values, str):
        return values
    values = list(values)
    more = len(values) - TIP_LIST_MAX
    text = ", ".join(str(v) for v in values[:TIP_LIST_MAX])
    return text + (f" (+{more} more)" if more > 0 else "")


#: characters of the view's title (a 100,000-character name must not fill the page)
TITLE_MAX = 120


def node_tip(node: Mapping[str, Any]) -> dict[str, Any]:
    """Tooltip fields of a node: a heading and (key, value) rows, all plain text."""
    if node.get("label") == "Paper":
        rows = [("type", "Paper"), ("year", node.get("year")), ("authors", _listed(node.get("authors"))),
                ("id", node.get("id")), ("url", node.get("url"))]
        heading = node.get("title") or node.get("id")
    else:
        rows = [("type", node.get("type") or node.get("label")), ("aliases", _listed(node.get("aliases"))),
                ("papers", node.get("paper_count")), ("id", node.get("id"))]
        heading = node.get("name") or node.get("id")
    return {"heading": shorten(heading, TIP_TEXT_MAX), "rows": _rows(rows)}


def edge_tip(edge: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Tooltip fields of an edge: relation, confidence, evidence sentence or supporting papers."""
    conf = edge.get("confidence")
    rows = [("confidence", f"{float(conf):.2f}" if conf is not None else None)]
    if edge.get("evidence_sentence"):
        rows.append(("evidence", shorten(edge["evidence_sentence"], TIP_TEXT_MAX)))
    if edge.get("mention"):
        rows.append(("mention", edge.get("mention")))
    if edge.get("evidence_field"):
        rows.append(("in", edge.get("evidence_field")))
    if edge.get("support") is not None:
        rows.append(("support", f'{edge["support"]} paper(s)'))
    if edge.get("papers"):
        rows.append(("papers", _listed(shorten(names.get(p, p), 90) for p in edge["papers"])))
    if edge.get("rule"):
        rows.append(("rule", edge.get("rule")))
    heading = f'{shorten(names.get(edge["source"], edge["source"]), 60)} \u2014{edge["type"]}\u2192 ' \
              f'{shorten(names.get(edge["target"], edge["target"]), 60)}'
    return {"heading": heading, "rows": _rows(rows)}


def _rows(rows: Iterable[tuple[str, Any]]) -> list[list[str]]:
    return [[k, str(v)] for k, v in rows if v not in (None, "")]


def view_data(nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]], center: str | None,
              omitted: int = 0, omitted_exact: bool = True, limit: int | None = None,
              title: str | None = None) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready data (no HTML anywhere)."""
    names = {str(n["id"]): display_name(n) for n in nodes}
    vis_nodes = []
    for n in nodes:
        kind = str(n.get("label") or "")
        vis_nodes.append({
            "id": str(n["id"]),
            "label": shorten(names[str(n["id"])], LABEL_MAX),
            "name": names[str(n["id"])],
            "kind": kind,
            "size": node_size(n),
            "center": str(n["id"]) == center,
            "tip": node_tip(n),
        })
    vis_edges = []
    for i, e in enumerate(edges):
        support = int(e.get("support") or 1)
        vis_edges.append({
            "id": f"e{i}",
            "from": str(e["source"]),
            "to": str(e["target"]),
            "type": str(e["type"]),
            "width": round(1.0 + math.log2(support), 2),
            "tip": edge_tip(e, names),
        })
    kinds = sorted({n["kind"] for n in vis_nodes}, key=lambda k: (list(NODE_STYLES).index(k) if k in NODE_STYLES else 99, k))
    rels = sorted({e["type"] for e in vis_edges}, key=lambda r: (list(REL_COLORS).index(r) if r in REL_COLORS else 99, r))
    return {
        "iterations": stabilization_iterations(len(vis_nodes)),
        "title": shorten(title or (names.get(center, "") if center else "knowledge graph"), TITLE_MAX),
        "center": center,
        "nodes": vis_nodes,
        "edges": vis_edges,
        "omitted": int(omitted),
        "omittedExact": bool(omitted_exact),
        "limit": limit,
        "nodeStyles": {k: NODE_STYLES.get(k, OTHER_NODE_STYLE) for k in kinds},
        "relColors": {r: REL_COLORS.get(r, OTHER_REL_COLOR) for r in rels},
    }


def stabilization_iterations(n_nodes: int) -> int:
    """Layout iterations before physics stops: fewer for big views, so they open in seconds."""
    return 400 if n_nodes <= 300 else max(60, round(400 * 300 / n_nodes))


def csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


# -- assets --------------------------------------------------------------------------------------

def pyvis_lib_dir() -> Path:
    """vis-network's files inside the installed pyvis package.

    Found without importing pyvis: its ``__init__`` imports IPython, which costs more
    than half a second of a ``kg neighbourhood`` run.
    """
    from importlib.util import find_spec

    spec = find_spec("pyvis")
    roots = list(spec.submodule_search_locations or []) if spec else []
    path = Path(roots[0] if roots else ".").resolve() / "templates" / "lib" / f"vis-{VIS_VERSION}"
    if not (path / "vis-network.min.js").is_file():
        from kg.errors import KGError

        raise KGError(f"vis-network {VIS_VERSION} not found in the installed pyvis ({path}); reinstall pyvis>=0.3.2")
    return path


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """(vis-network JS, CSS), read from pyvis."""
    lib = pyvis_lib_dir()
    return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _own(kind: str, name: str) -> str:
    return resources.files("viz").joinpath(kind, name).read_text(encoding="utf-8")


# -- rendering ----------------------------------------------------------------------------------

def render_html(nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]], center: str | None = None,
                omitted: int = 0, omitted_exact: bool = True, limit: int | None = None,
                title: str | None = None) -> str:
    """The whole page as one string."""
    data = view_data(nodes, edges, center, omitted, omitted_exact, limit, title)
    vis_js, vis_css = vis_assets()
    scripts = {"VIS_JS": inline_script(vis_js), "APP_JS": inline_script(_own("static", "view.js"))}
    csp = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
           f"script-src {' '.join(csp_hash(s) for s in scripts.values())}; "
           "connect-src 'none'; form-action 'none'; base-uri 'none'")
    slots = {
        "TITLE": html.escape(f"kg \u2014 {data['title']}", quote=True),
        "CSP": html.escape(csp, quote=True),
        "VIS_CSS": vis_css.replace("</", "<\\/"),
        "APP_CSS": _own("static", "view.css").replace("</", "<\\/"),
        "DATA": script_json(data),
        **scripts,
    }
    return _SLOT.sub(lambda m: slots[m.group(1)], _own("templates", "view.html"))


def render_subgraph(subgraph: Any, title: str | None = None) -> str:
    """The page of a ``kg.neighbourhood.Subgraph``."""
    return render_html(subgraph.nodes, subgraph.edges, subgraph.center, subgraph.omitted,
                       subgraph.omitted_exact, subgraph.limit, title)


def write_html(subgraph: Any, path: str | os.PathLike, title: str | None = None) -> int:
    """Write the view of ``subgraph`` to ``path`` atomically; returns the bytes written."""
    from kg.export import atomic_text

    page = render_subgraph(subgraph, title)
    with atomic_text(path) as fp:
        fp.write(page)
    return len(page.encode("utf-8"))
