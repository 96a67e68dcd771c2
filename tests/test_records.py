"""Records of one paper: linking and the field-wise merge (kg.records), and the merge stage
(kg.record_stream) over a real embedded store: the same papers for every order of the records
and every split into runs."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.records import groups, join, link_keys, merge, merge_all, own_links
from kg.record_stream import MergeReport, merge_stream
from kg.schema import Paper, PaperFacts
from kg.store.embedded import EmbeddedStore

from kg.loaders.fields import make_paper


def rec(title, abstract="", ids=None, year=None, authors=(), url=None, source="x:f:1"):
    return make_paper(title=title, abstract=abstract, ids=ids or {}, year=year, authors=authors, url=url,
                      source=source)


# -- the rules --------------------------------------------------------------------------


def test_a_record_without_abstract_never_erases_one():
    full = rec("LLaMA: Open and Efficient Foundation Language Models", "We introduce LLaMA.",
               {"arxiv": "2302.13971", "s2": "57E849D0", "corpusid": "257219404"}, 2023,
               ("Hugo Touvron", "Thibaut Lavril"), "https://www.semanticscholar.org/paper/57e849d0")
    bare = rec("{LLaMA}: Open and Efficient Foundation Language Models", "", {"arxiv": "2302.13971"}, 2023,
               ("Hugo Touvron",), source="bibtex:b.bib:3")
    for a, b in ((full, bare), (bare, full)):
        m = join(a, b)
        assert m.abstract == "We introduce LLaMA."
        assert m.external_ids == {"arxiv": "2302.13971", "corpusid": "257219404", "s2": "57e849d0"}
        assert m.authors == ("Hugo Touvron", "Thibaut Lavril")
        assert m.url == "https://arxiv.org/abs/2302.13971"  # the arXiv abs page ranks first
        assert m.id == "arxiv:2302.13971" and m.source == "bibtex:b.bib:3"


def test_field_rules():
    a = rec("Attention is all you need", "short", {"doi": "10.1000/X"}, 2018, ("A. Vaswani",), source="s:b:1")
    b = rec("Attention Is All You Need", "a much longer abstract", {"arxiv": "1706.03762"}, 2017,
            ("Ashish Vaswani", "Noam Shazeer"), source="s:a:1")
    c = rec("attention is all you need", "", {}, None, (), source="s:c:1")  # title only: links a and b
    m = merge([a, b, c])
    assert m.title == "Attention Is All You Need"  # from a record with an id; then more capitals
    assert m.abstract == "a much longer abstract" and m.year == 2017
    assert m.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert m.external_ids == {"arxiv": "1706.03762", "doi": "10.1000/x"} and m.id == "arxiv:1706.03762"
    assert m.url == "https://arxiv.org/abs/1706.03762"  # arXiv abs page over a DOI link
    assert m.source == "s:a:1"
    # the title-only record's key stays a link key of the merged paper
    assert f"o:{'attentionisallyouneed'}" in m.links and link_keys(m) >= link_keys(c)


def test_linking():
    a = rec("One Title", ids={"arxiv": "2101.00001"})
    b = rec("One Title", ids={"doi": "10.1000/b"})
    c = rec("One title!", ids={})
    d = rec("Other", ids={"doi": "10.1000/B"})  # DOIs are case-insensitive
    e = rec("Another", ids={"id": "17"})  # a local id links nothing
    f = rec("Another 2", ids={"id": "17"})
    # a and b share only a title: not linked, until a title-only record (c) links both
    assert groups([a, b]) == [[0], [1]]
    assert groups([a, b, c]) == [[0, 1, 2]]
    assert groups([c, a, b]) == [[0, 1, 2]]
    assert groups([b, d]) == [[0, 1]]
    assert groups([e, f]) == [[0], [1]]
    assert "o:onetitle" in own_links(c) and "o:onetitle" not in own_links(a)


# -- laws, by property --------------------------------------------------------------------

TITLES = ("Deep Residual Learning", "deep residual learning", "Deep Residual Learning.", "Mask R-CNN",
          "Faster {R-CNN}", "Faster R-CNN")
IDS = ({}, {}, {"arxiv": "1512.03385"}, {"doi": "10.1109/CVPR.2016.90"},
       {"arxiv": "1512.03385", "doi": "10.1109/cvpr.2016.90"}, {"s2": "2C03DF8B"}, {"arxiv": "1703.06870"},
       {"corpusid": "206594692"}, {"s2": "2c03df8b", "corpusid": "206594692"}, {"id": "row-3"})
ABSTRACTS = ("", "", "We present a residual learning framework.", "Deeper neural networks are more difficult to train.",
             "We present a residual learning framework to ease the training of deeper networks.")
AUTHORS = ((), ("K. He",), ("Kaiming He", "Xiangyu Zhang"), ("Kaiming He", "X. Zhang"))
URLS = (None, "http://arxiv.org/abs/1512.03385v1", "https://doi.org/10.1109/CVPR.2016.90", "https://example.org/p")

record = st.builds(
    lambda t, i, a, y, au, u, s: rec(TITLES[t], ABSTRACTS[a], IDS[i], y, AUTHORS[au], URLS[u], f"f:{s}:1"),
    st.integers(0, len(TITLES) - 1), st.integers(0, len(IDS) - 1), st.integers(0, len(ABSTRACTS) - 1),
    st.sampled_from((None, 2015, 2016)), st.integers(0, len(AUTHORS) - 1), st.integers(0, len(URLS) - 1),
    st.sampled_from("abc"))


def as_set(papers):
    """Papers as comparable dicts (a lone record keeps its local "id" key; stores never do)."""
    out = []
    for p in papers:
        d = p.to_dict()
        d["external_ids"].pop("id", None)
        out.append(d)
    return sorted(out, key=lambda d: d["id"])


@settings(max_examples=150, deadline=None)
@given(st.lists(record, min_size=1, max_size=7), st.randoms(use_true_random=False))
def test_join_is_order_free(records, rnd):
    m = merge(records)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert merge(shuffled) == m
    assert join(m, m) == m  # idempotent
    assert merge([merge(shuffled[:2]), *shuffled[2:]]) == m  # associative: merged papers merge on


@settings(max_examples=150, deadline=None)
@given(st.lists(record, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_grouping_is_order_free(records, rnd):
    want = as_set(merge_all(records))
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert as_set(merge_all(shuffled)) == want


# -- the merge stage against a real store, split into runs --------------------------------


def ingest(store, records, report=None):
    """One run of the merge stage; the merged papers written as they are (no extraction)."""
    out = list(merge_stream(lambda quiet: iter(records), store=store, report=report))
    facts = [r if isinstance(r, PaperFacts) else PaperFacts(paper=r) for r in out]
    if facts:
        store.write(facts)
    return out


def stored(store):
    ids = [n["id"] for n in store.iter_nodes() if n["label"] == "Paper"]
    return store.stored_papers(ids)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(record, min_size=1, max_size=7), st.randoms(use_true_random=False), st.data())
def test_merge_stage_order_and_runs_free(tmp_path_factory, records, rnd, data):
    want = as_set(merge_all(records))
    order = list(records)
    rnd.shuffle(order)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(order) - 1)), max_size=3)))
    runs = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)]) if order[a:b]]
    path = tmp_path_factory.mktemp("merge") / "kg.db"
    with EmbeddedStore(path) as store:
        for run in runs:
            ingest(store, run)
        got = stored(store)
    # the same papers, fields and link keys as one merge of every record
    assert as_set(got) == want
    assert sorted(sorted(link_keys(p)) for p in got) == sorted(sorted(link_keys(p)) for p in merge_all(records))


def test_merge_stage_report_and_absorbs(store):
    a = rec("Deep Residual Learning", "long abstract here", {"doi": "10.1109/cvpr.2016.90"}, source="a:1:1")
    b = rec("Deep Residual Learning", "", {}, source="b:1:1")
    c = rec("Deep residual learning", "x", {"arxiv": "1512.03385", "doi": "10.1109/cvpr.2016.90"}, source="c:1:1")
    report = MergeReport()
    out = ingest(store, [a, b], report)
    assert [p.id for p in out] == ["doi:10.1109/cvpr.2016.90"]
    assert (report.records, report.papers, report.merged, report.absorbed) == (2, 1, 1, 0)
    report = MergeReport()
    out = ingest(store, [c], report)  # the arXiv id makes it a new id: the stored doi: paper goes
    assert [p.id for p in out] == ["arxiv:1512.03385"]
    assert out[0].absorbs == ("doi:10.1109/cvpr.2016.90",) and out[0].abstract == "long abstract here"
    assert (report.records, report.papers, report.merged, report.absorbed) == (1, 1, 1, 1)
    assert [p.id for p in stored(store)] == ["arxiv:1512.03385"]
    report = MergeReport()
    ingest(store, [c, b], report)  # nothing new: nothing counted as merged
    assert (report.papers, report.merged) == (1, 0)


def test_facts_of_a_record_with_the_merged_text_are_kept():
    from kg.schema import Entity, Evidence, Relation

    p = rec("UL2: Unifying Language Learning Paradigms", "We present UL2.", {"arxiv": "2205.05131"})
    ent = Entity(id="model:ul2", name="UL2", type="Model")
    rel = Relation("PROPOSES", p.id, ent.id, 0.9, Evidence("title", 0, 3, p.title), "r")
    facts = PaperFacts(p, (ent,), (rel,))
    bare = rec("UL2: Unifying Language Learning Paradigms", "", {"arxiv": "2205.05131", "s2": "abc"}, source="z:9:9")
    out = list(merge_stream(lambda quiet: iter([facts, bare])))
    assert len(out) == 1 and isinstance(out[0], PaperFacts)
    assert out[0].relations == (rel,) and out[0].paper.external_ids == {"arxiv": "2205.05131", "s2": "abc"}
    longer = rec("UL2: Unifying Language Learning Paradigms", "We present UL2, a longer abstract.",
                 {"arxiv": "2205.05131"})
    out = list(merge_stream(lambda quiet: iter([facts, longer])))
    assert len(out) == 1 and isinstance(out[0], Paper)  # a new text: extracted again
    assert out[0].abstract == "We present UL2, a longer abstract."


def test_the_input_must_not_change_between_the_passes():
    recs = [rec("A"), rec("B")]
    calls = []

    def read(quiet):
        calls.append(quiet)
        return iter(recs if quiet else recs[:1])

    from kg.errors import BadInput

    with pytest.raises(BadInput, match="changed while it was read"):
        list(merge_stream(read))
    assert calls == [True, False]


def test_old_stores_get_link_keys(tmp_path):
    """A store made before paper_links existed builds them from its papers on first use."""
    import sqlite3

    p = rec("A Title Only Paper", "abc")
    with EmbeddedStore(tmp_path / "kg.db") as store:
        store.write([PaperFacts(paper=p)])
    db = sqlite3.connect(tmp_path / "kg.db")
    db.execute("DROP TABLE paper_links")
    db.execute("DELETE FROM meta WHERE key='paper_links'")
    db.commit()
    db.close()
    with EmbeddedStore(tmp_path / "kg.db") as store:
        assert store.papers_by_links(["o:atitleonlypaper"]) == {"o:atitleonlypaper": [p.id]}
        out = ingest(store, [rec("A title only paper", "abcdef", {"doi": "10.9999/z"})])
        assert out[0].absorbs == (p.id,) and [q.id for q in stored(store)] == ["doi:10.9999/z"]


def test_every_permutation_of_three_real_sources(tmp_path):
    """The S2 batch response, S2's own BibTeX export of it and a later ingest of both, in
    every order of the three record kinds: one store content."""
    from pathlib import Path

    from kg import loaders
    real = Path(__file__).parent / "fixtures" / "real"
    files = [real / "s2-batch-with-null.json", real / "s2-citation-styles.bib", real / "s2-paper-2302.13971.json"]
    records = {f.name: list(loaders.iter_records([f], warn=lambda m: None)) for f in files}
    results = set()
    for i, order in enumerate(itertools.permutations(files)):
        with EmbeddedStore(tmp_path / f"{i}.db") as store:
            for f in order:
                ingest(store, records[f.name])
            results.add(json.dumps(as_set(stored(store)), sort_keys=True))
    assert len(results) == 1
    got = json.loads(results.pop())
    llama = next(p for p in got if p["id"] == "arxiv:2302.13971")
    assert llama["abstract"].startswith("We introduce LLaMA") and llama["external_ids"]["corpusid"] == "257219404"
    assert len(got) == 4  # 3 papers of the batch + LLaMA, each once
