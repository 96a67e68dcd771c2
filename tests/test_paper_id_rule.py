"""One paper, one id: "a title-derived id meets a real id", decided by the pure planners of
kg/store/rows.py alone (no server, no SQLite), and the schema facts kg/schema.py owns."""

from __future__ import annotations

import inspect
import itertools
import re
from pathlib import Path

import pytest

from kg.ids import entity_id, is_title_id, title_paper_id
from kg.resolve.core import ResolutionRecord, Vote
from kg.schema import ENTITY_TYPES, RELATION_TARGET_TYPES, RELATION_TYPES, entity_id_prefix, entity_type_of
from kg.store.rows import (PaperIdPlan, plan_paper_id, plan_records, plan_resolution_save, real_titles,
                           title_derived)

T1 = title_paper_id("Attention Is All You Need")
T2 = title_paper_id("Deep Residual Learning")
ROOT = Path(__file__).resolve().parent.parent


# -- the graph stores: plan_paper_id ------------------------------------------------------------
def test_a_title_id_takes_the_smallest_stored_real_id_with_its_title():
    assert is_title_id(T1) and not is_title_id("arxiv:1706.03762")
    assert plan_paper_id(T1, []) == PaperIdPlan(T1, ())
    assert plan_paper_id(T1, [T1]) == PaperIdPlan(T1, ())  # itself is no other paper
    assert plan_paper_id(T1, ["doi:10.1/x", "arxiv:1706.03762"]) == PaperIdPlan("arxiv:1706.03762", ())
    # a title id never supersedes anything, even another title-derived paper
    assert plan_paper_id(T1, ["title:0000000000000000"]) == PaperIdPlan(T1, ())


def test_a_real_id_supersedes_the_stored_title_ids_with_its_title_only():
    plan = plan_paper_id("arxiv:1706.03762", ["doi:10.1/x", T1, "title:0000000000000000", "arxiv:1706.03762"])
    assert plan == PaperIdPlan("arxiv:1706.03762", ("title:0000000000000000", T1))


def _store_in_order(ids: tuple[str, ...]) -> set[str]:
    """What a store holds after writing papers with these ids (one title) in this order."""
    stored: set[str] = set()
    for pid in ids:
        plan = plan_paper_id(pid, stored)
        stored -= set(plan.supersedes)
        stored.add(plan.paper_id)
    return stored


@pytest.mark.parametrize("ids", [(T1, "arxiv:1"), (T1, "doi:10.1/a", "arxiv:2"), (T1,), ("doi:10.1/a", "arxiv:2")])
def test_the_stored_ids_do_not_depend_on_the_order_papers_arrive_in(ids):
    results = {frozenset(_store_in_order(order)) for order in itertools.permutations(ids)}
    assert len(results) == 1
    (got,) = results
    real = {i for i in ids if not is_title_id(i)}
    assert got == (real or {T1})


# -- the states beside the graph: plan_records, plan_resolution_save ----------------------------
def rec(pid: str, tid: str, raw: str | None = "{}", votes: list | None = None) -> ResolutionRecord:
    return ResolutionRecord(pid, raw, votes or [], tid)


def test_the_last_record_of_a_paper_counts_in_the_order_of_last_occurrence():
    a1, b, a2 = rec("a", "title:a", "one"), rec("b", "title:b"), rec("a", "title:a", "two")
    plan = plan_records([a1, b, a2], lambda tids: set())
    assert plan.keep == [b, a2] and plan.superseded == ["title:a", "title:b"]


def test_a_title_record_is_not_kept_when_a_real_id_holds_its_title():
    asked: list[list[str]] = []

    def held(tids: list[str]) -> set[str]:
        asked.append(tids)
        return {T2} & set(tids)

    by_title, real = rec(T1, T1), rec("arxiv:1", T1)
    shadowed_in_store, free = rec(T2, T2), rec("title:ffffffffffffffff", "title:ffffffffffffffff")
    plan = plan_records([by_title, real, shadowed_in_store, free], held)
    assert plan.keep == [real, free]
    # a kept real id supersedes what its title id saved
    assert plan.superseded == [T1]
    # the state is asked once, only about the title ids the batch does not settle
    assert asked == [sorted([T2, "title:ffffffffffffffff"])]


def test_the_state_is_not_asked_when_no_record_is_known_by_its_title_alone():
    def held(tids: list[str]) -> set[str]:
        raise AssertionError("asked")

    assert plan_records([rec("arxiv:1", T1), rec("doi:10.1/x", T2)], held).superseded == [T1, T2]
    assert plan_records([], held).keep == []


def test_a_resolution_save_forgets_merged_papers_and_normalises_its_records():
    votes = [("k", "type", "Method", 900.0, "K")]
    plan = plan_resolution_save([("arxiv:1", "{}", votes, T1), rec("gone", "gone", None), (T1, "{}", [], T1)],
                                lambda tids: set())
    assert [r.paper_id for r in plan.keep] == ["arxiv:1"]
    assert plan.keep[0].votes == [Vote("k", "type", "Method", 900, "K")]
    assert isinstance(plan.keep[0].votes[0].weight, int)
    assert plan.forget == ["gone"] and plan.superseded == [T1]
    assert plan.gone == sorted(["gone", T1])
    assert plan.replaced == sorted(["arxiv:1", "gone", T1])


def test_a_forgotten_paper_holds_no_title():
    # the last record of a paper decides: forgotten after being saved with a real id
    plan = plan_resolution_save([rec("arxiv:1", T1), rec("arxiv:1", "arxiv:1", None), rec(T1, T1)],
                                lambda tids: set())
    assert [r.paper_id for r in plan.keep] == [T1] and plan.forget == ["arxiv:1"] and plan.superseded == []


def test_cluster_claims_use_the_same_rule():
    records = [rec(T1, T1), rec("arxiv:1", T2)]
    assert title_derived(records) == {T1} and real_titles(records) == {T2}


# -- schema facts live in kg/schema.py ----------------------------------------------------------
def test_entity_id_prefixes_and_types():
    for t in ENTITY_TYPES:
        assert entity_type_of(entity_id(t, "Some Name")) == t
        assert entity_id(t, "x").startswith(entity_id_prefix(t) + ":")
    assert entity_type_of("widget:x") == "Widget"  # an unknown prefix, capitalised


def test_relation_target_types_cover_the_schema():
    assert set(RELATION_TARGET_TYPES) == set(RELATION_TYPES)
    assert all(set(v) <= set(ENTITY_TYPES) and v for v in RELATION_TARGET_TYPES.values())


def test_extraction_allows_the_schema_relation_targets():
    # kg/extract keeps its own copy until it imports RELATION_TARGET_TYPES: they must agree
    from kg.extract.assemble import ALLOWED

    assert {k: tuple(v) for k, v in ALLOWED.items()} == RELATION_TARGET_TYPES


def test_no_copy_of_the_schema_facts_outside_kg_schema():
    copies = []
    for path in sorted((ROOT / "kg").rglob("*.py")):
        if path.name == "schema.py" and path.parent.name == "kg":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r'^\s*PAPER_LABEL\s*=', r'"model":\s*"Model"', r'\.split\(":", 1\)\[0\]\.capitalize\(\)',
                        r'^\s*RELATION_TARGET_TYPES\s*='):
            if re.search(pattern, text, re.M):
                copies.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert copies == []


# -- one interface for the resolution state ------------------------------------------------------
def test_graph_stores_hand_out_their_resolution_state_and_carry_none_of_its_methods():
    from kg.store.base import GraphStore, ResolutionState
    from kg.store.embedded import EmbeddedStore
    from kg.store.neo4j import Neo4jStore
    from kg.store.neo4j_resolution import Neo4jResolution
    from kg.store.sqlite_resolution import SQLiteResolution

    for cls in (GraphStore, EmbeddedStore, Neo4jStore):
        assert [n for n in dir(cls) if n.startswith("resolution_")] == ["resolution_state"], cls
    methods = [n for n, v in vars(ResolutionState).items() if inspect.isfunction(v) and not n.startswith("_")]
    assert len(methods) == 13
    for impl in (SQLiteResolution, Neo4jResolution):
        for name in methods:
            want = list(inspect.signature(getattr(ResolutionState, name)).parameters)
            assert list(inspect.signature(getattr(impl, name)).parameters) == want, (impl, name)


def test_graph_stores_hand_out_their_knowledge_state_and_carry_none_of_its_methods():
    from kg.store.base import GraphStore, KnowledgeState
    from kg.store.embedded import EmbeddedStore
    from kg.store.neo4j import Neo4jStore
    from kg.store.sqlite_knowledge import SQLiteKnowledge

    for cls in (GraphStore, EmbeddedStore, Neo4jStore):
        assert [n for n in dir(cls) if n.startswith("knowledge")] == ["knowledge_state"], cls
    methods = [n for n, v in vars(KnowledgeState).items() if inspect.isfunction(v) and not n.startswith("_")]
    assert len(methods) == 8
    for name in methods:
        want = list(inspect.signature(getattr(KnowledgeState, name)).parameters)
        assert list(inspect.signature(getattr(SQLiteKnowledge, name)).parameters) == want, name
