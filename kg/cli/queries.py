"""``kg queries`` and ``kg query``: list and run the canned Cypher queries on either store."""

from __future__ import annotations

import json

import click

from kg.cli.options import open_store_from, pop_store_options, store_options


@click.command("queries")
@click.option("--json", "as_json", is_flag=True, help="Print the queries as JSON.")
def queries_command(as_json):
    """List the canned queries: name, question, parameters."""
    from kg.query import list_queries

    queries = list_queries()
    if as_json:
        click.echo(json.dumps([q.to_dict() for q in queries], ensure_ascii=False, indent=2))
        return
    for q in queries:
        click.echo(f"{q.name}\n    {q.description}" + ("  (graph form: --browser)" if q.graph else ""))
        for p in q.params:
            click.echo(f"    -p {p.describe()}" + (f"  {p.help}" if p.help else ""))


@click.command("query")
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter, typed as the query declares it (lists: a,b,c or a JSON array). Repeatable.")
@click.option("--example", is_flag=True, help="Use the example parameters from the query's header (-p overrides).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table: aligned text; json: an array of row objects; csv: a header line and rows.")
@click.option("--browser", is_flag=True,
              help="Print what to paste into the Neo4j Browser instead of running: a :params line with these "
                   "parameters, then the query's graph form (paths the Browser draws) or, without one, its text.")
@store_options
def query_command(name, params, example, fmt, browser, **kwargs):
    """Run the canned query NAME (see `kg queries`) on the embedded store or Neo4j."""
    from kg.query import browser_text, format_rows, get_query, parse_cli_params, run_query

    query = get_query(name)
    values = parse_cli_params(query, params)
    if browser:
        click.echo(browser_text(query, {**(query.example if example else {}), **values}).rstrip("\n"))
        return
    with open_store_from(**pop_store_options(kwargs), must_exist=True) as store:
        result = run_query(store, query.name, values, example=example)
    click.echo(format_rows(result, fmt))
