"""``kg resolve --report``: what entity resolution merged, and where it was unsure."""

from __future__ import annotations

import json

import click

from kg.cli.options import open_store_from, pop_store_options, store_options


@click.command("resolve")
@store_options
@click.option("--report", is_flag=True, help="List the merges made and the uncertain cases (the default action).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="Show at most this many items per section (counts stay complete).")
def resolve_command(report, as_json, limit, **kwargs):
    """Report on entity resolution in a store: acronyms merged into their expansions,
    names papers gave different types, entities with merged surface forms."""
    from kg.resolve.report import build_report, format_report

    with open_store_from(**pop_store_options(kwargs), must_exist=True) as store:
        data = build_report(store, limit=limit)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else format_report(data))
