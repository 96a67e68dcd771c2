"""One root error, with children named after the failure.

Every message reads well to a user on one line: the CLI prints ``Error: <message>``
and exits non-zero, never a traceback.
"""

from __future__ import annotations


class KGError(Exception):
    """Root of every error kg raises on purpose."""

    exit_code = 1


class InputNotFound(KGError):
    """An input path does not exist or cannot be read."""


class UnknownFormat(KGError):
    """The format of an input file could not be detected or is not supported."""


class BadRecord(KGError):
    """One record of an input is unusable (raised in --strict mode, else warned).

    ``location`` is ``FILE:LINE`` (or ``FILE:#N`` for the N-th record of a
    file without lines); ``reason`` says what is wrong.
    """

    def __init__(self, location: str, reason: str):
        self.location = location
        self.reason = reason
        super().__init__(f"{location}: {reason}")

    def __reduce__(self):  # pickled between processes (a record read on a Dask worker)
        return (type(self), (self.location, self.reason))


class BadInput(KGError):
    """A whole input file is unusable (binary garbage, broken JSON/XML, ...)."""


class ClusterError(KGError):
    """The Dask cluster (``--dask``) cannot be reached, or lost the work."""


class OutputError(KGError):
    """An output file cannot be written (disk full, permissions, ...)."""


class Interrupted(KGError):
    """The run was stopped by a signal (SIGTERM, SIGHUP or Ctrl-C)."""


class StoreError(KGError):
    """The embedded store cannot be opened or written."""


class Neo4jUnavailable(KGError):
    """The Neo4j server cannot be reached."""


class Neo4jAuthError(KGError):
    """Neo4j refused the user name or password."""


class Neo4jDatabaseNotFound(KGError):
    """The Neo4j database named with --database does not exist."""


class NotFound(KGError):
    """A named entity, paper or query does not exist."""


class QueryError(KGError):
    """A canned query failed or was given bad parameters."""


class GoldError(KGError):
    """A gold file for evaluation is unusable."""
