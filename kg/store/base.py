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
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Protocol, TypeVar

if TYPE_CHECKING:
    from kg.resolve.core import ResolutionRecord, StoredVote, VoteSum
    from kg.schema import Paper, PaperFacts

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


class KnowledgeState(Protocol):
    """What extraction's corpus knowledge needs across runs (see kg/corpus.py): the names each
    paper the store extracted introduces, and the papers to extract again when the knowledge
    changes. ``GraphStore.knowledge_state`` gives it; the embedded store keeps it in SQLite
    tables (``kg.store.sqlite_knowledge``), as does one run's temporary state."""

    def save(self, papers: Iterable[tuple[str, str, str, list[tuple[str, str]]]]) -> None:
        """For each (paper id, title id, title and abstract, [(name, type)]): replace what the
        paper contributes to the corpus knowledge (and index its text)."""

    def forget(self, paper_ids: Iterable[str]) -> None:
        """These papers contribute nothing any more (loaded from facts now)."""

    def watermark(self) -> int:
        """A mark of the papers saved so far (for ``settle``)."""

    def settle(self, decide: Callable[[Mapping[str, Mapping[str, int]]], dict[str, str]],
               saved_by: int | None = None) -> list[str]:
        """Decide the names whose votes changed (``decide``: {name: {type: papers}} -> {name: type});
        mark pending every stored paper mentioning a name whose decision changed (with
        ``saved_by``, a ``watermark``: only the papers saved by then). Returns those names."""

    def knowledge(self) -> dict[str, str]:
        """The corpus knowledge the stored papers are (or are being) extracted with."""

    def pending(self) -> list[str]:
        """Sorted ids of stored papers to extract again."""

    def done(self, paper_ids: Iterable[str]) -> None:
        """Clear the pending marks of these papers (extracted again and written)."""

    def tracked(self) -> bool:
        """Whether any stored paper contributes corpus knowledge."""


class ResolutionState(Protocol):
    """What kg.resolve keeps in a store so that papers ingested later merge into the entities
    already there (see kg/resolve/core.py and kg/resolve/stream.py); ``GraphStore.resolution_state``
    gives it. The embedded store keeps it in SQLite tables (``kg.store.sqlite_resolution``), the
    Neo4j store in its state file (the same) or in bookkeeping nodes (``kg.store.neo4j_resolution``).

    Votes are ``Vote(key, kind, value, weight, surface)``; weights are integers (thousandths).
    The records (``Vote``, ``VoteSum``, ``StoredVote``, ``ResolutionRecord``) are kg.resolve.core's.
    Which records a ``save`` keeps is decided by ``kg.store.rows.plan_resolution_save``.
    """

    def votes(self, keys: Iterable[str]) -> list["VoteSum"]:
        """The sums (key, kind, value, papers, summed weight) of every stored paper's votes on
        ``keys``, sorted. Cheap for a key with many votes (sums are kept)."""
        ...

    def keys_of(self, paper_ids: Iterable[str]) -> set[str]:
        """The keys these papers have stored votes on."""
        ...

    def dependents(self, keys: Iterable[str]) -> list[str]:
        """Sorted ids of the papers that vote on or depend on any of ``keys``."""
        ...

    def raw(self, paper_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(paper id, raw facts JSON as last saved) for these papers, sorted by id."""
        ...

    def rows(self) -> Iterator["StoredVote"]:
        """Every stored vote (key, kind, value, paper_id, weight, surface), sorted."""
        ...

    def save(self, papers: Iterable["ResolutionRecord"], dirty: Mapping[str, str] | None = None) -> None:
        """For each record (paper id, raw facts JSON (or ``kg.resolve.core.pack_facts`` of it),
        votes, title id; plain tuples in that order are taken too): replace the paper's raw facts
        and votes; raw facts ``None`` forget the paper's state (its votes, raw facts,
        dependencies and pending mark: a paper merged into another). A title-derived id meets a
        real id as ``kg.store.rows.plan_resolution_save`` says.

        In the same transaction, ``dirty`` (key -> its decision before these votes, as a
        string) is added to the dirty keys; a key already dirty keeps its older decision."""
        ...

    def save_deps(self, deps: Mapping[str, Iterable[str]]) -> None:
        """For each paper id: replace the keys its resolution depends on."""
        ...

    def dirty(self) -> dict[str, str]:
        """The dirty keys with the decision each had when it became dirty."""
        ...

    def settle(self, keys: Iterable[str], pending: Iterable[str]) -> None:
        """One transaction: mark the papers ``pending`` (to be resolved again) and forget the
        dirty ``keys``."""
        ...

    def pending(self) -> list[str]:
        """Sorted ids of the papers marked pending."""
        ...

    def done(self, paper_ids: Iterable[str]) -> None:
        """Clear the pending marks of these papers (their resolved facts are written)."""
        ...

    def version(self) -> int:
        """What the stored votes are made of (``kg.resolve.core.VOTES_VERSION`` of the kg that
        cast them; 1 for a store made before versions were kept, once it holds votes)."""
        ...

    def set_version(self, version: int) -> None:
        """Record that the stored votes are made as ``version`` says."""
        ...


_Store = TypeVar("_Store", bound="GraphStore")


class GraphStore(ABC):
    """A place the knowledge graph lives. Use as a context manager."""

    #: "embedded" or "neo4j"
    kind: str = ""

    # -- writing -------------------------------------------------------------------
    @abstractmethod
    def write(self, facts: Iterable["PaperFacts"]) -> WriteSummary:
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

    def node_briefs(self, ids: Iterable[str]) -> list[NodeDict]:
        """``get_nodes`` with only ``id``, ``label`` and ``paper_count`` (where known): enough
        to rank a hub's neighbours without reading each neighbour's text. Stores may answer
        it more cheaply."""
        return [{k: n[k] for k in ("id", "label", "paper_count") if k in n} for n in self.get_nodes(ids)]

    def edge_briefs(self, ids: Iterable[str]) -> list[EdgeDict]:
        """``edges_of`` with only ``source``, ``target``, ``type``, ``confidence`` and (entity
        edges) ``support``: enough to rank neighbours. Stores may answer it more cheaply."""
        keep = ("source", "target", "type", "confidence", "support")
        return [{k: e[k] for k in keep if k in e} for e in self.edges_of(ids)]

    def edges_between(self, ids: Iterable[str]) -> list[EdgeDict]:
        """Every edge with both ends in ``ids``, sorted: ``edges_of`` filtered. Stores may answer
        it without reading every edge of a hub among ``ids``."""
        want = set(ids)
        return [e for e in self.edges_of(want) if e["source"] in want and e["target"] in want]

    def edges_by_keys(self, keys: Iterable[tuple[str, str, str]]) -> list[EdgeDict]:
        """The edges with these (source, type, target) keys (missing ones left out), sorted:
        ``edges_between`` their ends, filtered. Stores may look the keys up directly."""
        want = set(keys)
        ends = {k[0] for k in want} | {k[2] for k in want}
        return [e for e in self.edges_between(ends) if (e["source"], e["type"], e["target"]) in want]

    @abstractmethod
    def edges_of(self, ids: Iterable[str]) -> list[EdgeDict]:
        """Every edge with an end in ``ids`` (both directions), sorted."""

    @abstractmethod
    def find_nodes(self, text: str, limit: int = 10) -> list[NodeDict]:
        """Nodes whose id, name, alias or title match ``text`` exactly after normalisation."""

    @abstractmethod
    def node_names(self) -> Iterator[tuple[str, str]]:
        """(id, name) of every name a node is known by, for suggesting close matches:
        each node's display name (entity name or paper title) comes before its aliases."""

    def neighbour_ranking(self) -> Any:
        """A ranking of neighbourhood candidates done by the store's own engine (see
        ``EmbeddedStore.neighbour_ranking``), or None: ``kg.neighbourhood`` ranks in Python."""
        return None

    def edge_support(self) -> "Iterator[tuple[tuple[str, str, str], dict[str, float]]] | None":
        """Each entity -> entity edge's confidence per supporting paper, in the order
        ``iter_edges`` gives those edges ((source, type, target)), streamed; or None when the
        store keeps no such rows (``neo4j_admin.write_admin_csv`` then rebuilds them)."""
        return None

    def entity_states(self) -> "Iterator[tuple[str, dict[str, dict[str, int]]]] | None":
        """Each entity's counted state (``rows.state_apply``), in the order ``iter_nodes`` gives
        the entities (by id), streamed; or None when the store keeps none."""
        return None

    def relation_views(self) -> "Iterator[tuple[tuple[str, str, str], tuple[str, str, list[str]]]] | None":
        """Each paper -> entity relation's entity as that paper saw it (name, type, aliases),
        in the order ``iter_edges`` gives the relations ((paper, type, entity)), streamed; or None
        when the store keeps no such rows (``neo4j_admin.write_admin_csv`` then uses the
        entity nodes)."""
        return None

    def name_candidates(self, text: str) -> list[tuple[str, str]] | None:
        """A few ``node_names`` pairs likely closest to ``text``, from an index, or None when
        the store has none (the suggestion then scans ``node_names``)."""
        return None

    # -- merging records of one paper --------------------------------------------------
    # What kg.record_stream asks so that a record read later merges into the paper already
    # stored (kg/records.py). A store keeps, per paper, every link key of the records merged
    # into it (``kg.records.link_keys``), written with the paper; writing a paper whose
    # ``absorbs`` names stored papers deletes those.
    @abstractmethod
    def has_papers(self) -> bool:
        """Does the store hold any paper?"""

    @abstractmethod
    def papers_by_links(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """For each of ``keys`` that some stored paper has: the sorted ids of those papers."""

    @abstractmethod
    def stored_papers(self, ids: Iterable[str]) -> list["Paper"]:
        """The stored papers with these ids as ``Paper`` records (``links``: the link keys
        their own fields do not give), sorted by id; missing ids left out."""

    # -- resolution ----------------------------------------------------------------
    def resolution_state(self) -> "ResolutionState | None":
        """Where kg.resolve keeps its state in this store (``ResolutionState``), or None for
        a store that keeps none (resolution then only spans one run)."""
        return None

    def knowledge_state(self) -> "KnowledgeState | None":
        """Where extraction's corpus knowledge is kept across runs (``KnowledgeState``, see
        kg/corpus.py), or None for a store that keeps none (the knowledge then spans one run).
        Getting it does not open the store; its first use does."""
        return None

    # -- one writer at a time ----------------------------------------------------------
    def begin_writing(self) -> None:
        """Become the store's only writer until ``close`` (a second one waits): ``kg ingest``
        calls it before it reads or writes anything, so two runs never interleave."""

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def __enter__(self: _Store) -> _Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- canned queries ----------------------------------------------------------------
    def run_query(self, query: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of canned query ``query`` (a ``kg.query.Query``) with its parameters bound
        (``kg.query.bind``): dicts with the query's ``columns`` as keys, in that order."""
        raise NotImplementedError(f"{type(self).__name__} runs no canned queries")
