"""``kg neighbourhood``: one node's neighbourhood as an HTML view or an export."""

from __future__ import annotations

import click

from kg.cli.options import open_store_from, pop_store_options, store_options

VIEW_FORMATS = ("html", "json", "graphml", "csv")
_SUFFIXES = {".html": "html", ".htm": "html", ".json": "json", ".graphml": "graphml"}


def _format_for(fmt: str | None, output: str) -> str:
    if fmt:
        return fmt
    from pathlib import Path

    return _SUFFIXES.get(Path(output).suffix.lower(), "csv" if not Path(output).suffix else "html")


@click.command("neighbourhood")
@click.argument("name")
@click.option("--depth", "-d", type=click.IntRange(0, 5), default=1, show_default=True,
              help="How many links away from NAME to go.")
@click.option("--types", default=None, metavar="TYPES",
              help="Keep only these node types, comma-separated (Paper, Model, Method, Dataset, Task, Metric).")
@click.option("--rels", default=None, metavar="RELS",
              help="Keep only these relation types, comma-separated (e.g. PROPOSES,EVALUATES_ON).")
@click.option("--min-confidence", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
              help="Keep only edges at least this confident.")
@click.option("--limit", type=click.IntRange(1, 5000), default=300, show_default=True,
              help="At most this many nodes (the centre, then the best supported); the rest are counted.")
@click.option("--format", "fmt", type=click.Choice(VIEW_FORMATS), default=None,
              help="html: a self-contained page; json/graphml: a file; csv: nodes.csv and edges.csv in a "
                   "directory (default: from the -o suffix, html for .html).")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Output file (html, json, graphml) or directory (csv).")
@store_options
def neighbourhood_command(name, depth, types, rels, min_confidence, limit, fmt, output, **kwargs):
    """Show the neighbourhood of NAME (an entity name or alias, a paper title, or an id).

    Writes an HTML page that works offline (colour/shape by type, hover for evidence,
    filters, search) or the same subgraph as JSON, GraphML or CSV.
    """
    from kg.neighbourhood import neighbourhood, write_subgraph

    fmt = _format_for(fmt, output)
    with open_store_from(**pop_store_options(kwargs), must_exist=True) as store:
        sub = neighbourhood(store, name, depth=depth, types=types, rels=rels, min_confidence=min_confidence,
                            limit=limit)
    write_subgraph(sub, fmt, output)
    left_out = f"; {'at least ' if not sub.omitted_exact else ''}{sub.omitted} more left out by --limit {limit}" \
        if sub.omitted or not sub.omitted_exact else ""
    if sub.other_matches:
        shown = ", ".join(_short(m) for m in sub.other_matches[:5]) + (", ..." if len(sub.other_matches) > 5 else "")
        click.echo(f"{name!r} also names {shown}; give an id to pick another.", err=True)
    centre = _short(sub.center_node.get('name') or sub.center_node.get('title') or sub.center)
    click.echo(f"Wrote the neighbourhood of {centre} ({_short(sub.center)}) as {fmt} to {output}: "
               f"{len(sub.nodes)} nodes, {len(sub.edges)} edges{left_out}.", err=True)


def _short(text: str, limit: int = 80) -> str:
    """A name for a one-line message (a name may be 500 characters long)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


COMMANDS = [neighbourhood_command]
