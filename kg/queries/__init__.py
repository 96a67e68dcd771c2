"""The canned queries on the embedded store: one module per query, ``kg/queries/NAME.py``
beside ``cypher/NAME.cypher``.

A module holds the query's ``COLUMNS`` (the same as its file's ``// columns:`` header line)
and ``run(store, params) -> rows``: the rows the Cypher returns on Neo4j (the same columns
in the same order, the same values, the same ORDER BY and LIMIT), so ``kg query`` answers
the same on both stores. Everything goes through the store's indexes: no query loads the
whole graph. ``EmbeddedStore.run_query`` calls ``run_embedded``; the helpers the queries
share (finding the entity or paper a user names, by the Cypher fragments
``cypher/include/*.cypher``) are in ``kg.queries.common``.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, Mapping

from kg.errors import QueryError

Row = dict[str, Any]

#: modules of this package that are not queries
_NOT_QUERIES = {"common"}


def names() -> list[str]:
    """The names of the queries with an embedded implementation (the modules here)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
                  if not m.name.startswith("_") and m.name not in _NOT_QUERIES)


def implementation(name: str) -> ModuleType:
    """The module of query ``name`` (``kg/queries/NAME.py``); ``QueryError`` when there is none."""
    if name not in names():
        raise QueryError(f"query {name} has no implementation for the embedded store "
                         f"(kg/queries/{name}.py; use --neo4j)")
    return importlib.import_module(f"{__name__}.{name}")


def run_embedded(store: Any, name: str, params: Mapping[str, Any]) -> list[Row]:
    """Rows of canned query ``name`` on an ``EmbeddedStore``, ``params`` bound (``kg.query.bind``)."""
    module = implementation(name)
    rows = module.run(store, dict(params))
    if rows and tuple(rows[0]) != module.COLUMNS:
        raise QueryError(f"kg/queries/{name}.py: rows have columns {list(rows[0])}, not COLUMNS {list(module.COLUMNS)}")
    return rows
