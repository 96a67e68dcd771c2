"""Size limits that keep one record's fault a record-level fault, shared by both stores.

A paper longer than extraction can take (spaCy refuses texts over ``nlp.max_length``), or a
name longer than Neo4j can index (a range index key holds ~8 KB, a full-text keyword term
32 KB), would otherwise end the whole run or make the two stores hold different graphs. So,
before anything is extracted or written, each record is bounded here, with a warning that
names the file and line:

* a title longer than ``MAX_TITLE`` characters, or a title and abstract longer than
  ``MAX_TEXT`` together, is cut (at a space when there is one near the limit); the paper is
  kept and its evidence offsets refer to the cut text;
* an identifier longer than ``MAX_ID`` characters is dropped (the paper keeps its other
  identifiers, or the id its title gives);
* an entity name, alias or evidence mention longer than ``MAX_NAME`` characters is cut to
  that length, in both stores alike.

Pure functions: the callers (``kg.pipeline``) warn and count.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from kg.schema import Entity, Evidence, Paper, PaperFacts, Relation

#: characters of a title
MAX_TITLE = 1_000
#: characters of a title and an abstract together (spaCy's own limit is 1,000,000)
MAX_TEXT = 100_000
#: characters of an entity name, an alias or an evidence mention
MAX_NAME = 500
#: characters of a paper identifier (arXiv id, DOI, ...)
MAX_ID = 500

#: a cut looks back at most this far for a space to cut at
_LOOK_BACK = 200


class Bounded(NamedTuple):
    """A record after ``bound_paper`` / ``bound_facts``, and what was cut (empty: unchanged)."""

    record: Paper | PaperFacts
    cuts: tuple[str, ...]


def cut_text(text: str, limit: int) -> str:
    """``text`` if it fits, else its first ``limit`` characters, ending at a space when one
    is near the limit (trailing space removed)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ", limit - _LOOK_BACK)
    return (head[:space] if space > 0 else head).rstrip()


def location(source: str) -> str:
    """``FILE:LINE`` of a ``Paper.source`` (``FORMAT:FILE:LINE``)."""
    return source.split(":", 1)[1] if source.count(":") >= 2 else source


def bound_paper(paper: Paper) -> Bounded:
    """The paper with its title, text and identifiers within the limits."""
    cuts: list[str] = []
    title, abstract = paper.title, paper.abstract
    if len(title) > MAX_TITLE:
        title = cut_text(title, MAX_TITLE)
        cuts.append(f"title of {len(paper.title):,} characters cut to {len(title):,} (the limit is {MAX_TITLE:,})")
    if len(title) + len(abstract) > MAX_TEXT:
        abstract = cut_text(abstract, max(0, MAX_TEXT - len(title)))
        cuts.append(f"abstract of {len(paper.abstract):,} characters cut to {len(abstract):,} (title and abstract "
                     f"are limited to {MAX_TEXT:,} characters)")
    ids = paper.external_ids
    long_ids = sorted(k for k, v in ids.items() if len(str(v)) > MAX_ID)
    if long_ids:
        ids = {k: v for k, v in ids.items() if k not in long_ids}
        cuts.append(f"identifier(s) {', '.join(long_ids)} longer than {MAX_ID} characters dropped")
    if not cuts:
        return Bounded(paper, ())
    from kg.ids import paper_id

    pid = paper.id
    if long_ids or (title != paper.title and pid.startswith("title:")):
        pid = paper_id(ids, title)  # as the loaders make it
    return Bounded(replace(paper, id=pid, title=title, abstract=abstract, external_ids=ids), tuple(cuts))


def _too_long(facts: PaperFacts) -> bool:
    for e in facts.entities:
        if len(e.name) > MAX_NAME or any(len(a) > MAX_NAME for a in e.aliases):
            return True
    return any(r.evidence.end - r.evidence.start > MAX_NAME for r in facts.relations)


def bound_facts(facts: PaperFacts) -> Bounded:
    """The facts with every entity name, alias and evidence mention within ``MAX_NAME``.

    Facts that need a cut are returned as extraction gave them (``unresolved`` applied),
    cut, with the ids of cut entities made from their cut names: resolution then treats
    them as any other raw facts, in both stores alike.
    """
    from kg.resolve.core import unresolve

    if not _too_long(facts) and not (facts.unresolved and _too_long(unresolve(facts))):
        return Bounded(facts, ())
    from kg.ids import entity_id

    raw = unresolve(facts)
    cuts: list[str] = []
    entities: dict[str, Entity] = {}
    new_id: dict[str, str] = {}
    for e in raw.entities:
        name = e.name[:MAX_NAME]
        aliases = tuple(dict.fromkeys(a[:MAX_NAME] for a in e.aliases))
        if name != e.name:
            cuts.append(f"entity name of {len(e.name):,} characters cut to {MAX_NAME} ({e.name[:40]!r}...)")
        if aliases != e.aliases and any(len(a) > MAX_NAME for a in e.aliases):
            cuts.append(f"alias(es) of {e.name[:40]!r} longer than {MAX_NAME} characters cut")
        eid = entity_id(e.type, name) if name != e.name else e.id
        new_id[e.id] = eid
        if eid in entities:  # two names alike in their first MAX_NAME characters: one entity
            old = entities[eid]
            aliases = tuple(dict.fromkeys((*old.aliases, *aliases)))
            entities[eid] = Entity(eid, old.name, old.type, aliases)
        else:
            entities[eid] = Entity(eid, name, e.type, aliases)
    relations = []
    long_mentions = 0
    for r in raw.relations:
        ev = r.evidence
        if ev.end - ev.start > MAX_NAME:
            long_mentions += 1
            ev = Evidence(ev.field, ev.start, ev.start + MAX_NAME, ev.sentence)
        relations.append(Relation(r.type, r.source, new_id.get(r.target, r.target), r.confidence, ev, r.rule))
    if long_mentions:
        cuts.append(f"{long_mentions} evidence mention(s) longer than {MAX_NAME} characters cut")
    return Bounded(PaperFacts(raw.paper, tuple(entities.values()), tuple(relations)), tuple(cuts))
