"""From one processed Doc to a PaperFacts record: entities (acronym and expansion merged),
one relation per (type, entity) with its best evidence, and the rules that settle conflicts
between cues (a paper's own contribution is not also its baseline, and so on)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

from kg.extract.base import SEP, Candidate, Mention, PaperDoc, model_only
from kg.extract.features import group_key
from kg.extract.lexicon import family_type
from kg.extract.text import type_from_shape
from kg.ids import compact_key as _compact_key
from kg.ids import entity_id as _entity_id
from kg.schema import RELATION_TARGET_TYPES, Entity, Evidence, Paper, PaperFacts, Relation

compact_key = lru_cache(maxsize=1 << 16)(_compact_key)
entity_id = lru_cache(maxsize=1 << 16)(_entity_id)

#: the entity types each relation may point at
ALLOWED = RELATION_TARGET_TYPES  # the entity types each relation may point at (kg.schema)
_REL_ORDER = {t: i for i, t in enumerate(("PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES"))}
_SOURCE_TRUST = {"lexicon": 0, "acronym-long": 1, "acronym-short": 1, "quoted": 1, "known": 2, "capseq": 3,
                 "task": 3, "title-for": 4, "phrase": 4, "title-lead": 4, "shape": 5}


_TYPE_WORD = re.compile(r"[ ]((?:[a-z]+[ ])?(?:dataset|benchmark|corpus|test set|data set|database|challenge|competition)s?)\b")
#: a name's last word in the plural: "Readers", "R-CNNs", "Processes"; no "-ss", "-us", "-is", "-ics",
#: "-ies" or "-yes" word ("Loss", "Dynamics", "Strategies", "Bayes"): group 1 is what to drop
_PLURAL_END = re.compile(r"(?:[A-Z]{2,}|[A-Za-z]*[a-z]{2}(?<![suiy])(?<!ic)(?<!ie)(?<!ye)(?<!sse)(?<!xe)(?<!che)(?<!she))(s)$"
                         r"|[A-Za-z]*(?:ss|x|ch|sh)(es)$")
#: the head noun a paper may set after a technique's name: "a feature distillation module"
_METHOD_HEAD = re.compile(r"[ -]((?:method|approach|algorithm|module|mechanism|strategy|technique|framework|scheme|"
                          r"procedure|architecture|unit|component|layer|block|objective|loss|network|paradigm)s?)\b")


def default_type(m: Mention) -> str:
    if any(c.isdigit() for c in m.text) or m.source in ("shape", "title-lead", "quoted"):
        return "Model"
    return "Method"


def assemble(paper: Paper, st: PaperDoc, text: str) -> PaperFacts:
    """The facts of one paper from its Doc state: the learned model's decisions when the
    pipeline made them (``st.decisions``), else the rules' own (``--rules-only``)."""
    if st.decisions is not None:
        return assemble_learned(paper, st, text)
    return assemble_rules(paper, st, text)


class RuleDecision(NamedTuple):
    """What the rules decide of one entity: its key, mentions, name, type, aliases and the
    best candidate of each relation type they keep."""

    key: str
    mentions: list[Mention]
    name: str
    type: str
    aliases: list[str]
    best: dict[str, Candidate]


def rule_decisions(st: PaperDoc, text: str) -> list[RuleDecision]:
    """The rules' own decisions, entity by entity (conflicts settled by ``settle``)."""
    cands = [c for c in st.cands if c.mention.text.strip() and c.mention.text not in st.generic
             and not model_only(c.rule)]
    if not cands:
        return []
    base_keys = {compact_key(m.text) for m in st.mentions}
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in cands:
        k = group_key(c.mention, st, base_keys)
        if k:
            groups[k].append(c)
    # all mentions of each group (for names, aliases and type)
    group_mentions: dict[str, list[Mention]] = defaultdict(list)
    for m in st.mentions:
        k = group_key(m, st, base_keys)
        if k in groups:
            group_mentions[k].append(m)
    for k, cs in groups.items():
        have = {id(m) for m in group_mentions[k]}
        for c in cs:
            if id(c.mention) not in have:
                have.add(id(c.mention))
                group_mentions[k].append(c.mention)
    long_keys = {compact_key(v): v for v in st.acronyms.values()}
    out = []
    for k, cs in groups.items():
        ms = sorted(group_mentions[k], key=lambda m: m.start)
        name, typ, aliases = describe(k, ms, cs, st, text, long_keys)
        best: dict[str, Candidate] = {}
        for c in cs:
            if typ not in ALLOWED[c.type] or (c.type == "COMPARES_WITH" and typ == "Dataset" and c.rule != "baselines-such-as"):
                continue
            old = best.get(c.type)
            if old is None or (c.confidence, -c.mention.start) > (old.confidence, -old.mention.start):
                best[c.type] = c
        settle(best, typ, any(m.type == "Dataset" for m in ms))
        if best:
            out.append(RuleDecision(k, ms, name, typ, aliases, best))
    return out


def assemble_rules(paper: Paper, st: PaperDoc, text: str) -> PaperFacts:
    """The facts the rule cues give on their own, their conflicts settled by ``settle``."""
    entities: list[tuple[int, Entity]] = []
    relations: list[Relation] = []
    starts = [s for s, _ in st.sents]
    for d in rule_decisions(st, text):
        eid = entity_id(d.type, d.name)
        entities.append((d.mentions[0].start, Entity(id=eid, name=d.name, type=d.type, aliases=tuple(sorted(d.aliases)))))
        for rtype, c in d.best.items():
            relations.append(make_relation(paper, st, text, rtype, eid, c, starts))
    return _facts(paper, entities, relations)


def _facts(paper: Paper, entities: list[tuple[int, Entity]], relations: list[Relation]) -> PaperFacts:
    """One facts record: entities in order of first mention, one relation per (type, entity)."""
    entities.sort(key=lambda x: (x[0], x[1].id))
    uniq: dict[str, Entity] = {}
    for _, e in entities:
        if e.id in uniq:  # two keys, one id (cannot happen with compact keys, kept for safety)
            old = uniq[e.id]
            uniq[e.id] = Entity(e.id, old.name, old.type, tuple(sorted(set(old.aliases) | set(e.aliases))))
        else:
            uniq[e.id] = e
    seen = set()
    rels = []
    for r in sorted(relations, key=lambda r: (_REL_ORDER[r.type], r.evidence.field != "title", r.evidence.start, r.target)):
        if (r.type, r.target) not in seen:
            seen.add((r.type, r.target))
            rels.append(r)
    return PaperFacts(paper=paper, entities=tuple(uniq.values()), relations=tuple(rels))


#: the type an entity takes when a relation it holds cannot point at the type its mentions gave
_COERCE = {"EVALUATES_ON": "Dataset", "ADDRESSES": "Task"}

#: relation types the rules decide even when the model decides the rest: their cues are the more
#: precise on papers neither was built from (out-of-fold, both training sets; see the README)
RULE_DECIDED = ("BUILDS_ON", "COMPARES_WITH")


def trained_on_only(rules: set[str], cand_types: set[str]) -> bool:
    """Data the paper only trains on: a "trained on X" cue and no cue of an evaluation. The
    model's EVALUATES_ON of such data is a USES (the guidelines: "trained on X" is USES)."""
    return "trained-on" in rules and "EVALUATES_ON" not in cand_types


def assemble_learned(paper: Paper, st: PaperDoc, text: str) -> PaperFacts:
    """The facts of the model's decisions (``st.decisions``: a relation type and a probability
    for some of ``st.groups``): each with the evidence of the cue that best supports it; the
    ``RULE_DECIDED`` types are the rules' decisions (``rule_decisions``), on the same entities."""
    long_keys = {compact_key(v): v for v in st.acronyms.values()}
    starts = [s for s, _ in st.sents]
    entities: list[tuple[int, Entity]] = []
    relations: list[Relation] = []
    ids: dict[str, str] = {}  # group key -> entity id
    ruled = rule_decisions(st, text)
    built = {d.key for d in ruled if "BUILDS_ON" in d.best}
    for g, rtype, prob, likely in st.decisions or ():
        if rtype in RULE_DECIDED or (rtype == "USES" and g.key in built):
            continue  # what the paper builds on it does not also use (``settle``)
        if rtype == "EVALUATES_ON" and trained_on_only({c.rule for c in g.cands}, {c.type for c in g.cands}):
            rtype = "USES"
        ms = sorted(g.mentions, key=lambda m: (m.start, m.end))
        name, typ, aliases = describe(g.key, ms, g.cands, st, text, long_keys)
        if typ not in ALLOWED[rtype]:
            if _typed_by_name(ms, typ):
                # the name says what it is (the lexicon, an acronym, a size suffix): the most
                # probable relation it can hold, if the model gives it enough, else none
                fits = sorted(((p, t) for t, p in likely.items() if typ in ALLOWED[t]), reverse=True)
                if not fits:
                    continue
                prob, rtype = fits[0]
                if rtype in RULE_DECIDED:
                    continue
            else:
                typ = _COERCE.get(rtype) or default_type(ms[0])
        eid = entity_id(typ, name)
        ids[g.key] = eid
        entities.append((ms[0].start, Entity(id=eid, name=name, type=typ, aliases=tuple(sorted(aliases)))))
        same = [c for c in g.cands if c.type == rtype] or g.cands
        ev = max(same, key=lambda c: (c.confidence, -c.mention.start))
        c = Candidate(rtype, ev.mention, ev.rule, prob)
        relations.append(make_relation(paper, st, text, rtype, eid, c, starts))
        if rtype == "PROPOSES" and typ == "Dataset":  # a paper that contributes a benchmark reports on it
            relations.append(make_relation(paper, st, text, "EVALUATES_ON", eid,
                                           Candidate("EVALUATES_ON", ev.mention, "proposed-benchmark", prob), starts))
    for d in ruled:
        for rtype in RULE_DECIDED:
            best = d.best.get(rtype)
            if best is None:
                continue
            known = ids.get(d.key)
            if known is None:  # an entity the model kept nothing of
                known = ids[d.key] = entity_id(d.type, d.name)
                entities.append((d.mentions[0].start, Entity(id=known, name=d.name, type=d.type,
                                                             aliases=tuple(sorted(d.aliases)))))
            relations.append(make_relation(paper, st, text, rtype, known, best, starts))
    return _facts(paper, entities, relations)


def _typed_by_name(ms: list[Mention], typ: str) -> bool:
    """The entity's type comes from its name, not from a cue: the lexicon, corpus knowledge,
    an acronym definition, a released-model size suffix ("-7B", "-base"), or a known model's
    name with a suffix ("GPT-3.5-turbo")."""
    return any(m.type == typ and _SOURCE_TRUST.get(m.source, 9) <= 2 for m in ms) or \
        (typ == "Model" and any(type_from_shape(m.text) == "Model" or family_type(m.text) == "Model" for m in ms))


def describe(k: str, ms: list[Mention], cs: list[Candidate], st: PaperDoc, text: str,
             long_keys: dict[str, str]) -> tuple[str, str, list[str]]:
    """The name, type and aliases of the entity of key ``k`` from its mentions ``ms`` (sorted)
    and the candidates ``cs`` that fired on it."""
    longs = [m for m in ms if m.source == "acronym-long"]
    name_m = longs[0] if longs else ms[0]
    name = name_m.text
    if k in long_keys and not longs:
        name = long_keys[k]
    typ = entity_type(ms, cs)
    if typ == "Task" and any(c.type == "PROPOSES" and c.rule != "we-propose-phrase" and c.confidence >= 0.85 for c in cs):
        typ = "Method"  # a named contribution ending in "Prediction" is a method, not a task
    aliases: list[str] = []
    name_key = compact_key(name)
    for m in ms:
        if m.text != name and m.text not in aliases and compact_key(m.text) != name_key:
            aliases.append(m.text)
    for m in ms:
        for alias in head_aliases(text, m, typ):
            if alias not in aliases and alias != name:
                aliases.append(alias)
    for short, long in st.acronyms.items():
        if compact_key(long) == k and short not in aliases and short != name:
            aliases.append(short)
    return name, typ, aliases


def head_aliases(text: str, m: Mention, typ: str) -> list[str]:
    """The name with the head noun the paper writes after it: "X dataset", "X module"; and with
    the word between them: "COCO keypoints dataset" -> "COCO keypoints" too."""
    out = []
    plural = _PLURAL_END.search(m.text) if typ in ("Method", "Model") else None
    if plural:
        out.append(m.text[:plural.start(plural.lastindex or 1)])  # "Vision Transformers", "CNNs": a name in the plural names the one
    follow = _TYPE_WORD.match(text, m.end) if typ == "Dataset" else \
        _METHOD_HEAD.match(text, m.end) if typ in ("Method", "Model") else None
    if not follow:
        return out
    out.append(m.text + text[m.end:m.end + 1] + follow.group(1))
    words = follow.group(1).split()
    if len(words) == 2:
        out.append(m.text + " " + words[0])
    return out


def entity_type(ms: list[Mention], cs: list[Candidate]) -> str:
    first = None  # the most trusted typed mention (the first of them by start)
    best = (10, 0)
    for m in ms:
        if m.type:
            rank = (_SOURCE_TRUST.get(m.source, 9), m.start)
            if rank < best:
                first, best = m, rank
    if first is not None and best[0] <= 2:
        return first.type  # type: ignore[return-value]
    votes: dict[str, float] = defaultdict(float)
    for c in cs:
        if c.implied_type:  # what the paper says of its own contribution weighs most
            votes[c.implied_type] += c.confidence * (2 if c.type == "PROPOSES" else 1)
    if first is not None:
        votes[first.type] += 0.5  # type: ignore[index]
    if votes:
        return max(sorted(votes), key=lambda t: votes[t])
    return default_type(ms[0])


def settle(best: dict[str, Candidate], typ: str, named_dataset: bool = True) -> None:
    """Resolve cues that disagree about one entity (in place)."""
    if "PROPOSES" in best:
        for t in ("BUILDS_ON", "COMPARES_WITH", "USES"):
            best.pop(t, None)
        if typ != "Dataset":
            best.pop("EVALUATES_ON", None)
        elif named_dataset and "EVALUATES_ON" not in best:
            p = best["PROPOSES"]
            best["EVALUATES_ON"] = Candidate("EVALUATES_ON", p.mention, "proposed-benchmark", 0.5)
    if "BUILDS_ON" in best:
        best.pop("USES", None)
        if best.get("COMPARES_WITH") and best["COMPARES_WITH"].confidence <= best["BUILDS_ON"].confidence:
            best.pop("COMPARES_WITH")
        elif "COMPARES_WITH" in best:
            best.pop("BUILDS_ON")
    if "COMPARES_WITH" in best:
        best.pop("USES", None)
    if "EVALUATES_ON" in best:
        best.pop("USES", None)
        if "COMPARES_WITH" in best and best["COMPARES_WITH"].rule != "baselines-such-as":
            best.pop("COMPARES_WITH")


def make_relation(paper: Paper, st: PaperDoc, text: str, rtype: str, eid: str, c: Candidate,
                  starts: list[int] | None = None) -> Relation:
    """``starts``: the sentence starts of ``st.sents`` (sorted, the sentences do not overlap)."""
    m = c.mention
    if m.end <= st.title_len:
        field, start, end = "title", m.start, m.end
    else:
        off = st.title_len + len(SEP)
        field, start, end = "abstract", m.start - off, m.end - off
    sentence = ""
    if starts is None:
        starts = [s for s, _ in st.sents]
    i = bisect_right(starts, m.start) - 1
    if i >= 0:
        s, e = st.sents[i]
        if m.end <= e:
            sentence = text[s:e]
    return Relation(type=rtype, source=paper.id, target=eid, confidence=round(min(1.0, max(0.0, c.confidence)), 4),
                    evidence=Evidence(field=field, start=start, end=end, sentence=sentence), rule=c.rule)
