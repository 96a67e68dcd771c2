"""The ``GraphStore`` interface both stores implement, and the graph's shape.

The graph (identical in both stores):

* ``Paper`` nodes: ``id``, ``title``, ``abstract``, ``year``, ``authors`` (list),
  ``url``, ``source``, ``title_key``, plus ``arxiv``/``doi``/``s2``/``openalex`` when known.
* Entity nodes, labelled with their type (``Model``, ``Method``, ``Dataset``, ``Task``,
  ``Metric``; in Neo4j also ``Entity``): ``id``, ``name``, ``type``, ``aliases`` (list),
  ``paper_count``.
* Paper -> entity relationships of the ``RELATION_TYPES``: ``confidence``, ``rule``,
  ``evidence_field``, ``evidence_start``, ``evidence_end``, ``evidence_sentence``,
  ``mention`` (the surface text).  At most one per (paper, type, entity).
* Entity -> entity relationships (``BUILDS_ON``, ``EVALUATED_ON``, ``VARIANT_OF``):
  ``papers`` (sorted list of supporting paper ids), ``support`` (their number),
  ``confidence`` (combined over the supporting papers).

Nodes and edges cross this interface as plain dicts: a node is ``{"id", "label", **props}``
and an edge is ``{"source", "target", "type", **props}``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

NodeDict = dict[str, Any]
EdgeDict = dict[str, Any]


@dataclass
class WriteSummary:
    """What one write did."""

    papers_added: int = 0
    papers_updated: int = 0
    papers_unchanged: int = 0
    entities_added: int = 0
    relations_added: int = 0
    relations_removed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __iadd__(self, other: "WriteSummary") -> "WriteSummary":
        for name in ("papers_added", "papers_updated", "papers_unchanged", "entities_added",
                     "relations_added", "relations_removed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, v in other.extra.items():
            self.extra[k] = self.extra.get(k, 0) + v if isinstance(v, (int, float)) else v
        return self


class GraphStore(ABC):
    """A place the knowledge graph lives. Use as a context manager."""

    #: "embedded" or "neo4j"
    kind: str = ""

    # -- writing -------------------------------------------------------------------
    @abstractmethod
    def write(self, facts: Iterable["PaperFacts"]) -> WriteSummary:  # noqa: F821
        """Write resolved facts (one ``PaperFacts`` per paper), idempotently.

        A paper already stored with the same content is left untouched; one whose
        title/abstract/facts changed has its relations replaced. Entity counts and the
        derived entity -> entity edges are kept up to date.
        """

    # -- reading -------------------------------------------------------------------
    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """``papers``, ``entities``, ``relations`` (paper->entity), ``entity_relations``,
        ``entity_types`` {type: n}, ``relation_types`` {type: n} and
        ``entity_relation_types`` {type: n}."""

    @abstractmethod
    def iter_nodes(self) -> Iterator[NodeDict]:
        """Every node, papers first, each group sorted by id."""

    @abstractmethod
    def iter_edges(self) -> Iterator[EdgeDict]:
        """Every edge, sorted by (source, type, target)."""

    @abstractmethod
    def get_nodes(self, ids: Iterable[str]) -> list[NodeDict]:
        """The nodes with these ids (missing ids are left out), sorted by id."""

    @abstractmethod
    def edges_of(self, ids: Iterable[str]) -> list[EdgeDict]:
        """Every edge with an end in ``ids`` (both directions), sorted."""

    @abstractmethod
    def find_nodes(self, text: str, limit: int = 10) -> list[NodeDict]:
        """Nodes whose id, name, alias or title match ``text`` exactly after normalisation."""

    @abstractmethod
    def node_names(self) -> Iterator[tuple[str, str]]:
        """(id, display name) of every node: for suggesting close matches."""

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
