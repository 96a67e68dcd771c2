"""The kg guide for the Neo4j Browser: every canned query as click-to-run blocks.

``render_guide()`` makes an HTML guide in the format the Browser's ``:guide URL`` (and
``:play URL``) command reads: ``<slide>`` elements, code in ``<pre class="runnable">``
(a click copies it into the editor; the play icon the Browser adds runs it). Per query:
its question, its parameters, a ``:params {...}`` block with the header's example, the
table form and, where there is one, the graph form (paths the Browser draws).

``scripts/neo4j-local`` serves it from the local server at ``/browser/kg-guide.html``
and has the Browser open it after login. Standard library only (the script imports it
without the package's dependencies). All text is HTML-escaped.
"""

from __future__ import annotations

import hashlib
import zipfile
from html import escape
from pathlib import Path

#: where the guide is served on the local server (inside the Browser's own path)
GUIDE_PATH = "browser/kg-guide.html"


def _pre(text: str, kind: str) -> str:
    return f'<pre class="runnable pre-scrollable code" data-kg="{escape(kind)}">{escape(text.strip())}</pre>'


def render_guide() -> str:
    """The guide's HTML (deterministic: the same query files give the same bytes)."""
    from kg.query import list_queries, params_line

    queries = list_queries()
    out = ["<title>kg: the canned queries</title>", '<article class="guide">', '<carousel class="deck container-fluid">']
    intro = [
        "<h3>kg: a knowledge graph of ML research</h3>",
        "<p>Papers link to the models, methods, datasets, tasks and metrics they <b>propose</b>, "
        "<b>evaluate on</b>, <b>build on</b>, <b>use</b>, <b>compare with</b> and <b>address</b>; "
        "every link carries its evidence sentence and a confidence. Entities link to entities through "
        "<b>BUILDS_ON</b>, <b>EVALUATED_ON</b> (derived from papers) and <b>VARIANT_OF</b>.</p>",
        "<p>Each following page is one canned query. Click the play icon of the <code>:params</code> "
        "block first (it sets the query's parameters; click the block itself to edit them in the editor), "
        "then the play icon of the query. The <em>table</em> form answers with names, titles and years; "
        "the <em>graph</em> form returns paths that the Browser draws.</p>",
        "<p>Look around:</p>",
        _pre("MATCH (n) RETURN n LIMIT 25", "look"),
        "<p>The queries, by page:</p><ol>",
        *[f"<li>{escape(q.description)} <code>{escape(q.name)}</code></li>" for q in queries],
        "</ol>",
    ]
    out.append('<slide class="row-fluid"><div class="col-sm-12">' + "".join(intro) + "</div></slide>")
    for q in queries:
        parts = [f'<h3 data-kg-query="{escape(q.name)}">{escape(q.description)}</h3>',
                 f"<p><code>{escape(q.name)}</code> (<code>cypher/{escape(q.name)}.cypher</code>)</p>"]
        if q.params:
            parts.append("<ul>" + "".join(
                f"<li><code>{escape(p.describe(ranges=False))}</code>: {escape(p.help)}</li>" for p in q.params)
                + "</ul>")
        parts.append("<p>Parameters (the file's example):</p>")
        parts.append(_pre(params_line(q.example), "params"))
        parts.append("<p>Table:</p>")
        parts.append(_pre(q.cypher, "table"))
        if q.graph:
            parts.append("<p>Graph:</p>")
            parts.append(_pre(q.graph, "graph"))
        out.append('<slide class="row-fluid"><div class="col-sm-12">' + "".join(parts) + "</div></slide>")
    out += ["</carousel>", "</article>"]
    return "\n".join(out) + "\n"


def overlay_jar(browser_jar: Path, target: Path, guide: str) -> bool:
    """Write ``target``: the Neo4j Browser jar's files plus the guide at ``GUIDE_PATH``.

    Put ahead of the server's own jars on its class path, it serves the Browser and the
    guide from one origin. Returns False (and writes nothing) when ``target`` already holds
    this guide over this Browser jar. Written to a temporary name, then renamed.
    """
    stamp = hashlib.sha256(guide.encode("utf-8") + browser_jar.name.encode("utf-8")).hexdigest()
    marker = "browser/kg-guide.sha256"
    if target.exists():
        try:
            with zipfile.ZipFile(target) as z:
                if z.read(marker).decode("ascii") == stamp:
                    return False
        except (KeyError, OSError, zipfile.BadZipFile):
            pass
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(browser_jar) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename.startswith("META-INF/") and not info.is_dir():
                continue
            dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_STORED if info.is_dir() else None)
        dst.writestr(GUIDE_PATH, guide.encode("utf-8"))
        dst.writestr(marker, stamp)
    tmp.replace(target)
    return True


if __name__ == "__main__":  # pragma: no cover - python -m kg.browser_guide > guide.html
    import sys

    sys.stdout.write(render_guide())
