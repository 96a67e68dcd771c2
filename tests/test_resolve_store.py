"""Resolution across runs: the embedded store keeps the state, later papers merge into it."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.resolve import resolve_stream
from kg.store.embedded import EmbeddedStore
from resolveutil import DyingStore, Killed, entities, graph, ingest_lockstep, paper

MIM_BARE = paper("b", ("USES", "Method", "MIM"), ("EVALUATES_ON", "Dataset", "ImageNet-1k"))
MIM_DEF = paper("a", ("PROPOSES", "Method", "masked image modeling", ["MIM"]),
                ("EVALUATES_ON", "Dataset", "ImageNet"))


def ingest(store, facts, chunk_size=500):
    return store.write(list(resolve_stream(facts, store, chunk_size=chunk_size)))


def one_run(path, facts):
    with EmbeddedStore(path) as s:
        ingest(s, facts)
        return graph(s)


def runs(path, batches, chunk_size=500):
    for batch in batches:
        with EmbeddedStore(path) as s:
            ingest(s, batch, chunk_size)
    with EmbeddedStore(path) as s:
        return graph(s)


def test_a_later_definition_merges_the_stored_bare_acronym(tmp_path):
    with EmbeddedStore(tmp_path / "kg.db") as s:
        ingest(s, [MIM_BARE])
        assert "method:mim" in entities(s)
        ingest(s, [MIM_DEF])
        ents = entities(s)
        # merged into one entity, whose id keeps the acronym people use: it did not change
        assert "method:maskedimagemodeling" not in ents
        mim = ents["method:mim"]
        assert mim["paper_count"] == 2 and {"MIM", "masked image modeling"} <= {mim["name"], *mim["aliases"]}
        assert s.find_nodes("masked image modeling")[0]["id"] == s.find_nodes("MIM")[0]["id"] == "method:mim"
        # the stored paper's relation points at it, nothing dangles
        assert {e["target"] for e in s.edges_of(["b"]) if e["source"] == "b"} == {
            "method:mim", "dataset:imagenet1k"}
        assert ents["dataset:imagenet1k"]["paper_count"] == 1
        # ImageNet-1k became a variant of ImageNet when ImageNet arrived
        variant = [e for e in s.iter_edges() if e["type"] == "VARIANT_OF"]
        assert [(e["source"], e["target"], e["papers"]) for e in variant] == [
            ("dataset:imagenet1k", "dataset:imagenet", ["b"])]
    # exactly as if both came in one run, in either order
    assert graph(EmbeddedStore(tmp_path / "kg.db")) == one_run(tmp_path / "one.db", [MIM_DEF, MIM_BARE])
    assert runs(tmp_path / "rev.db", [[MIM_DEF], [MIM_BARE]]) == one_run(tmp_path / "one2.db", [MIM_BARE, MIM_DEF])


def test_a_flipped_type_vote_moves_stored_entities(store):
    p1 = paper("p1", ("USES", "Model", "MAE", (), 0.6))
    p2 = paper("p2", ("PROPOSES", "Method", "MAE", (), 0.9), ("USES", "Model", "BERT"))
    p3 = paper("p3", ("USES", "Model", "MAE", (), 0.6))
    ingest(store, [p1])
    assert set(entities(store)) == {"model:mae"}
    ingest(store, [p2])
    assert set(entities(store)) == {"method:mae", "model:bert"}
    ingest(store, [p3])
    assert set(entities(store)) == {"model:mae", "model:bert"}
    assert entities(store)["model:mae"]["paper_count"] == 3
    assert store.stats()["relations"] == 4


def test_a_split_when_the_majority_definition_changes(tmp_path):
    # "SSL" alone and "self-supervised learning" alone in one paper: merged while the only
    # definition says SSL is self-supervised, split again when semi-supervised wins
    mixed = paper("mixed", ("USES", "Method", "SSL", (), 0.9), ("USES", "Method", "self-supervised learning", (), 0.5))
    self1 = paper("s1", ("USES", "Method", "self-supervised learning", ["SSL"]))
    semi = [paper(f"m{i}", ("USES", "Method", "semi-supervised learning", ["SSL"])) for i in range(2)]
    with EmbeddedStore(tmp_path / "kg.db") as s:
        ingest(s, [mixed, self1])
        assert {e["target"] for e in s.edges_of(["mixed"])} == {"method:ssl"}
        ingest(s, semi)
        # "SSL" now names the majority's expansion: semi-supervised learning
        assert {e["target"] for e in s.edges_of(["mixed"])} == {"method:selfsupervisedlearning", "method:ssl"}
        assert "semi-supervised learning" in {entities(s)["method:ssl"]["name"], *entities(s)["method:ssl"]["aliases"]}
    assert runs(tmp_path / "kg.db", []) == one_run(tmp_path / "one.db", [*semi, self1, mixed])


def test_reingesting_changes_nothing(store):
    ingest(store, [MIM_BARE, MIM_DEF])
    before = graph(store)
    w = ingest(store, [MIM_DEF, MIM_BARE])
    assert (w.papers_unchanged, w.papers_updated, w.papers_added) == (2, 0, 0)
    assert graph(store) == before


def test_a_changed_paper_withdraws_its_votes(store):
    defn = paper("a", ("PROPOSES", "Method", "masked image modeling", ["MIM"]))
    ingest(store, [MIM_BARE, defn])
    assert "method:maskedimagemodeling" not in entities(store)
    assert "masked image modeling" in {entities(store)["method:mim"]["name"], *entities(store)["method:mim"]["aliases"]}
    # the paper comes again without the definition: the bare MIM is itself again
    ingest(store, [paper("a", ("PROPOSES", "Method", "masked image modeling"))])
    assert {"method:mim", "method:maskedimagemodeling"} <= set(entities(store))


def test_what_builds_on_bert_is_a_graph_walk(store):
    papers = [
        paper("d", ("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT", (), 0.8)),
        paper("t", ("PROPOSES", "Model", "TinyBERT"), ("BUILDS_ON", "Model", "Bidirectional Encoder Representations "
                                                                          "from Transformers", ["BERT"], 0.7)),
        paper("t2", ("PROPOSES", "Model", "TinyBERT"), ("BUILDS_ON", "Model", "BERT", (), 0.5)),
        paper("r", ("PROPOSES", "Model", "RoBERTa"), ("USES", "Model", "BERT")),
    ]
    ingest(store, papers)
    (bert,) = store.find_nodes("BERT")[:1]
    assert bert["id"] == "model:bert"  # the acronym people use, not the expansion'store key
    assert bert["paper_count"] == 4
    builders = {e["source"]: e for e in store.edges_of([bert["id"]])
                if e["type"] == "BUILDS_ON" and e["target"] == bert["id"] and "papers" in e}
    assert sorted(builders) == ["model:distilbert", "model:tinybert"]  # RoBERTa only uses it
    tiny = builders["model:tinybert"]
    assert tiny["papers"] == ["t", "t2"] and tiny["support"] == 2
    # two papers support it: 1 - (1 - 0.9*0.7)(1 - 0.9*0.5)
    assert tiny["confidence"] == round(1 - (1 - 0.63) * (1 - 0.45), 4)
    assert tiny["confidence"] > max(0.63, 0.45)


CORPUS = [
    MIM_DEF, MIM_BARE,
    paper("c", ("USES", "Method", "vision transformers"), ("USES", "Model", "Llama 2"), ("USES", "Model", "MAE", (), 0.6)),
    paper("d", ("PROPOSES", "Method", "Vision Transformer", ["ViT"]), ("USES", "Model", "ViT-B/16"),
          ("BUILDS_ON", "Model", "BERT"), ("EVALUATES_ON", "Dataset", "ImageNet")),
    paper("e", ("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT-base"),
          ("USES", "Method", "MAE", (), 0.7), ("EVALUATES_ON", "Dataset", "GLUE")),
    paper("f", ("USES", "Model", "LLaMA"), ("USES", "Method", "self-supervised learning", ["SSL"]),
          ("USES", "Model", "Llama-2-7B")),
    paper("g", ("USES", "Method", "SSL"), ("USES", "Method", "semi-supervised learning", ["SSL"]),
          ("USES", "Model", "MAE", (), 0.3)),
    paper("h", ("USES", "Method", "semi-supervised learning", ["SSL"]), ("PROPOSES", "Method", "ViTs"),
          ("EVALUATES_ON", "Dataset", "GLUE")),
    paper("i", ("USES", "Method", "SSL"), ("USES", "Model", "BERT")),
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(0, len(CORPUS)), max_size=3),
       chunk=st.integers(1, 4))
def test_any_order_and_any_split_into_runs_gives_the_same_graph(tmp_path_factory, seed, cuts, chunk):
    expected = one_run(tmp_path_factory.mktemp("one") / "kg.db", CORPUS)
    shuffled = list(CORPUS)
    random.Random(seed).shuffle(shuffled)
    bounds = [0, *sorted(cuts), len(shuffled)]
    batches = [shuffled[a:b] for a, b in zip(bounds, bounds[1:])]
    assert runs(tmp_path_factory.mktemp("runs") / "kg.db", batches, chunk_size=chunk) == expected


def test_extract_then_ingest_facts_equals_ingesting_papers(tmp_path):
    """``kg extract`` (no store) writes resolved facts; ingesting them gives the same graph."""
    resolved = list(resolve_stream(CORPUS))
    assert runs(tmp_path / "facts.db", [resolved]) == one_run(tmp_path / "raw.db", CORPUS)


def test_a_paper_read_with_and_without_its_identifier_votes_once(tmp_path):
    from dataclasses import replace

    from kg.ids import title_paper_id

    title = "Masked modeling at scale"
    by_title = paper(title_paper_id(title), ("USES", "Method", "MIM"), title=title)
    real = paper("arxiv:2401.00001", ("USES", "Method", "MIM"), title=title)
    real = replace(real, paper=replace(real.paper, external_ids={"arxiv": "2401.00001"}),
                   relations=tuple(replace(r, source="arxiv:2401.00001") for r in real.relations))
    for first, second in ((by_title, real), (real, by_title)):
        path = tmp_path / f"{first.paper.id.split(':')[0]}.db"
        with EmbeddedStore(path) as s:
            ingest(s, [first])
            ingest(s, [second])
            assert s.resolution_state().votes(["mim"]) == [("mim", "type", "Method", 1, 900)]  # one paper, one vote
            assert [pid for pid, _ in s.resolution_state().raw([by_title.paper.id, real.paper.id])] == [real.paper.id]
            ingest(s, [MIM_DEF])  # re-resolves the stored paper: its real version
            assert s.stats()["papers"] == 2
            node = next(n for n in s.iter_nodes() if n["id"] == real.paper.id)
            assert node["arxiv"] == "2401.00001"
            assert {e["target"] for e in s.edges_of([real.paper.id])} == {"method:mim"}


def test_facts_resolved_in_shards_then_ingested_together_equal_one_run(tmp_path):
    """``kg extract`` on two machines (each shard resolved with its own votes only), then one
    ``kg ingest`` of both facts files: the facts carry what extraction gave, so the store
    resolves the original votes of the whole corpus."""
    shard_a, shard_b = list(resolve_stream(CORPUS[:4])), list(resolve_stream(CORPUS[4:]))
    assert any(f.unresolved for f in shard_a + shard_b)
    assert runs(tmp_path / "shards.db", [shard_b + shard_a]) == one_run(tmp_path / "raw.db", CORPUS)
    assert runs(tmp_path / "shards2.db", [shard_b, shard_a]) == one_run(tmp_path / "raw2.db", CORPUS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(1, len(CORPUS) - 1), kill=st.integers(0, 40),
       chunk=st.integers(1, 3))
def test_a_run_killed_at_any_step_is_completed_by_running_it_again(tmp_path_factory, seed, cut, kill, chunk):
    expected = one_run(tmp_path_factory.mktemp("one") / "kg.db", CORPUS)
    shuffled = list(CORPUS)
    random.Random(seed).shuffle(shuffled)
    first, second = shuffled[:cut], shuffled[cut:]
    path = tmp_path_factory.mktemp("killed") / "kg.db"
    with EmbeddedStore(path) as s:
        ingest_lockstep(s, first, chunk)
    with EmbeddedStore(path) as s:
        try:
            ingest_lockstep(DyingStore(s, kill), second, chunk)
        except Killed:
            pass
    with EmbeddedStore(path) as s:  # the user runs the same command again
        ingest_lockstep(s, second, chunk)
        assert s.resolution_state().pending() == [] and s.resolution_state().dirty() == {}
    with EmbeddedStore(path) as s:
        assert graph(s) == expected


def test_sums_follow_the_votes_they_summarise(store):
    for batch in ([MIM_DEF, MIM_BARE], CORPUS[2:6], CORPUS, [CORPUS[0]]):
        ingest(store, batch)
        totals: dict = {}
        for key, kind, value, _pid, weight, _surface in store.resolution_state().rows():
            t = totals.setdefault((key, kind, value), [0, 0])
            t[0] += 1
            t[1] += weight
        keys = {k for k, _, _ in totals}
        assert store.resolution_state().votes(keys) == sorted((*k, p, w) for k, (p, w) in totals.items())
        assert store.db.execute("SELECT COUNT(*) FROM resolution_sums").fetchone()[0] == len(totals)


def made_before_abbreviation_votes(store, facts, monkeypatch):
    """Ingest as a kg without ``abbr`` votes did (ids by expansion keys), and leave the store
    saying nothing about its votes' version, as such a store does."""
    import kg.resolve.stream as stream

    real = stream.paper_votes
    with monkeypatch.context() as m:
        m.setattr(stream, "paper_votes", lambda f: [v for v in real(f) if v[1] != "abbr"])
        m.setattr(store.resolution_state(), "set_version", lambda v: None)
        store.write(list(resolve_stream(facts, store)))


def test_a_store_made_before_short_ids_gets_them_on_its_next_ingest(tmp_path, monkeypatch):
    bert_def = paper("t", ("PROPOSES", "Model", "TinyBERT"),
                     ("BUILDS_ON", "Model", "Bidirectional Encoder Representations from Transformers", ["BERT"]))
    bert_bare = paper("d", ("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"))
    with EmbeddedStore(tmp_path / "old.db") as s:
        made_before_abbreviation_votes(s, [MIM_DEF, MIM_BARE, bert_def, bert_bare], monkeypatch)
        assert s.resolution_state().version() == 1
        assert {"method:maskedimagemodeling", "model:bidirectionalencoderrepresentationsfromtransformer"} <= set(
            entities(s))
        ingest(s, [])  # nothing new: the votes are cast again, the ids follow
        assert s.resolution_state().version() == 2
        assert {"method:mim", "model:bert"} <= set(entities(s))
        assert not {"method:maskedimagemodeling", "model:bidirectionalencoderrepresentationsfromtransformer"} & set(
            entities(s))
    assert graph(EmbeddedStore(tmp_path / "old.db")) == one_run(tmp_path / "new.db", [MIM_DEF, MIM_BARE, bert_def,
                                                                                         bert_bare])
