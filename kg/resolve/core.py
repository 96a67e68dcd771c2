"""Resolution as pure functions: a paper's votes, a key's decision, a paper's canonical facts.

Every paper casts *votes* about keys (``canonical_key`` of a name, type independent):

* ``("type", T)`` on the key of each entity it relates to, weighted by the paper's best
  cue confidence for that entity (in thousandths, so sums are exact and order free);
* ``("def", E)`` on the key of an acronym it defines ("masked image modeling (MIM)": the key
  ``mim`` gets a vote for the expansion key ``maskedimagemodeling``), and ``("abbr", A)`` the
  other way round, on the expansion key for the acronym key.

The *decision* about a key (``Decision``) is a function of the votes on that key alone:
its winning type (highest weight, then most papers, then ``ENTITY_TYPES`` order) and its
ranked expansions. A paper's canonical facts are a function of its raw facts and the
decisions about the keys it reads (its *dependencies*) — so the graph is the same whatever
order papers arrive in, as long as every paper whose dependencies changed is resolved again.

Resolving one entity (raw type ``t``, name ``n``):

1. ``k = canonical_key(n)``;
2. while ``k`` is an acronym (this paper defines it, else some paper does): move to its
   expansion — the paper's own definition first, else the best-ranked expansion whose
   decided type is ``t``, else the best-ranked one (at most 4 steps, no cycles);
3. the type is the decided type of the final key (``t`` when nothing is known);
4. the id is ``type:key``, where an expansion is named by the acronym people use for it when
   there is one (``id_key``: BERT is ``model:bert``, not
   ``model:bidirectionalencoderrepresentationsfromtransformer``); the family is the nearest
   ``family_chain(n)`` ancestor whose key some paper mentions, resolved the same way (when it is
   a different entity).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping, NamedTuple

from kg.resolve.keys import canonical_id, canonical_key, family_chain, is_acronym_of
from kg.schema import ENTITY_TYPES, Entity, PaperFacts

class Vote(NamedTuple):
    """One vote a paper casts (``paper_votes``)."""

    key: str
    #: ``type``, ``def`` or ``abbr``
    kind: str
    value: str
    #: the paper's best cue confidence for the entity, in thousandths
    weight: int
    #: the name the paper writes
    surface: str


class StoredVote(NamedTuple):
    """A vote as a store keeps it: with the paper that cast it (``ResolutionState.rows``)."""

    key: str
    kind: str
    value: str
    paper_id: str
    weight: int
    surface: str


class VoteSum(NamedTuple):
    """The votes on one (key, kind, value) added up over papers (``ResolutionState.votes``); as a
    change (``sum_changes``) the two counts are deltas."""

    key: str
    kind: str
    value: str
    papers: int
    weight: int


class ResolutionRecord(NamedTuple):
    """What a store keeps to resolve one paper again (``ResolutionState.save``)."""

    paper_id: str
    #: the facts JSON as they came in (packed or not: ``pack_facts``); ``None`` forgets the
    #: paper's state (it was merged into another paper)
    raw: str | bytes | None
    votes: list[Vote]
    #: ``kg.ids.title_paper_id`` of its title
    title_id: str

MAX_STEPS = 4
#: what the votes a store keeps are made of: 2 added ``abbr`` votes (stores with older votes
#: are voted again from their raw facts: ``kg.resolve.stream``)
VOTES_VERSION = 2


@dataclass(frozen=True)
class Decision:
    """What the corpus says about one key."""

    #: the winning type, or None when no paper relates to an entity of this key
    type: str | None = None
    #: expansion keys, best first (by weight, then papers, then key)
    expansions: tuple[str, ...] = ()
    #: acronym keys papers define for this key, best first (same order)
    abbreviations: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.type is not None or bool(self.expansions)


NO_DECISION = Decision()


def pack_facts(raw: str | bytes) -> bytes:
    """A paper's raw facts JSON as the stores keep it (zlib, fast level); bytes are packed already."""
    return raw if isinstance(raw, bytes) else zlib.compress(raw.encode("utf-8"), 1)


def unpack_facts(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


def weight_of(confidence: float) -> int:
    return int(round(max(0.0, min(1.0, float(confidence))) * 1000))


def unresolve(facts: PaperFacts) -> PaperFacts:
    """The facts as extraction gave them (``facts.unresolved``), else ``facts`` itself."""
    u = facts.unresolved
    if not u:
        return facts
    try:
        entities = tuple(Entity.from_dict(e) for e in u["entities"])
        targets = list(u["targets"])
    except (KeyError, TypeError, ValueError):
        return replace(facts, unresolved=None)
    if len(targets) != len(facts.relations):
        return replace(facts, unresolved=None)
    relations = tuple(replace(r, target=str(t)) for r, t in zip(facts.relations, targets))
    return PaperFacts(facts.paper, entities, relations)


def paper_votes(facts: PaperFacts) -> list[Vote]:
    """The votes one paper casts (only entities it relates to vote)."""
    facts = unresolve(facts)
    weights: dict[str, int] = {}
    for r in facts.relations:
        w = weight_of(r.confidence)
        if w > weights.get(r.target, -1):
            weights[r.target] = w
    best: dict[tuple[str, str, str], tuple[int, str]] = {}

    def add(key: str, kind: str, value: str, w: int, surface: str) -> None:
        k = (key, kind, value)
        old = best.get(k)
        if old is None or (-w, surface) < (-old[0], old[1]):
            best[k] = (w, surface)

    for e in facts.entities:
        if e.id not in weights:
            continue
        w = weights[e.id]
        key = canonical_key(e.name)
        add(key, "type", e.type, w, e.name)
        for a in e.aliases:
            if is_acronym_of(a, e.name):
                akey = canonical_key(a)
                if akey != key:
                    add(akey, "def", key, w, a)
                    add(key, "abbr", akey, w, a)
    return [Vote(k[0], k[1], k[2], v[0], v[1]) for k, v in sorted(best.items())]


def sum_changes(old: Iterable[VoteSum], new: Iterable[Vote]) -> list[VoteSum]:
    """How the stored vote sums change when votes are replaced: ``old`` sums the votes going,
    ``new`` are the votes coming; the changes (papers and weight as deltas), sorted, those
    changing nothing left out."""
    delta: dict[tuple[str, str, str], list[int]] = {}
    for s in old:
        d = delta.setdefault((s.key, s.kind, s.value), [0, 0])
        d[0] -= s.papers
        d[1] -= s.weight
    for v in new:
        d = delta.setdefault((v.key, v.kind, v.value), [0, 0])
        d[0] += 1
        d[1] += v.weight
    return [VoteSum(k, kind, value, d[0], d[1]) for (k, kind, value), d in sorted(delta.items()) if d != [0, 0]]


def decide(sums: Iterable[tuple[str, str, int, int]]) -> Decision:
    """The decision about one key from its aggregated votes ``(kind, value, papers, weight)``."""
    types: list[tuple[int, int, int, str]] = []
    defs: list[tuple[int, int, str]] = []
    abbrs: list[tuple[int, int, str]] = []
    for kind, value, papers, weight in sums:
        if kind == "type":
            order = ENTITY_TYPES.index(value) if value in ENTITY_TYPES else len(ENTITY_TYPES)
            types.append((-weight, -papers, order, value))
        elif kind == "def":
            defs.append((-weight, -papers, value))
        elif kind == "abbr":
            abbrs.append((-weight, -papers, value))
    return Decision(type=min(types)[3] if types else None, expansions=tuple(d[2] for d in sorted(defs)),
                    abbreviations=tuple(a[2] for a in sorted(abbrs)))


def decisions(sums: Iterable[VoteSum]) -> dict[str, Decision]:
    """Decisions for every key in ``sums``."""
    per_key: dict[str, list[tuple[str, str, int, int]]] = {}
    for s in sums:
        per_key.setdefault(s.key, []).append((s.kind, s.value, s.papers, s.weight))
    return {k: decide(v) for k, v in per_key.items()}


def local_definitions(facts: PaperFacts) -> dict[str, str]:
    """Acronym key -> expansion key, for the acronyms this paper defines."""
    out: dict[str, str] = {}
    for e in sorted(facts.entities, key=lambda e: (e.name, e.id)):
        key = canonical_key(e.name)
        for a in e.aliases:
            if is_acronym_of(a, e.name):
                akey = canonical_key(a)
                if akey != key:
                    out.setdefault(akey, key)
    return out


Lookup = Callable[[str], Decision]


def resolve_key(key: str, etype: str, local: Mapping[str, str], lookup: Lookup,
                deps: set[str]) -> tuple[str, str]:
    """(canonical key, type) of a raw key seen with type ``etype``; adds what it read to ``deps``."""
    deps.add(key)
    seen = {key}
    cur = key
    for _ in range(MAX_STEPS):
        if cur in local:
            nxt = local[cur]
        else:
            exps = lookup(cur).expansions
            if not exps:
                break
            deps.update(exps)
            matching = [x for x in exps if lookup(x).type == etype]
            nxt = matching[0] if matching else exps[0]
        if nxt in seen:
            break
        seen.add(nxt)
        deps.add(nxt)
        cur = nxt
    return cur, lookup(cur).type or etype


def id_key(key: str, etype: str, lookup: Lookup, deps: set[str]) -> str:
    """The key an entity's id uses: its canonical ``key``, or the acronym people use for it.

    That is the best-ranked acronym papers define for ``key`` whose own resolution, by the
    corpus's decisions alone (no paper's local definitions), comes back to ``key`` with the
    same type: so no two entities get one id (an acronym with two expansions names only the
    one it resolves to, per type), and the choice is the same in every paper.
    """
    for a in lookup(key).abbreviations[:MAX_STEPS]:
        deps.add(a)
        if resolve_key(a, etype, {}, lookup, deps) == (key, etype):
            return a
    return key


def resolve_entity(e: Entity, local: Mapping[str, str], lookup: Lookup,
                   deps: set[str]) -> tuple[str, str, str | None, str]:
    """(canonical id, type, family id or None, canonical key) of one raw entity."""
    key, etype = resolve_key(canonical_key(e.name), e.type, local, lookup, deps)
    eid = canonical_id(etype, id_key(key, etype, lookup, deps))
    family = None
    for ancestor in family_chain(e.name):
        akey = canonical_key(ancestor)
        deps.add(akey)
        if not (lookup(akey).known or akey in local):
            continue
        fkey, ftype = resolve_key(akey, e.type, local, lookup, deps)
        fid = canonical_id(ftype, id_key(fkey, ftype, lookup, deps))
        if fid != eid:
            family = fid
        break
    return eid, etype, family, key


def resolve_paper(facts: PaperFacts, lookup: Lookup) -> tuple[PaperFacts, set[str]]:
    """A paper's facts with canonical entities, and the keys whose decisions it read.

    Resolved facts carry what extraction gave (``unresolved``) when resolution changed
    anything, so resolving them again is resolving the original.

    Raw entities that resolve to one id become one entity: its name is the name of the
    one whose key is the canonical key (else the best-supported one), its aliases every
    other surface form the paper used.
    """
    facts = unresolve(facts)
    local = local_definitions(facts)
    deps: set[str] = set()
    weights: dict[str, float] = {}
    for r in facts.relations:
        weights[r.target] = max(weights.get(r.target, -1.0), r.confidence)
    rename: dict[str, str] = {}
    groups: dict[str, list[tuple[Entity, str, str | None]]] = {}
    keys: dict[str, str] = {}
    for e in facts.entities:
        eid, etype, family, ckey = resolve_entity(e, local, lookup, deps)
        rename[e.id] = eid
        keys.setdefault(eid, ckey)
        groups.setdefault(eid, []).append((e, etype, family))
    entities = []
    for eid, members in groups.items():
        key = keys[eid]
        # the expansion heads the group, so its acronyms stay aliases of it (definitions)
        members.sort(key=lambda m: (canonical_key(m[0].name) != key, -weights.get(m[0].id, -1.0),
                                    m[0].name, m[0].id))
        head, etype, _ = members[0]
        forms = {f for m in members for f in (m[0].name, *m[0].aliases)} - {head.name}
        family = next((m[2] for m in members if m[2]), None)
        entities.append(Entity(eid, head.name, etype, tuple(sorted(forms)), family))
    relations = tuple(r if rename.get(r.target, r.target) == r.target else replace(r, target=rename[r.target])
                      for r in facts.relations)
    same = len(entities) == len(facts.entities) and all(
        (a.id, a.name, a.type, tuple(a.aliases)) == (b.id, b.name, b.type, tuple(b.aliases))
        for a, b in zip(entities, facts.entities))
    unresolved = None if same else {
        "entities": [replace(e, family=None).to_dict() for e in facts.entities],
        "targets": [r.target for r in facts.relations],
    }
    return PaperFacts(facts.paper, tuple(entities), relations, unresolved), deps
