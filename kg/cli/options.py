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
            help="Neo4j password, never printed or logged. Given here it is on kg's command line, which every "
                 "local user can read (ps): prefer the NEO4J_PASSWORD environment variable.",
        ),
        click.option(
            "--state",
            "neo4j_state",
            metavar="auto|neo4j|PATH",
            default=None,
            envvar="KG_NEO4J_STATE",
            show_envvar=True,
            help="With --neo4j: where kg keeps its bookkeeping. auto (default): a state file on this machine for "
                 "a new database (the database then holds only the graph), in Neo4j for a database that has it "
                 "there; neo4j: in the database (several writers); PATH: that state file.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def open_store_from(store_path: str | None, neo4j_uri: str | None, database: str | None = None,
                    neo4j_user: str | None = None, neo4j_password: str | None = None,
                    must_exist: bool = False, neo4j_state: str | None = None, **extra: Any):
    """Open the store the shared options name (``must_exist``: for commands that only read)."""
    from kg.store import open_store

    if neo4j_uri:
        if store_path:
            raise click.UsageError("give either --store or --neo4j, not both")
        _warn_visible_secrets(neo4j_uri, neo4j_password)
        return open_store(neo4j_uri=neo4j_uri, database=database, user=neo4j_user or "neo4j",
                          password=neo4j_password, state=neo4j_state, **extra)
    return open_store(path=store_path or os.environ.get("KG_STORE") or DEFAULT_STORE, create=not must_exist,
                      readonly=must_exist, say=lambda message: click.echo(f"kg: {message}", err=True))


def _warn_visible_secrets(uri: str, password: str | None) -> None:
    """Say so when a password is on the command line (``ps`` shows it to every local user)."""
    from click.core import ParameterSource

    from kg.store.neo4j import split_credentials

    ctx = click.get_current_context(silent=True)
    on_argv = bool(password) and ctx is not None and \
        ctx.get_parameter_source("neo4j_password") == ParameterSource.COMMANDLINE
    if on_argv or split_credentials(uri)[2] is not None:
        where = "--password" if on_argv else "the password in the --neo4j URI"
        click.echo(f"kg: warning: {where} is on the command line, which every local user can read (ps); "
                   "set NEO4J_PASSWORD instead", err=True)


def pop_store_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take the shared store options out of a command's kwargs."""
    keys = ("store_path", "neo4j_uri", "database", "neo4j_user", "neo4j_password", "neo4j_state")
    return {k: kwargs.pop(k, None) for k in keys}


def quiet_option(func: Callable) -> Callable:
    return click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary on stderr.")(func)


def dask_options(func: Callable) -> Callable:
    """``--dask ADDRESS`` (or ``$KG_DASK_SCHEDULER``) and ``--partition-size N``."""
    func = click.option("--partition-size", type=click.IntRange(1, 10_000_000), default=None, metavar="N",
                        help="With --dask: papers per partition (a big JSON Lines file is read in ranges of "
                             "N lines). Default: 10000.")(func)
    func = click.option("--dask", "dask_address", metavar="ADDRESS", default=None, envvar="KG_DASK_SCHEDULER",
                        show_envvar=True,
                        help="Run on a Dask cluster: `local` starts one on this machine, tcp://HOST:8786 uses a "
                             "running scheduler. Workers read the inputs themselves (paths they share, or "
                             "s3:// / gs:// URLs). Needs `pip install 'kg-research[dask]'`.")(func)
    return func


def dask_from(address: str | None, partition_size: int | None, workers: int = 0):
    """The ``DaskOptions`` the options name, or None (then dask is never imported)."""
    if not address:
        if partition_size is not None:
            raise click.UsageError("--partition-size applies only with --dask")
        return None
    from kg.cluster import PARTITION_SIZE, DaskOptions

    return DaskOptions(address.strip(), workers, partition_size or PARTITION_SIZE)
