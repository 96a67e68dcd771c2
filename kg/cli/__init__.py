"""The ``kg`` command: thin click commands, one library call each.

Each command lives in its own module under ``kg/cli/``; importing this package must stay
cheap (no spaCy), so command modules import heavy libraries inside the command body.
"""

from __future__ import annotations

import os
import sys

import click

from kg.errors import KGError


class KGGroup(click.Group):
    """A group that turns our exceptions into one clean line and a non-zero exit, and makes
    SIGTERM, SIGHUP and Ctrl-C end a command with one line too (``kg.signals``)."""

    def invoke(self, ctx: click.Context):
        from kg.signals import Terminated, exit_code, handling_signals

        try:
            with handling_signals():
                return super().invoke(ctx)
        except KGError as exc:
            raise click.ClickException(str(exc)) from None
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (KeyboardInterrupt, Terminated) as exc:
            click.echo("Interrupted." if isinstance(exc, KeyboardInterrupt) else f"Terminated ({exc}).", err=True)
            sys.exit(exit_code(exc))
        except BrokenPipeError:
            sys.exit(0)
        except OSError as exc:  # the environment: a full disk, a read-only file system, ...
            if os.environ.get("KG_DEBUG"):
                raise
            raise click.ClickException(environment_message(exc)) from None
        except Exception as exc:  # an unexpected bug: still one line, unless KG_DEBUG is set
            if os.environ.get("KG_DEBUG"):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (set KG_DEBUG=1 for a traceback)"
            ) from None


def environment_message(exc: OSError) -> str:
    """An ``OSError`` as one line naming the file (when known) and the cause."""
    import errno

    where = exc.filename if exc.filename is not None else None
    cause = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"disk full while writing {where}" if where else "disk full"
    if where is not None:
        return f"{where}: {cause}"
    return cause


@click.group(cls=KGGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg-research", prog_name="kg")
def main() -> None:
    """kg: an offline knowledge graph of machine-learning research.

    Reads papers, extracts the methods, models, datasets, tasks and metrics they
    mention and how each paper relates to them, and stores the facts (each with its
    evidence sentence and a confidence) in an embedded store or in Neo4j.
    """


def _register() -> None:
    from importlib import import_module

    for name in COMMAND_MODULES:
        try:
            module = import_module(f"kg.cli.{name}")
        except ModuleNotFoundError as exc:  # a command module not written yet
            if exc.name == f"kg.cli.{name}":
                continue
            raise
        for cmd in getattr(module, "COMMANDS", ()):
            main.add_command(cmd)


#: one module per command (or small family of commands); each exposes ``COMMANDS``
COMMAND_MODULES = (
    "ingest",  # extract, ingest
    "inspect",  # stats, export
    "evaluate",  # eval
    "resolve",  # resolve
    "queries",  # queries, query
    "neighbourhood",  # neighbourhood
)

_register()
