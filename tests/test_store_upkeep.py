"""The embedded store's incremental upkeep (what keeps a 100k-paper ingest linear) gives
exactly the graph a recomputation from all rows gives, whatever the batching. No timings."""

from __future__ import annotations

import random

import pytest

from kg.store.embedded import EmbeddedStore

from factsutil import make_facts
from graphutil import graph

SPELLINGS = {"BERT": ["BERT", "Bert"], "GPT-4": ["GPT-4", "GPT 4", "GPT4"], "ImageNet": ["ImageNet", "Imagenet"]}


def _corpus(n: int, seed: int) -> list:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        bert, gpt, imnet = (rng.choice(v) for v in SPELLINGS.values())
        own = f"Net{i % 7}"
        title = f"{own}: a study {i}"
        abstract = (f"We build on {bert} and compare with {gpt}. Results on {imnet} are good."
                    f" We use {bert} features.")
        mentions = [("PROPOSES", "Model", own), ("BUILDS_ON", "Model", bert), ("COMPARES_WITH", "Model", gpt),
                    ("EVALUATES_ON", "Dataset", imnet)]
        out.append(make_facts(title, abstract, mentions, paper_id=f"arxiv:2401.{i:05d}"))
    return out


def _dump(store: EmbeddedStore) -> tuple:
    return (*graph(store),
            store.sql("SELECT form_key, entity_id FROM entity_forms ORDER BY 1, 2"), store.stats()["entities"])


@pytest.mark.parametrize("batch", [1, 3, 17])
def test_batched_writes_equal_one_write(tmp_path, batch):
    facts = _corpus(60, seed=batch)
    with EmbeddedStore(tmp_path / "one.db") as one:
        one.write(facts)  # every entity computed from all its rows at once
        want = _dump(one)
    shuffled = facts[:]
    random.Random(batch).shuffle(shuffled)
    with EmbeddedStore(tmp_path / "many.db") as many:
        added = 0
        for i in range(0, len(shuffled), batch):
            added += many.write(shuffled[i:i + batch]).entities_added
        assert _dump(many) == want
        assert added == want[3]


def test_changed_papers_between_batches_still_match(tmp_path):
    facts = _corpus(30, seed=1)
    changed = _corpus(30, seed=2)[:10]  # same ids, other spellings: the papers change
    with EmbeddedStore(tmp_path / "ref.db") as ref:
        ref.write(changed + facts[10:])
        want = _dump(ref)
    with EmbeddedStore(tmp_path / "inc.db") as inc:
        for i in range(0, 30, 4):
            inc.write(facts[i:i + 4])
        summary = inc.write(changed)
        assert _dump(inc) == want
        assert summary.papers_updated + summary.papers_unchanged == 10


def test_many_papers_share_a_title(tmp_path):
    same = [make_facts("A common title", f"We use BERT {i}.", [("USES", "Model", "BERT")],
                       paper_id=f"arxiv:2401.{i:05d}") for i in range(20)]
    untitled = make_facts("A common title", "We use BERT.", [("USES", "Model", "BERT")])
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write(same[:10])
        store.write([untitled])  # a title-only id takes the smallest real id with that title
        store.write(same[10:])
        assert store.stats()["papers"] == 20
        assert [n["paper_count"] for n in store.get_nodes(["model:bert"])] == [20]


def _recomputed(store: EmbeddedStore) -> tuple[list, list]:
    """Entity nodes and form keys as ``rows.entity_props`` gives them from every relation row
    (the oracle the kept counts must match)."""
    import json

    from kg.ids import compact_key
    from kg.store.rows import entity_props

    rows: dict[str, list] = {}
    for eid, pid, name, etype, aliases, mention in store.sql(
            "SELECT entity_id, paper_id, entity_name, entity_type, entity_aliases, mention FROM relations"):
        rows.setdefault(eid, []).append((pid, name, etype, json.loads(aliases), mention))
    nodes, forms = [], []
    for eid in sorted(rows):
        rs = rows[eid]
        p = entity_props(eid, min(r[2] for r in rs), [(r[0], r[1]) for r in rs],
                         [f for r in rs for f in (*r[3], r[4])])
        nodes.append((eid, p["name"], p["type"], p["aliases"], p["paper_count"]))
        forms += sorted({(k, eid) for k in (compact_key(f) for f in [p["name"], *p["aliases"]]) if k})
    return nodes, sorted(forms)


def _kept(store: EmbeddedStore) -> tuple[list, list]:
    import json

    nodes = [(eid, name, etype, json.loads(aliases), count) for eid, name, etype, aliases, count in
             store.sql("SELECT id, name, type, aliases, paper_count FROM entities ORDER BY id")]
    return nodes, [tuple(r) for r in store.sql("SELECT form_key, entity_id FROM entity_forms ORDER BY 1, 2")]


@pytest.mark.parametrize("seed", [3, 4])
def test_kept_entity_nodes_equal_a_recomputation_from_all_rows(tmp_path, seed):
    """Papers added, changed (other spellings, other entities) and renamed in random batches:
    after every batch each node equals the one computed from all of its rows; entities whose
    last row went are gone, with their form keys."""
    rng = random.Random(seed)
    first, second = _corpus(40, seed=seed), _corpus(40, seed=seed + 100)
    gone = [make_facts(f.paper.title, "An abstract that mentions nothing we know.", [], paper_id=f.paper.id)
            for f in first[30:]]  # Net2.. Net6 are proposed by these papers only, then no more
    with EmbeddedStore(tmp_path / "s.db") as store:
        # papers relating to BERT twice, then changed to another spelling (two rows dropped)
        twice = [make_facts(f"Twice {i}", f"We build on {b} and use {b}.", [("BUILDS_ON", "Model", b),
                                                                             ("USES", "Model", b)],
                            paper_id=f"arxiv:2402.{i:05d}") for i in range(4) for b in ("BERT", "Bert")]
        stream = first[:] + twice[0::2] + rng.sample(second, 25) + twice[1::2] + gone
        for i in range(0, len(stream), 7):
            store.write(stream[i:i + 7])
            assert _kept(store) == _recomputed(store)
        assert store.stats()["entities"] == len(_recomputed(store)[0])


def test_store_made_before_entity_stats_builds_them(tmp_path):
    facts = _corpus(30, seed=5)
    # papers relating to one entity twice (two rows, one paper: counted once in paper_count)
    facts = [make_facts(f"Twice {i}", "We build on BERT and use BERT.", [("BUILDS_ON", "Model", "BERT"),
                                                                         ("USES", "Model", "BERT")],
                         paper_id=f"arxiv:2402.{i:05d}") for i in range(3)] + facts
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write(facts[:20])
        store.db.executescript("DROP TABLE entity_stats; DELETE FROM meta WHERE key='entity_stats';")
    with EmbeddedStore(tmp_path / "s.db") as store:  # as a store from an older kg opens
        store.write(_corpus(30, seed=6)[:5] + facts[20:])
        assert _kept(store) == _recomputed(store)
