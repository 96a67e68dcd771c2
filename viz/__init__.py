"""Neighbourhood views: one self-contained HTML page per subgraph (vis-network from pyvis, inlined)."""

from kg.viz.render import render_html, render_subgraph, view_data, write_html

__all__ = ["render_html", "render_subgraph", "view_data", "write_html"]
