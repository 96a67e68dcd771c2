"""Graph stores: one ``GraphStore`` interface, an embedded (SQLite) and a Neo4j implementation."""

from kg.store.base import GraphStore, NodeDict, EdgeDict, WriteSummary

__all__ = ["GraphStore", "NodeDict", "EdgeDict", "WriteSummary", "open_store"]


def open_store(path: str | None = None, neo4j_uri: str | None = None, create: bool = True,
               readonly: bool = False, say=None, **neo4j_options) -> GraphStore:
    """Open the Neo4j store when ``neo4j_uri`` is given, else the embedded store at ``path``
    (``readonly``: for commands that only read; it never creates or alters a file; ``say``:
    where a writer says it waits for another one)."""
    if neo4j_uri:
        from kg.store.neo4j import Neo4jStore

        return Neo4jStore(neo4j_uri, say=say, **neo4j_options)
    from kg.store.embedded import EmbeddedStore

    return EmbeddedStore(path, create=create, readonly=readonly, say=say)
