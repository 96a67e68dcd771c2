"""Canned Cypher queries, installed as ``kg.cypher``: one question per ``*.cypher`` file.

Each file starts with a header of ``//`` comments (description, typed parameters, the
result's columns, an example and the matching Neo4j Browser ``:params`` line); ``graph/``
holds the graph forms (paths for the Browser) and ``include/`` the shared pieces
(fragments) the files use as ``kg.NAME(node, $param)``. ``kg.query`` reads them with
``importlib.resources``; Neo4j runs them as written (fragments written out), the embedded
store runs their twins in ``kg/queries/NAME.py``.
"""
