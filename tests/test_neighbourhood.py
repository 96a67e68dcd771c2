"""Unit tests of subgraph selection against a small in-memory GraphStore."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import pytest

from kg.errors import NotFound
from kg.ids import fold
from kg.neighbourhood import Subgraph, closest_names, neighbourhood, parse_list, pick_center, rank_key
from kg.store.base import GraphStore


class FakeStore(GraphStore):
    """The reading half of GraphStore over lists; counts the calls it gets."""

    kind = "fake"

    def __init__(self, nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]]):
        self.nodes = {n["id"]: dict(n) for n in nodes}
        self.edges = sorted((dict(e) for e in edges), key=lambda e: (e["source"], e["type"], e["target"]))
        self.calls: list[tuple[str, int]] = []

    def has_papers(self) -> bool:  # pragma: no cover - not used
        return False

    def papers_by_links(self, keys):  # pragma: no cover - not used
        return {}

    def stored_papers(self, ids):  # pragma: no cover - not used
        return []

    def write(self, facts):  # pragma: no cover - not used
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        return {"papers": sum(n["label"] == "Paper" for n in self.nodes.values())}

    def iter_nodes(self) -> Iterator[dict[str, Any]]:
        self.calls.append(("iter_nodes", 0))
        papers = sorted(i for i, n in self.nodes.items() if n["label"] == "Paper")
        others = sorted(i for i, n in self.nodes.items() if n["label"] != "Paper")
        return iter([self.nodes[i] for i in papers + others])

    def iter_edges(self) -> Iterator[dict[str, Any]]:
        self.calls.append(("iter_edges", 0))
        return iter(self.edges)

    def get_nodes(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        ids = list(ids)
        self.calls.append(("get_nodes", len(ids)))
        return [dict(self.nodes[i]) for i in sorted(set(ids)) if i in self.nodes]

    def edges_of(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        ids = set(ids)
        self.calls.append(("edges_of", len(ids)))
        return [dict(e) for e in self.edges if e["source"] in ids or e["target"] in ids]

    def find_nodes(self, text: str, limit: int = 10) -> list[dict[str, Any]]:
        key = fold(text)
        out = []
        for i, n in sorted(self.nodes.items()):
            keys = {fold(i), fold(n.get("name") or ""), fold(n.get("title") or "")}
            keys |= {fold(a) for a in n.get("aliases") or ()}
            if key in keys:
                out.append(dict(n))
        return out[:limit]

    def node_names(self) -> Iterator[tuple[str, str]]:
        for i, n in sorted(self.nodes.items()):
            yield i, n.get("name") or n.get("title") or i


def paper(pid: str, title: str, **kw: Any) -> dict[str, Any]:
    return {"id": pid, "label": "Paper", "title": title, "abstract": kw.pop("abstract", ""), "year": kw.pop("year", 2023),
            "authors": kw.pop("authors", ["A. Author"]), **kw}


def entity(eid: str, name: str, typ: str, papers: int, aliases=()) -> dict[str, Any]:
    return {"id": eid, "label": typ, "name": name, "type": typ, "aliases": list(aliases), "paper_count": papers}


def rel(src: str, typ: str, dst: str, conf: float = 0.9, sentence: str = "", **kw: Any) -> dict[str, Any]:
    return {"source": src, "target": dst, "type": typ, "confidence": conf, "rule": "test",
            "evidence_field": "abstract", "evidence_start": 0, "evidence_end": 1,
            "evidence_sentence": sentence or f"{src} {typ} {dst}.", "mention": dst, **kw}


def small_graph() -> FakeStore:
    nodes = [
        paper("arxiv:1", "LLaMA: Open Foundation Models"),
        paper("arxiv:2", "Meditron-70B: medical pretraining"),
        paper("arxiv:3", "Evaluating on MMLU"),
        paper("arxiv:4", "Unrelated paper about ResNet"),
        entity("model:llama", "LLaMA", "Model", 3, aliases=["LLaMA-1", "Llama"]),
        entity("model:llama2", "Llama 2", "Model", 2, aliases=["LLaMA-2"]),
        entity("model:meditron", "MEDITRON", "Model", 1),
        entity("dataset:mmlu", "MMLU", "Dataset", 2),
        entity("model:resnet", "ResNet", "Model", 1),
        entity("task:qa", "question answering", "Task", 1),
    ]
    edges = [
        rel("arxiv:1", "PROPOSES", "model:llama", 0.95),
        rel("arxiv:1", "EVALUATES_ON", "dataset:mmlu", 0.8),
        rel("arxiv:2", "PROPOSES", "model:meditron", 0.9),
        rel("arxiv:2", "BUILDS_ON", "model:llama2", 0.85),
        rel("arxiv:2", "USES", "model:llama", 0.4),
        rel("arxiv:3", "EVALUATES_ON", "dataset:mmlu", 0.7),
        rel("arxiv:3", "USES", "model:llama", 0.6),
        rel("arxiv:3", "ADDRESSES", "task:qa", 0.5),
        rel("arxiv:4", "PROPOSES", "model:resnet", 0.9),
        {"source": "model:meditron", "target": "model:llama2", "type": "BUILDS_ON", "papers": ["arxiv:2"],
         "support": 1, "confidence": 0.85},
        {"source": "model:llama", "target": "dataset:mmlu", "type": "EVALUATED_ON", "papers": ["arxiv:1", "arxiv:3"],
         "support": 2, "confidence": 0.75},
    ]
    return FakeStore(nodes, edges)


def ids(sub: Subgraph) -> set[str]:
    return {n["id"] for n in sub.nodes}


def test_depth_one_by_name_alias_and_title():
    store = small_graph()
    sub = neighbourhood(store, "LLaMA")
    assert sub.center == "model:llama"
    assert sub.nodes[0]["id"] == "model:llama"
    assert ids(sub) == {"model:llama", "arxiv:1", "arxiv:2", "arxiv:3", "dataset:mmlu"}
    assert sub.omitted == 0 and sub.omitted_exact
    # every edge joins two kept nodes, and the edges among depth-1 nodes are there too
    for e in sub.edges:
        assert e["source"] in ids(sub) and e["target"] in ids(sub)
    assert ("arxiv:1", "EVALUATES_ON", "dataset:mmlu") in {(e["source"], e["type"], e["target"]) for e in sub.edges}
    assert neighbourhood(store, "llama-1").center == "model:llama"
    assert neighbourhood(store, "Meditron-70B: medical pretraining").center == "arxiv:2"
    assert neighbourhood(store, "dataset:mmlu").center == "dataset:mmlu"


def test_depth_two_reaches_further_and_never_loads_the_whole_graph():
    store = small_graph()
    one = neighbourhood(store, "MEDITRON", depth=1)
    two = neighbourhood(store, "MEDITRON", depth=2)
    assert ids(one) == {"model:meditron", "arxiv:2", "model:llama2"}
    assert ids(two) == ids(one) | {"model:llama"}
    assert not any(c[0] in ("iter_nodes", "iter_edges") for c in store.calls)
    assert "arxiv:4" not in ids(neighbourhood(store, "MEDITRON", depth=4))


def test_depth_zero_is_the_centre_alone():
    sub = neighbourhood(small_graph(), "LLaMA", depth=0)
    assert ids(sub) == {"model:llama"} and sub.edges == []


def test_type_relation_and_confidence_filters():
    store = small_graph()
    sub = neighbourhood(store, "LLaMA", types="Dataset")
    assert ids(sub) == {"model:llama", "dataset:mmlu"}
    assert [e["type"] for e in sub.edges] == ["EVALUATED_ON"]
    sub = neighbourhood(store, "LLaMA", rels=["USES"])
    assert ids(sub) == {"model:llama", "arxiv:2", "arxiv:3"}
    assert {e["type"] for e in sub.edges} == {"USES"}
    sub = neighbourhood(store, "LLaMA", min_confidence=0.7)
    assert ids(sub) == {"model:llama", "arxiv:1", "dataset:mmlu"}
    assert all(e["confidence"] >= 0.7 for e in sub.edges)
    # type names are case-insensitive; unknown ones are a clear error
    assert ids(neighbourhood(store, "LLaMA", types="dataset,paper")) == {"model:llama", "dataset:mmlu", "arxiv:1", "arxiv:2", "arxiv:3"}
    with pytest.raises(NotFound, match="unknown node type 'Modle'"):
        neighbourhood(store, "LLaMA", types="Modle")
    with pytest.raises(NotFound, match="unknown relation type"):
        neighbourhood(store, "LLaMA", rels="LIKES")


def test_limit_keeps_centre_then_best_supported_and_counts_the_rest():
    store = small_graph()
    sub = neighbourhood(store, "LLaMA", limit=2)
    # dataset:mmlu is linked by the EVALUATED_ON edge with support 2: it beats every paper
    assert [n["id"] for n in sub.nodes] == ["model:llama", "dataset:mmlu"]
    assert sub.omitted == 3
    sub = neighbourhood(store, "LLaMA", limit=3)
    # papers tie on support 1: the most confident link wins (arxiv:1, PROPOSES 0.95)
    assert ids(sub) == {"model:llama", "dataset:mmlu", "arxiv:1"} and sub.omitted == 2
    sub = neighbourhood(store, "LLaMA", limit=1, depth=2)
    assert ids(sub) == {"model:llama"} and sub.omitted == 4 and not sub.omitted_exact


def test_ranking_is_deterministic_ties_by_id():
    nodes = [entity("model:c", "C", "Model", 1)] + [paper(f"p:{i}", f"T{i}") for i in (3, 1, 2)]
    edges = [rel(f"p:{i}", "USES", "model:c", 0.5) for i in (2, 3, 1)]
    a = neighbourhood(FakeStore(nodes, edges), "C", limit=3)
    b = neighbourhood(FakeStore(list(reversed(nodes)), list(reversed(edges))), "C", limit=3)
    assert [n["id"] for n in a.nodes] == [n["id"] for n in b.nodes] == ["model:c", "p:1", "p:2"]
    assert a.edges == b.edges


def test_rank_key_orders_support_then_confidence_then_papers_then_id():
    n1, n2 = {"id": "b", "paper_count": 5}, {"id": "a", "paper_count": 1}
    assert rank_key(n1, [{"support": 3, "confidence": 0.1}]) < rank_key(n2, [{"confidence": 0.99}])
    assert rank_key(n1, [{"confidence": 0.9}]) < rank_key(n2, [{"confidence": 0.5}])
    assert rank_key(n1, [{"confidence": 0.5}]) < rank_key(n2, [{"confidence": 0.5}])
    assert rank_key({"id": "a"}, [{"confidence": 0.5}]) < rank_key({"id": "b"}, [{"confidence": 0.5}])


def test_not_found_lists_closest_names():
    with pytest.raises(NotFound) as info:
        neighbourhood(small_graph(), "Lama 2")
    message = str(info.value)
    assert "no node named 'Lama 2'" in message and "'Llama 2' (model:llama2)" in message
    assert "\n" not in message
    assert closest_names("x", []) == []


def test_pick_center_prefers_id_then_papers():
    a, b = entity("model:bert", "BERT", "Model", 2), entity("method:bert", "BERT", "Method", 9)
    assert pick_center([a, b], "BERT")["id"] == "method:bert"
    assert pick_center([a, b], "model:bert")["id"] == "model:bert"


def test_parse_list():
    assert parse_list(" Model, Dataset ,,Model") == ("Model", "Dataset")
    assert parse_list("") is None and parse_list(None) is None
    assert parse_list(["Model,Task", "Metric"]) == ("Model", "Task", "Metric")


def test_bad_depth_and_limit():
    with pytest.raises(ValueError):
        neighbourhood(small_graph(), "LLaMA", depth=-1)
    with pytest.raises(ValueError):
        neighbourhood(small_graph(), "LLaMA", limit=0)


def test_hub_neighbours_are_fetched_in_chunks_with_the_same_result(monkeypatch):
    import kg.neighbourhood as nb

    nodes = [entity("dataset:hub", "Hub", "Dataset", 50)] + [paper(f"p:{i:03d}", f"T{i}") for i in range(50)]
    edges = [rel(f"p:{i:03d}", "EVALUATES_ON", "dataset:hub", round(0.5 + (i % 7) / 20, 2)) for i in range(50)]
    whole = neighbourhood(FakeStore(nodes, edges), "Hub", limit=11)
    store = FakeStore(nodes, edges)
    monkeypatch.setattr(nb, "FETCH_CHUNK", 4)
    chunked = nb.neighbourhood(store, "Hub", limit=11)
    assert [n["id"] for n in chunked.nodes] == [n["id"] for n in whole.nodes]
    assert chunked.omitted == whole.omitted == 40
    # ranked on briefs read 4 at a time (the base node_briefs reads them through get_nodes),
    # then only the ten chosen read whole
    sizes = [size for name, size in store.calls if name == "get_nodes"]
    assert max(sizes[:-1]) <= 4 and sum(sizes[:-1]) == 50 and sizes[-1] == 10
    # the ten kept papers: the seven at 0.8, then the first three (by id) of those at 0.75
    kept = {n["id"] for n in chunked.nodes} - {"dataset:hub"}
    assert kept == {f"p:{i:03d}" for i in (6, 13, 20, 27, 34, 41, 48, 5, 12, 19)}


def test_a_dropped_node_is_counted_once_even_when_reached_again():
    # level 1: MMLU and arxiv:1 kept, arxiv:2 and arxiv:3 dropped; level 2 reaches arxiv:3 again via MMLU
    sub = neighbourhood(small_graph(), "LLaMA", depth=2, limit=3)
    assert ids(sub) == {"model:llama", "dataset:mmlu", "arxiv:1"}
    assert sub.omitted == 2 and not sub.omitted_exact
    # with room for everything the count is exact and zero
    full = neighbourhood(small_graph(), "LLaMA", depth=2)
    assert len(full.nodes) == 8 and full.omitted == 0 and full.omitted_exact
