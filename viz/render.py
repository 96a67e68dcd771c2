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
#: colour per relation type (entity -> entity edges, derived from papers, are also dashed)
REL_COLORS: dict[str, str] = {
    "PROPOSES": "#D55E00",
    "EVALUATES_ON": "#009E73",
    "BUILDS_ON": "#0072B2",
    "USES": "#8C8C8C",
    "COMPARES_WITH": "#CC79A7",
    "ADDRESSES": "#E69F00",
    "EVALUATED_ON": "#1A1A1A",
    "VARIANT_OF": "#7F3C8D",
}
#: what each relation means in the legend (so EVALUATES_ON and EVALUATED_ON read apart)
REL_HELP: dict[str, str] = {
    "PROPOSES": "paper proposes",
    "EVALUATES_ON": "paper evaluates on",
    "BUILDS_ON": "builds on",
    "USES": "paper uses",
    "COMPARES_WITH": "paper compares with",
    "ADDRESSES": "paper addresses",
    "EVALUATED_ON": "derived: model evaluated on dataset",
    "VARIANT_OF": "derived: variant of",
}
#: a node with at least this many neighbours that link to nothing else shows them as one
#: group node ("54 papers") until it is clicked
GROUP_MIN = 10
#: supporting papers whose sentences a derived edge's tooltip shows
EVIDENCE_MAX = 3
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


def edge_tip(edge: Mapping[str, Any], names: Mapping[str, str],
             evidence: list[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Tooltip fields of an edge: relation, confidence, evidence sentence or supporting papers
    (a derived edge: up to ``EVIDENCE_MAX`` of their sentences, ``evidence``)."""
    conf = edge.get("confidence")
    rows = [("confidence", f"{float(conf):.2f}" if conf is not None else None)]
    for i, ev in enumerate((evidence or [])[:EVIDENCE_MAX], 1):
        sentences = list(dict.fromkeys(s for s in ev.get("sentences", []) if s))
        rows.append((f"evidence {i}", shorten(f'{ev.get("title") or ev.get("paper")}: ' + " \u2026 ".join(sentences),
                                              TIP_TEXT_MAX)))
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


def is_derived(edge: Mapping[str, Any], kinds: Mapping[str, str]) -> bool:
    """An entity -> entity edge (derived from papers, or a variant link)."""
    return kinds.get(str(edge["source"])) not in (None, "Paper") and kinds.get(str(edge["target"])) not in (None, "Paper")


def label_ranks(nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]], center: str | None) -> dict[str, int]:
    """Which labels to draw first when not all fit: the centre, then entities by papers, then
    papers, each by their links in the view."""
    degree: dict[str, int] = {}
    for e in edges:
        for end in (str(e["source"]), str(e["target"])):
            degree[end] = degree.get(end, 0) + 1
    order = sorted(nodes, key=lambda n: (str(n["id"]) != center, n.get("label") == "Paper",
                                         -int(n.get("paper_count") or 0), -degree.get(str(n["id"]), 0),
                                         display_name(n), str(n["id"])))
    return {str(n["id"]): i for i, n in enumerate(order)}


def leaf_groups(nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]], center: str | None,
                minimum: int = GROUP_MIN) -> dict[str, list[str]]:
    """Group id -> member ids: a node's neighbours of one kind that link to nothing else, where it
    has at least ``minimum`` of them (the centre is never a member)."""
    kinds = {str(n["id"]): str(n.get("label") or "") for n in nodes}
    others: dict[str, set[str]] = {}
    for e in edges:
        a, b = str(e["source"]), str(e["target"])
        if a != b:
            others.setdefault(a, set()).add(b)
            others.setdefault(b, set()).add(a)
    by_anchor: dict[tuple[str, str], list[str]] = {}
    for nid, linked in others.items():
        if nid != center and len(linked) == 1 and nid in kinds:
            anchor = next(iter(linked))
            if len(others.get(anchor, ())) > 1 or anchor == center:  # not a lone pair
                by_anchor.setdefault((anchor, kinds[nid]), []).append(nid)
    return {f"group:{kind}:{anchor}": sorted(members) for (anchor, kind), members in sorted(by_anchor.items())
            if len(members) >= minimum}


def parallel_curves(edges: list[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
    """Per edge, how to bend it so the edges of one pair of nodes are drawn apart (vis-network
    ``smooth``), or None (straight) for a pair's only edge."""
    pairs: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(edges):
        a, b = str(e["source"]), str(e["target"])
        pairs.setdefault((min(a, b), max(a, b)), []).append(i)
    out: list[dict[str, Any] | None] = [None] * len(edges)
    for (low, _), idx in pairs.items():
        n = len(idx)
        if n < 2:
            continue
        for k, i in enumerate(idx):
            side = (k - (n - 1) / 2) * 0.35  # signed offset from the straight line
            if side == 0:
                continue
            forward = str(edges[i]["source"]) == low
            clockwise = (side > 0) == forward
            out[i] = {"enabled": True, "type": "curvedCW" if clockwise else "curvedCCW",
                      "roundness": round(min(abs(side), 0.9), 3)}
    return out


def view_data(nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]], center: str | None,
              omitted: int = 0, omitted_exact: bool = True, limit: int | None = None,
              title: str | None = None, evidence: Mapping[tuple[str, str, str], list[Mapping[str, Any]]] | None = None,
              group_min: int = GROUP_MIN) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready data (no HTML anywhere).

    ``evidence``: per derived edge (source, type, target), supporting papers' sentences for
    its tooltip (``kg.neighbourhood.derived_evidence``)."""
    names = {str(n["id"]): display_name(n) for n in nodes}
    kinds = {str(n["id"]): str(n.get("label") or "") for n in nodes}
    ranks = label_ranks(nodes, edges, center)
    groups = leaf_groups(nodes, edges, center, group_min)
    member_of = {m: g for g, members in groups.items() for m in members}
    vis_nodes = []
    for n in nodes:
        nid = str(n["id"])
        vis_nodes.append({
            "id": nid,
            "label": shorten(names[nid], LABEL_MAX),
            "name": names[nid],
            "kind": kinds[nid],
            "size": node_size(n),
            "center": nid == center,
            "rank": ranks[nid],
            "group": member_of.get(nid),
            "tip": node_tip(n),
        })
    curves = parallel_curves(edges)
    vis_edges = []
    for i, e in enumerate(edges):
        support = int(e.get("support") or 1)
        key = (str(e["source"]), str(e["type"]), str(e["target"]))
        vis_edges.append({
            "id": f"e{i}",
            "from": key[0],
            "to": key[2],
            "type": key[1],
            "width": round(1.0 + math.log2(support), 2),
            "derived": is_derived(e, kinds),
            "curve": curves[i],
            "group": member_of.get(key[0]) or member_of.get(key[2]),
            "tip": edge_tip(e, names, (evidence or {}).get(key)),
        })
    vis_groups = []
    for gid, members in groups.items():  # noqa: B007
        kind, anchor = gid.split(":", 2)[1:]
        member_set = set(members)
        rel_counts: dict[str, int] = {}
        for e in vis_edges:
            if e["from"] in member_set or e["to"] in member_set:
                rel_counts[e["type"]] = rel_counts.get(e["type"], 0) + 1
        noun = "papers" if kind == "Paper" else f"{kind} entities"
        label = f"{len(members)} {noun}"
        vis_groups.append({
            "id": gid, "kind": kind, "anchor": anchor, "members": members, "label": label,
            "rels": rel_counts,
            "tip": {"heading": label, "rows": _rows([
                ("linked to", names.get(anchor, anchor)),
                ("by", ", ".join(f"{t} ({n})" for t, n in sorted(rel_counts.items()))),
                ("show them", "click this node"),
                ("first", _listed(shorten(names[m], 60) for m in sorted(members, key=lambda m: ranks[m])))])},
        })
    kinds_used = sorted(set(kinds.values()), key=lambda k: (list(NODE_STYLES).index(k) if k in NODE_STYLES else 99, k))
    rels = sorted({e["type"] for e in vis_edges}, key=lambda r: (list(REL_COLORS).index(r) if r in REL_COLORS else 99, r))
    return {
        "iterations": stabilization_iterations(len(vis_nodes)),
        "title": shorten(title or (names.get(center, "") if center else "knowledge graph"), TITLE_MAX),
        "center": center,
        "nodes": vis_nodes,
        "edges": vis_edges,
        "groups": vis_groups,
        "omitted": int(omitted),
        "omittedExact": bool(omitted_exact),
        "limit": limit,
        "nodeStyles": {k: NODE_STYLES.get(k, OTHER_NODE_STYLE) for k in kinds_used},
        "relColors": {r: REL_COLORS.get(r, OTHER_REL_COLOR) for r in rels},
        "relHelp": {r: REL_HELP.get(r, "") for r in rels},
        "derivedRels": sorted({e["type"] for e in vis_edges if e["derived"]}),
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
    return resources.files("kg.viz").joinpath(kind, name).read_text(encoding="utf-8")


# -- rendering ----------------------------------------------------------------------------------

def render_html(nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]], center: str | None = None,
                omitted: int = 0, omitted_exact: bool = True, limit: int | None = None,
                title: str | None = None,
                evidence: Mapping[tuple[str, str, str], list[Mapping[str, Any]]] | None = None) -> str:
    """The whole page as one string."""
    data = view_data(nodes, edges, center, omitted, omitted_exact, limit, title, evidence)
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
                       subgraph.omitted_exact, subgraph.limit, title, getattr(subgraph, "evidence", None))


def write_html(subgraph: Any, path: str | os.PathLike, title: str | None = None) -> int:
    """Write the view of ``subgraph`` to ``path`` atomically; returns the bytes written."""
    from kg.export import atomic_text

    page = render_subgraph(subgraph, title)
    with atomic_text(path) as fp:
        fp.write(page)
    return len(page.encode("utf-8"))
