"""Graph stores: one ``GraphStore`` interface, an embedded (SQLite) and a Neo4j implementation."""

import os
from typing import Any, Callable

from kg.store.base import EdgeDict, GraphStore, NodeDict, ResolutionState, WriteSummary

__all__ = ["GraphStore", "NodeDict", "EdgeDict", "ResolutionState", "WriteSummary", "open_store"]


def open_store(path: str | os.PathLike[str] | None = None, neo4j_uri: str | None = None, create: bool = True,
               readonly: bool = False, say: Callable[[str], None] | None = None, **neo4j_options: Any) -> GraphStore:
    """Open the Neo4j store when ``neo4j_uri`` is given, else the embedded store at ``path``
    (``readonly``: for commands that only read; it never creates or alters a file; ``say``:
    where a writer says it waits for another one)."""
    if neo4j_uri:
        from kg.store.neo4j import Neo4jStore

        return Neo4jStore(neo4j_uri, say=say, **neo4j_options)
    from kg.store.embedded import EmbeddedStore

    if path is None:
        raise ValueError("open_store needs the path of an embedded store, or a Neo4j URI")
    return EmbeddedStore(path, create=create, readonly=readonly, say=say)
