"""``kg stats`` and ``kg export``: read the graph without extracting anything."""

from __future__ import annotations

import json

import click

from kg.cli.options import open_store_from, pop_store_options, store_options


@click.command("stats")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats_command(as_json, **kwargs):
    """Count papers, entities and relations, by type."""
    from kg.cli.ingest import _stats_text

    with open_store_from(**pop_store_options(kwargs), must_exist=True) as store:
        stats = store.stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2, sort_keys=True))
    else:
        click.echo(_stats_text(stats))


EXPORT_FORMATS = ("json", "graphml", "csv", "neo4j-admin")


@click.command("export")
@store_options
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True,
              help="json: networkx node-link data; graphml: for Gephi/Cytoscape; csv: nodes.csv and "
                   "edges.csv in a directory; neo4j-admin: CSV files for `neo4j-admin database import full`.")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Output file (json, graphml) or directory (csv, neo4j-admin).")
def export_command(fmt, output, **kwargs):
    """Export the whole graph."""
    with open_store_from(**pop_store_options(kwargs), must_exist=True) as store:
        if fmt == "neo4j-admin":
            from kg.store.neo4j_admin import write_admin_csv

            n_nodes, n_edges = write_admin_csv(store.iter_nodes(), store.iter_edges(), output,
                                              store.edge_support(), store.relation_views(),
                                              store.entity_states())
        else:
            from kg.export import write_graph

            n_nodes, n_edges = write_graph(fmt, store.iter_nodes(), store.iter_edges(), output)
    click.echo(f"Wrote {n_nodes} nodes and {n_edges} edges as {fmt} to {output}.", err=True)
