"""Read paths that stay fast on a million papers give what the slow way gives: the counts
``kg stats`` keeps equal a recount, a neighbourhood ranked in SQL equals the ranking in
Python, and the closest names from the name index equal those of a scan. No timings."""

from __future__ import annotations

import random

import pytest

from kg.store.embedded import EmbeddedStore

from factsutil import absorbing, make_facts

MODELS = ["BERT", "GPT-4", "Llama 2", "ResNet", "ViT", "T5"]
DATASETS = ["ImageNet", "COCO", "SQuAD", "GLUE"]
RELS = ["PROPOSES", "BUILDS_ON", "USES", "COMPARES_WITH"]


def random_facts(rng: random.Random, i: int, variant: int = 0):
    """A paper with a few random relations; ``variant`` changes its text (and so its facts)."""
    own = f"Net{rng.randrange(12)}"
    picks = rng.sample(MODELS, rng.randrange(0, 4))
    data = rng.sample(DATASETS, rng.randrange(0, 3))
    title = f"{own}: a study {i}" + (f" v{variant}" if variant else "")
    abstract = " ".join([f"We use {m}." for m in picks] + [f"Results on {d}." for d in data]) or "Nothing named."
    mentions = [("PROPOSES", "Model", own)] if rng.random() < 0.7 else []
    mentions += [(rng.choice(RELS[1:]), "Model", m) for m in picks]
    mentions += [("EVALUATES_ON", "Dataset", d) for d in data]
    pid = f"arxiv:2401.{i:05d}" if rng.random() < 0.8 else None  # some title-derived ids
    return make_facts(title, abstract, mentions, paper_id=pid)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kept_counts_equal_a_recount_after_random_writes(tmp_path, seed):
    """Papers added, rewritten with other entities, written again unchanged, under real and
    title-derived ids, in random batches: after every batch the counts `kg stats` reads
    equal those counted from the tables."""
    rng = random.Random(seed)
    with EmbeddedStore(tmp_path / "s.db") as store:
        for step in range(12):
            batch = [random_facts(rng, rng.randrange(40), variant=rng.randrange(3)) for _ in range(rng.randrange(1, 9))]
            if step == 6:  # papers that lose every relation: entities and derived edges go
                batch = [make_facts(f"Net{k}: a study {k}", "Nothing named.", [], paper_id=f"arxiv:2401.{k:05d}")
                         for k in range(40)]
            store.write(batch)
            kept = store.stats()
            assert kept == store.counted_stats()
        assert kept["papers"] > 0 and kept["entity_relations"] >= 0


def test_a_store_made_before_the_counts_counts_once(tmp_path):
    rng = random.Random(7)
    facts = [random_facts(rng, i) for i in range(30)]
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write(facts[:20])
        store.db.executescript("DROP TABLE counts; DELETE FROM meta WHERE key='counts';")
    with EmbeddedStore(tmp_path / "s.db") as store:  # as a store from an older kg opens
        assert store.stats() == store.counted_stats()  # counted: nothing is kept yet
        store.write(facts[20:])
        assert store.sql("SELECT value FROM meta WHERE key='counts'") == [("1",)]
        assert store.stats() == store.counted_stats()


# -- a neighbourhood ranked in SQL ------------------------------------------------------------
class PythonRanked:
    """The same store without its SQL ranking: ``kg.neighbourhood`` ranks in Python (as it does
    on Neo4j)."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        if name == "neighbour_ranking":
            raise AttributeError(name)
        return getattr(self._store, name)


def _with_confidences(facts, rng: random.Random):
    from dataclasses import replace

    # few distinct values: many ties, broken by paper count and then id
    return replace(facts, relations=tuple(replace(r, confidence=rng.choice([0.5, 0.7, 0.9]))
                                          for r in facts.relations))


@pytest.fixture(scope="module")
def ranked_store(tmp_path_factory):
    rng = random.Random(11)
    path = tmp_path_factory.mktemp("nbh") / "s.db"
    with EmbeddedStore(path) as store:
        store.write([_with_confidences(random_facts(rng, i), rng) for i in range(120)])
    return path


@pytest.mark.parametrize("name,depth,types,rels,min_conf,limit", [
    ("BERT", 1, None, None, 0.0, 300),
    ("BERT", 1, None, None, 0.0, 7),
    ("ImageNet", 2, None, None, 0.0, 25),
    ("BERT", 3, None, None, 0.0, 40),
    ("Net3", 2, "Paper,Model", None, 0.0, 15),
    ("ResNet", 2, None, "USES,EVALUATES_ON,PROPOSES", 0.6, 20),
    ("COCO", 2, "Dataset,Model", "EVALUATED_ON,EVALUATES_ON,PROPOSES", 0.0, 12),
    ("GPT-4", 0, None, None, 0.0, 5),
    ("GPT-4", 2, "Metric", None, 0.0, 5),
])
def test_neighbourhood_ranked_in_sql_equals_the_python_ranking(ranked_store, name, depth, types, rels, min_conf,
                                                                limit):
    from kg.neighbourhood import neighbourhood

    with EmbeddedStore(ranked_store) as store:
        args = dict(depth=depth, types=types, rels=rels, min_confidence=min_conf, limit=limit)
        got = neighbourhood(store, name, **args)
        want = neighbourhood(PythonRanked(store), name, **args)
    assert [n["id"] for n in got.nodes] == [n["id"] for n in want.nodes]
    assert got.edges == want.edges
    assert (got.omitted, got.omitted_exact) == (want.omitted, want.omitted_exact)
    assert len(got.nodes) <= limit


def test_neighbourhood_ranking_leaves_no_temporary_tables(ranked_store):
    from kg.neighbourhood import neighbourhood

    with EmbeddedStore(ranked_store) as store:
        neighbourhood(store, "BERT", depth=2, limit=10)
        neighbourhood(store, "BERT", depth=2, limit=10)  # the second walk starts afresh
        assert store.sql("SELECT name FROM sqlite_temp_master WHERE type='table'") == []


@pytest.mark.parametrize("depth,limit", [(1, 3), (2, 9), (2, 30)])
def test_neighbourhood_of_a_paper_ranked_in_sql_equals_python(ranked_store, depth, limit):
    """Around a paper, candidates tie on support and confidence: paper counts, then ids decide."""
    from kg.neighbourhood import neighbourhood

    with EmbeddedStore(ranked_store) as store:
        paper = store.sql("SELECT paper_id FROM relations GROUP BY paper_id ORDER BY COUNT(*) DESC, paper_id"
                          " LIMIT 1")[0][0]
        got = neighbourhood(store, paper, depth=depth, limit=limit)
        want = neighbourhood(PythonRanked(store), paper, depth=depth, limit=limit)
    assert [n["id"] for n in got.nodes] == [n["id"] for n in want.nodes]
    assert got.omitted == want.omitted and got.omitted > 0


def test_ties_on_support_and_confidence_go_to_the_entity_with_more_papers(tmp_path):
    from kg.neighbourhood import neighbourhood

    centre = make_facts("Centre paper", "We use Aaa and Zzz.", [("USES", "Model", "Aaa"), ("USES", "Model", "Zzz")],
                        paper_id="arxiv:2401.00001")
    more = [make_facts(f"Other {i}", "We use Zzz.", [("USES", "Model", "Zzz")], paper_id=f"arxiv:2401.{i:05d}")
            for i in range(2, 6)]
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write([centre, *more])
        for s in (store, PythonRanked(store)):
            got = neighbourhood(s, "arxiv:2401.00001", depth=1, limit=2)
            assert [n["id"] for n in got.nodes] == ["arxiv:2401.00001", "model:zzz"] and got.omitted == 1


def test_edges_by_keys_equal_the_generic_lookup(ranked_store):
    """The embedded store's key lookup (what a view's derived-edge evidence reads) gives what
    the generic ``edges_between`` filter gives, for present and missing keys."""
    from kg.store.base import GraphStore

    rng = random.Random(3)
    with EmbeddedStore(ranked_store) as store:
        edges = list(store.iter_edges())
        keys = {(e["source"], e["type"], e["target"]) for e in rng.sample(edges, 60)}
        keys |= {("arxiv:2401.00001", "USES", "model:nothere"), ("model:bert", "VARIANT_OF", "model:nothere")}
        got = store.edges_by_keys(keys)
        assert got == GraphStore.edges_by_keys(store, keys)
        assert len(got) == len(keys) - 2


# -- the neighbourhood of the sample store's hubs, ranked both ways --------------------------
@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from click.testing import CliRunner

    from conftest import SAMPLE
    from kg.cli import main

    path = tmp_path_factory.mktemp("sample") / "kg.db"
    result = CliRunner().invoke(main, ["ingest", str(SAMPLE), "--store", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("rank,depth,limit,types,rels,min_conf", [
    (0, 1, 300, None, None, 0.0),
    (0, 1, 10, None, None, 0.0),
    (0, 2, 60, None, None, 0.0),
    (1, 2, 25, "Paper,Model,Dataset", None, 0.0),
    (2, 3, 40, None, "USES,EVALUATES_ON,BUILDS_ON,EVALUATED_ON", 0.5),
    (5, 2, 15, "Paper,Method", None, 0.0),
])
def test_sample_hubs_ranked_in_sql_equal_the_python_ranking(sample_store, rank, depth, limit, types, rels, min_conf):
    """The real graph of the sample corpus: its biggest hubs (by paper count) as centres."""
    from kg.neighbourhood import neighbourhood

    with EmbeddedStore(sample_store, readonly=True) as store:
        hub = store.sql("SELECT id FROM entities ORDER BY paper_count DESC, id LIMIT 1 OFFSET ?", (rank,))[0][0]
        args = dict(depth=depth, types=types, rels=rels, min_confidence=min_conf, limit=limit)
        got = neighbourhood(store, hub, **args)
        want = neighbourhood(PythonRanked(store), hub, **args)
    assert [n["id"] for n in got.nodes] == [n["id"] for n in want.nodes]
    assert got.edges == want.edges and got.evidence == want.evidence
    assert (got.omitted, got.omitted_exact) == (want.omitted, want.omitted_exact)
    assert len(got.nodes) > 1


# -- the names index behind the closest-name suggestion --------------------------------------
def _expected_names(store) -> list[tuple[str, str]]:
    """(node id, key) of every name the tables give a node: what ``node_names`` must hold."""
    import json

    from kg.ids import suggestion_key as name_key

    want = set()
    for eid, name, aliases in store.sql("SELECT id, name, aliases FROM entities"):
        want |= {(eid, name_key(n)) for n in [name, *json.loads(aliases)] if name_key(n)}
    want |= {(pid, name_key(t)) for pid, t in store.sql("SELECT id, title FROM papers") if name_key(t)}
    return sorted(want)


def _indexed_names(store) -> list[tuple[str, str]]:
    rows = store.sql("SELECT node_id, key FROM node_names")
    assert len(rows) == len(set(rows))
    # the full-text index answers for every row it should (and only those)
    for node_id, key in rows[::7]:
        hits = store.sql("SELECT n.node_id FROM node_names_fts f JOIN node_names n ON n.rowid = f.rowid"
                         " WHERE node_names_fts MATCH ?", ('"' + key[:12] + '"',)) if len(key) >= 3 else []
        assert len(key) < 3 or node_id in {h[0] for h in hits}
    assert store.sql("SELECT COUNT(*) FROM node_names_fts") == [(len(rows),)]
    # the index holds exactly the rows' trigrams (SQLite checks it against node_names)
    store.db.execute("INSERT INTO node_names_fts(node_names_fts, rank) VALUES('integrity-check', 1)")
    # and a store that keeps the index has the schema it was made with: both triggers keep the
    # index for any other writer
    from kg.store.embedded import _NAMES_TRIGGERS

    triggers = store.sql("SELECT sql FROM sqlite_master WHERE type='trigger' AND tbl_name='node_names' ORDER BY name")
    if store.sql("SELECT 1 FROM meta WHERE key='names_index'"):
        assert [t.replace(" IF NOT EXISTS", "") for t in sorted(_NAMES_TRIGGERS)] == [t for t, in triggers]
    return sorted(rows)


@pytest.mark.parametrize("seed", [0, 1])
def test_names_index_follows_every_write(tmp_path, seed):
    """Papers added, rewritten with other entities and titles, renamed from title ids to real
    ones and losing every relation: after each batch the index holds exactly the names the
    tables give (entity names and aliases, paper titles)."""
    rng = random.Random(seed)
    with EmbeddedStore(tmp_path / "s.db") as store:
        for step in range(10):
            batch = [random_facts(rng, rng.randrange(40), variant=rng.randrange(3)) for _ in range(rng.randrange(1, 9))]
            if step == 5:
                batch = [make_facts(f"Net{k}: a study {k}", "Nothing named.", [], paper_id=f"arxiv:2401.{k:05d}")
                         for k in range(40)]
            elif step % 3 == 2:  # stored papers merged into a later one, some written in this batch
                batch = absorbing(batch, rng, "arxiv:2401", 40)
            store.write(batch)
            assert _indexed_names(store) == _expected_names(store)
        assert store.sql("SELECT COUNT(*) FROM node_names")[0][0] > 0
        # an alias gained and lost; a title-id paper replaced by the same title with a real id
        spelled = [make_facts(f"Spelling {k}", f"We use {form}.", [("USES", "Model", form)],
                              paper_id=f"arxiv:2402.{k:05d}") for k, form in enumerate(["Llama 2", "Llama2"])]
        steps = [spelled, [spelled[0]], [make_facts("Spelling 1", "Nothing.", [], paper_id="arxiv:2402.00001")],
                 [make_facts("A paper by title only", "We use T5.", [("USES", "Model", "T5")])],
                 [make_facts("A paper by title only", "We use T5.", [("USES", "Model", "T5")],
                             paper_id="arxiv:2402.00009")]]
        # in one write: a paper written, renamed and merged into another; the newest row renamed
        late = make_facts("Late paper", "We use ViT.", [("USES", "Model", "ViT")], paper_id="arxiv:2403.00001")
        steps += [[late],
                  [make_facts("Fresh one", "We use BERT.", [("USES", "Model", "BERT")], paper_id="arxiv:2403.00002"),
                   make_facts("Fresh one renamed", "We use BERT.", [("USES", "Model", "BERT")],
                              paper_id="arxiv:2403.00002"),
                   make_facts("Late paper renamed", "We use ViT.", [("USES", "Model", "ViT")],
                              paper_id="arxiv:2403.00001"),
                   absorbing([make_facts("The merge", "We use T5.", [("USES", "Model", "T5")],
                                         paper_id="arxiv:2403.00003")], rng, "arxiv:2403", 3)[0]]]
        for batch in steps:
            store.write(batch)
            assert _indexed_names(store) == _expected_names(store)
        keys = {k for i, k in _indexed_names(store) if i == "model:llama2"}
        assert keys == {"llama 2"}, "the alias Llama2 went with the only paper that spelled it so"
        from kg.ids import title_paper_id

        ids = {i for i, _ in _indexed_names(store)}
        assert "arxiv:2402.00009" in ids and title_paper_id("A paper by title only") not in ids


def test_a_store_made_before_the_names_index_is_scanned_by_readers_and_indexed_by_its_next_write(tmp_path):
    import hashlib

    from kg.neighbourhood import closest_names, suggest

    rng = random.Random(5)
    path = tmp_path / "s.db"
    with EmbeddedStore(path) as store:
        store.write([random_facts(rng, i) for i in range(30)])
        store.db.executescript("DROP TABLE node_names_fts; DROP TABLE node_names; DROP INDEX relations_entity_paper;"
                               " DELETE FROM meta WHERE key='names_index';")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with EmbeddedStore(path, readonly=True) as store:  # a reader: the scan, and nothing written
        assert store.name_candidates("Lama 2") is None
        scanned = suggest(store, "Lama 2")
        assert scanned == closest_names("Lama 2", store.node_names()) and scanned[0] == ("model:llama2", "Llama 2")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db"]
    with EmbeddedStore(path) as store:
        store.write([random_facts(rng, i) for i in range(30, 40)])
        assert _indexed_names(store) == _expected_names(store)
        assert store.sql("SELECT name FROM sqlite_master WHERE name='relations_entity_paper'")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with EmbeddedStore(path, readonly=True) as store:  # the index read (a temporary vocabulary table)
        assert store.name_candidates("Lama 2") is not None
        assert suggest(store, "Lama 2")[0] == ("model:llama2", "Llama 2")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db"]


def _typo(rng: random.Random, s: str) -> str:
    i = rng.randrange(len(s))
    return rng.choice([s[:i] + s[i + 1:], s[:i] + rng.choice("aeioxz") + s[i + 1:], s[:i] + s[i] + s[i:]])


def test_suggestions_from_the_index_are_as_good_as_the_scan(sample_store):
    """A typo in a name of the sample store (one character dropped, changed or doubled): the
    index's suggestions name the node meant at least as often as the scan of every name, and
    put the same node first nearly always (the two differ only among near ties)."""
    from kg.neighbourhood import closest_names, suggest

    rng = random.Random(0)
    found = {"index": 0, "scan": 0}
    first = {"index": 0, "scan": 0}
    agree = 0
    with EmbeddedStore(sample_store, readonly=True) as store:
        names = list(store.node_names())[::3]
        for node_id, name in names:
            typo = _typo(rng, name)
            got = [i for i, _ in suggest(store, typo)]
            want = [i for i, _ in closest_names(typo, store.node_names())]
            found["index"] += node_id in got
            found["scan"] += node_id in want
            first["index"] += got[:1] == [node_id]
            first["scan"] += want[:1] == [node_id]
            agree += got[:1] == want[:1]
    assert found["index"] >= found["scan"] and first["index"] >= first["scan"]
    assert found["scan"] >= 0.9 * len(names)  # the typos leave the names recognisable
    assert agree >= 0.95 * len(names)


def test_an_emptied_neo4j_state_file_keeps_a_working_names_index(tmp_path):
    """``reset_state_file`` (a Neo4j state file emptied with its database) empties every table
    but leaves the full-text index's own tables to SQLite: the next write indexes again."""
    from kg.neighbourhood import suggest
    from kg.store.neo4j_state import reset_state_file

    rng = random.Random(9)
    with EmbeddedStore(tmp_path / "state.kgstate") as store:
        store.write([random_facts(rng, i) for i in range(20)])
        assert reset_state_file(store)
        assert store.sql("SELECT COUNT(*) FROM papers") == [(0,)] and _indexed_names(store) == []
        store.write([random_facts(rng, i) for i in range(20, 30)])
        assert _indexed_names(store) == _expected_names(store) != []
        assert store.stats() == store.counted_stats()
        assert _kept_pairs(store) == _counted_pairs(store)
        assert suggest(store, "Lama 2")[0] == ("model:llama2", "Llama 2")


# -- the kept pair counts behind benchmarks_evaluated_together --------------------------------
PAIR_DATASETS = ["ImageNet", "COCO", "SQuAD", "GLUE", "MNIST", "CIFAR-10", "WMT14", "LAMBADA"]


def _kept_pairs(store) -> list[tuple]:
    return [tuple(r) for r in store.sql("SELECT a, b, papers FROM evaluated_together ORDER BY a, b")]


def _counted_pairs(store) -> list[tuple]:
    from kg.store.embedded import PAIRS_COUNT_SQL

    return sorted(tuple(r) for r in store.sql(PAIRS_COUNT_SQL))


def _same_answers(store, limits=(1, 3, 20, 100_000)) -> None:
    """The query read from the kept counts gives the self-join's rows, in its order."""
    from kg.queries import benchmarks_evaluated_together as q

    assert q.kept(store)
    for n in limits:
        assert q.run(store, {"limit": n}) == q.run(store, {"limit": n}, counted=True), n


def _pair_facts(rng: random.Random, i: int, variant: int = 0):
    """A paper evaluating on up to four datasets (and sometimes on a model: a pair the
    ``Dataset`` filter leaves out), under a real or a title-derived id."""
    data = rng.sample(PAIR_DATASETS, rng.randrange(0, 5))
    odd = ["BERT"] if rng.random() < 0.2 else []
    title = f"Study {i}" + (f" v{variant}" if variant else "")
    abstract = " ".join(f"Results on {d}." for d in data + odd) or "Nothing named."
    mentions = [("EVALUATES_ON", "Dataset", d) for d in data] + [("EVALUATES_ON", "Model", m) for m in odd]
    pid = f"arxiv:2403.{i:05d}" if rng.random() < 0.8 else None
    return make_facts(title, abstract, mentions, paper_id=pid)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kept_pair_counts_equal_a_recount_after_random_writes(tmp_path, seed):
    """Papers added, rewritten with other datasets, written again unchanged, renamed from a
    title-derived id to a real one, absorbing other stored papers and losing every relation,
    in random batches: after every batch the kept pair counts equal the self-join's, and the
    query gives the self-join's rows."""
    rng = random.Random(seed)
    with EmbeddedStore(tmp_path / "s.db") as store:
        for step in range(12):
            batch = [_pair_facts(rng, rng.randrange(30), variant=rng.randrange(3)) for _ in range(rng.randrange(1, 9))]
            if step % 4 == 3:  # a paper absorbs stored ones (a merge of records across runs)
                batch = absorbing(batch, rng, "arxiv:2403")
            if step == 6:
                batch = [make_facts(f"Study {k}", "Nothing named.", [], paper_id=f"arxiv:2403.{k:05d}")
                         for k in range(0, 30, 2)]
            store.write(batch)
            assert _kept_pairs(store) == _counted_pairs(store)
            _same_answers(store, (2, 100_000))
        assert _kept_pairs(store) and all(n > 0 for *_, n in _kept_pairs(store))
        assert any(b == "model:bert" for _, b, _ in _kept_pairs(store))  # kept, and left out by the query
        assert store.stats() == store.counted_stats()


def test_the_query_reads_the_kept_counts_in_index_order(tmp_path):
    """No sort and no self-join: the pairs are read from ``(papers DESC, a, b)`` in order."""
    from kg.queries.benchmarks_evaluated_together import KEPT_SQL

    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write([_pair_facts(random.Random(1), i) for i in range(10)])
        plan = " | ".join(r[-1] for r in store.sql("EXPLAIN QUERY PLAN " + KEPT_SQL, (20,)))
    assert "evaluated_together_papers" in plan and "TEMP B-TREE" not in plan and "relations" not in plan, plan


def test_kept_pair_counts_follow_ingests_changes_and_merges(sample_store, tmp_path):
    """The real path: the sample corpus ingested, then a synthetic corpus that re-resolves
    stored papers, the same corpus with changed papers, and records merged across runs (a
    BibTeX export's title-only papers, absorbed by the API's records of them a run later)."""
    import gzip
    import json
    import shutil
    import subprocess
    import sys

    from conftest import ROOT
    from kg.pipeline import run_ingest

    path = tmp_path / "kg.db"
    shutil.copy(sample_store, path)
    with EmbeddedStore(path, readonly=True) as store:
        assert _kept_pairs(store) == _counted_pairs(store) != []
        _same_answers(store)
    corpus = tmp_path / "c.jsonl.gz"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "80", "-o", str(corpus),
                    "--seed", "3"], check=True, capture_output=True)
    papers = [json.loads(line) for line in gzip.open(corpus, "rt", encoding="utf-8")]
    changed = tmp_path / "changed.jsonl"
    with open(changed, "w", encoding="utf-8") as fh:  # every third paper with another's abstract
        for i, p in enumerate(papers):
            if i % 3 == 0:
                p = {**p, "abstract": papers[(i + 40) % len(papers)]["abstract"]}
            fh.write(json.dumps(p) + "\n")
    real = ROOT / "tests" / "fixtures" / "real"
    reports = []
    with EmbeddedStore(path) as store:
        for inputs in ([corpus], [changed], [real / "s2-citation-styles.bib"],
                       [real / "s2-batch-with-null.json", real / "s2-paper-2302.13971.json"]):
            reports.append(run_ingest([str(f) for f in inputs], store, workers=1))
            assert _kept_pairs(store) == _counted_pairs(store)
            _same_answers(store)
    assert reports[0].write.papers_added == 80 and reports[0].reresolved > 0
    assert reports[1].write.papers_updated > 0
    assert reports[3].merge.absorbed == 3


def test_a_store_made_before_the_pair_counts_joins_when_read_and_counts_on_its_next_write(sample_store, tmp_path):
    import hashlib
    import shutil

    from kg.queries import benchmarks_evaluated_together as q

    path = tmp_path / "kg.db"
    shutil.copy(sample_store, path)
    rng = random.Random(4)
    with EmbeddedStore(path) as store:  # the sample's pairs (one paper each) and pairs of many papers
        store.write([_pair_facts(rng, i) for i in range(20)])
        want = q.run(store, {"limit": 100_000})
        assert len({r["papers"] for r in want}) > 2 and len(want) > 20  # ranked, with ties
        store.db.executescript("DROP TABLE evaluated_together; DELETE FROM meta WHERE key='evaluated_together';")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with EmbeddedStore(path, readonly=True) as store:  # as a store from an older kg: the self-join
        assert not q.kept(store)
        assert q.run(store, {"limit": 100_000}) == want
        assert q.run(store, {"limit": 5}) == want[:5]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    with EmbeddedStore(path) as store:
        store.write([_pair_facts(rng, i) for i in range(20, 40)])
        assert store.sql("SELECT value FROM meta WHERE key='evaluated_together'") == [("1",)]
        assert _kept_pairs(store) == _counted_pairs(store)
        _same_answers(store)
        assert q.run(store, {"limit": 100_000}) != want  # the new papers' pairs are in


def test_a_lean_writer_leaves_no_read_index_to_trust_and_a_full_writer_builds_them_again(tmp_path):
    """A lean writer (a Neo4j state file, read through Neo4j) keeps neither the names index nor
    the pair counts: they are emptied and unmarked, so readers do without them (the same
    answers, by a scan), and the next writer that is not lean builds them from what is stored."""
    from kg.neighbourhood import suggest

    rng = random.Random(11)
    first = [random_facts(rng, i) for i in range(20)]
    later = [random_facts(rng, i, variant=1) for i in range(10, 30)]
    path = tmp_path / "state.kgstate"
    with EmbeddedStore(path) as full:  # made by a full writer: indexed
        full.write(first)
        assert _indexed_names(full) != []
    with EmbeddedStore(path, exclusive=False, lean=True) as lean:
        lean.write(later)
        assert lean.sql("SELECT key FROM meta WHERE key IN ('names_index', 'evaluated_together')") == []
        assert _indexed_names(lean) == [] and _kept_pairs(lean) == []
        assert lean.name_candidates("Lama 2") is None  # no index to read: the suggestion scans
        assert suggest(lean, "Lama 2")[0] == ("model:llama2", "Llama 2")
        assert lean.stats() == lean.counted_stats()
        assert _relation_indexes(lean) == []  # only reads use them
    with EmbeddedStore(tmp_path / "ref.db") as ref:
        ref.write(first)
        ref.write(later)
        with EmbeddedStore(path) as full:
            full.write([])  # a full writer again: both built from the tables
            assert _indexed_names(full) == _expected_names(full) == _expected_names(ref)
            assert _kept_pairs(full) == _counted_pairs(full) == _kept_pairs(ref)
            assert suggest(full, "Lama 2") == suggest(ref, "Lama 2")
            assert _relation_indexes(full) == _relation_indexes(ref) == [
                "relations_entity", "relations_entity_paper", "relations_type"]


def _relation_indexes(store):
    return [r[0] for r in store.sql("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='relations'"
                                    " AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name")]
