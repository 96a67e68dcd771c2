"""Shared click options as reusable decorators, and the helpers they feed."""

from __future__ import annotations

import os
from typing import Any, Callable

import click

DEFAULT_STORE = "kg.db"


def store_options(func: Callable) -> Callable:
    """``--store PATH`` or ``--neo4j URI`` (with ``--database``, ``--user``, ``--password``)."""
    options = [
        click.option(
            "--store",
            "store_path",
            type=click.Path(dir_okay=False),
            default=None,
            help=f"Embedded store file (default: $KG_STORE or ./{DEFAULT_STORE}).",
        ),
        click.option(
            "--neo4j",
            "neo4j_uri",
            metavar="URI",
            default=None,
            help="Use the Neo4j server at URI (e.g. bolt://localhost:7687) instead of the embedded store.",
        ),
        click.option("--database", default=None, help="Neo4j database name (default: the server's default)."),
        click.option(
            "--user",
            "neo4j_user",
            default=None,
            envvar="NEO4J_USERNAME",
            show_envvar=True,
            help="Neo4j user name (default: neo4j).",
        ),
        click.option(
            "--password",
            "neo4j_password",
            default=None,
            envvar="NEO4J_PASSWORD",
            show_envvar=True,
            help="Neo4j password (never printed or logged).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def open_store_from(store_path: str | None, neo4j_uri: str | None, database: str | None = None,
                    neo4j_user: str | None = None, neo4j_password: str | None = None,
                    must_exist: bool = False, **extra: Any):
    """Open the store the shared options name (``must_exist``: for commands that only read)."""
    from kg.store import open_store

    if neo4j_uri:
        if store_path:
            raise click.UsageError("give either --store or --neo4j, not both")
        return open_store(neo4j_uri=neo4j_uri, database=database, user=neo4j_user or "neo4j",
                          password=neo4j_password, **extra)
    return open_store(path=store_path or os.environ.get("KG_STORE") or DEFAULT_STORE, create=not must_exist,
                      readonly=must_exist, say=lambda message: click.echo(f"kg: {message}", err=True))


def pop_store_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take the shared store options out of a command's kwargs."""
    keys = ("store_path", "neo4j_uri", "database", "neo4j_user", "neo4j_password")
    return {k: kwargs.pop(k, None) for k in keys}


def quiet_option(func: Callable) -> Callable:
    return click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary on stderr.")(func)
