"""Canned Cypher queries: one question per ``*.cypher`` file (package data).

Each file starts with a header of ``//`` comments (description, typed parameters, an
example and the matching Neo4j Browser ``:param`` lines); ``kg.query`` reads them with
``importlib.resources`` and runs them on Neo4j as written, or on the embedded store
through ``kg.query_embedded``.
"""
