"""Each format module against fixture files written from the formats' public documentation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kg.errors import BadInput, BadRecord
from kg.schema import PaperFacts
from kg.loaders import iter_records
from kg.loaders._base import Source
from kg.loaders.latex import decode
from kg.loaders.openalex import abstract_from_index

FIX = Path(__file__).resolve().parent / "fixtures" / "loaders"


def load(name: str, **kw):
    warnings: list[str] = []
    records = list(iter_records([FIX / name], warn=warnings.append, **kw))
    return records, warnings


def by_title(records):
    return {r.title: r for r in records}


def line_of(record) -> int:
    return int(record.source.rsplit(":", 1)[1])


# -- arXiv Atom -------------------------------------------------------------------


def test_arxiv_atom_entries():
    papers, warnings = load("arxiv-search.atom.xml")
    assert warnings == []
    assert [p.id for p in papers] == ["arxiv:1706.03762", "arxiv:1810.04805", "arxiv:1910.01108"]
    attention, bert, distil = papers
    assert attention.title == "Attention Is All You Need"
    assert attention.year == 2017 and attention.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert attention.url == "https://arxiv.org/abs/1706.03762"  # one canonical form for arXiv URLs
    assert attention.abstract.startswith("The dominant sequence transduction models are based on complex recurrent or convolutional")
    assert "\n" not in attention.abstract and "  " not in attention.abstract
    # hard-wrapped title joined with one space; the feed's own <title> is not a paper
    assert bert.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert bert.year == 2018
    assert distil.external_ids == {"arxiv": "1910.01108", "doi": "10.1000/example.distilbert"}
    text = (FIX / "arxiv-search.atom.xml").read_text().split("\n")
    for p in papers:
        assert text[line_of(p) - 1].strip() == "<entry>"
        assert p.source.startswith("arxiv-atom:")


def test_arxiv_api_error_feed_is_a_bad_record():
    papers, warnings = load("arxiv-error.atom.xml")
    assert papers == []
    assert len(warnings) == 1 and "arXiv API error: incorrect id format for 1234.12345" in warnings[0]
    with pytest.raises(BadRecord, match="arXiv API error"):
        load("arxiv-error.atom.xml", strict=True)


# -- arXiv OAI-PMH ----------------------------------------------------------------


def test_oai_arxiv_format():
    papers, warnings = load("oai-arxiv.xml")
    assert warnings == []  # the deleted record and the resumptionToken are not problems
    assert [p.id for p in papers] == ["arxiv:1706.03762", "arxiv:cs/0112017"]
    attention, old = papers
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert attention.year == 2017 and attention.url == "https://arxiv.org/abs/1706.03762"
    assert attention.abstract.endswith("dispensing with recurrence and convolutions entirely.")
    assert old.title == "An Old-Style Identifier Paper on Reinforcement Learning"
    assert old.authors == ("Richard S. Sutton Jr",)
    assert old.year == 2001  # no <created>: from the id
    assert old.external_ids["doi"] == "10.1000/example.old"  # the first of two DOIs
    text = (FIX / "oai-arxiv.xml").read_text().split("\n")
    assert all(text[line_of(p) - 1] == "<record>" for p in papers)


def test_oai_arxiv_raw_format():
    papers, warnings = load("oai-arxivraw.xml")
    assert warnings == []
    bert, empty = papers
    assert bert.id == "arxiv:1810.04805"
    assert bert.year == 2018  # v1 date, though v2 comes first
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert empty.abstract == "" and empty.title == "A Paper Without an Abstract"
    assert empty.authors == ("C. Balázs", "E. L. Berger")
    assert empty.year == 2020


def test_oai_dublin_core():
    papers, warnings = load("oai-dc.xml")
    assert warnings == []
    (p,) = papers
    assert p.id == "arxiv:1910.01108" and p.year == 2019
    assert p.authors == ("Victor Sanh", "Lysandre Debut")
    assert not p.abstract.startswith("Comment:") and p.abstract.startswith("As Transfer Learning")


def test_oai_error_is_a_warning():
    papers, warnings = load("oai-error.xml")
    assert papers == [] and len(warnings) == 1 and "noRecordsMatch" in warnings[0]


# -- Semantic Scholar -------------------------------------------------------------


def test_s2_search_response():
    papers, warnings = load("s2-search.json")
    assert warnings == []
    assert [p.id for p in papers] == [
        "arxiv:1706.03762",  # ArXiv preferred over the paperId
        "doi:10.18653/v1/n19-1423",  # then DOI
        "s2:f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",  # then paperId
    ]
    attention = papers[0]
    assert attention.external_ids["s2"] == "204e3073870fae3d05bcbc2f6a8e263d9b72e776"
    assert attention.external_ids["corpusid"] == "13756489"
    assert attention.authors == ("Ashish Vaswani", "Noam M. Shazeer")
    assert attention.year == 2017
    assert papers[1].abstract == ""  # null abstract kept as empty
    assert papers[2].year is None
    assert [line_of(p) for p in papers] == [6, 18, 27]


def test_s2_single_paper_and_citation_lines():
    (single,), _ = load("s2-paper.json")
    assert single.id == "arxiv:1706.03762" and single.source.endswith(":1")
    papers, warnings = load("s2-citations.jsonl")
    assert warnings == []
    assert [(p.id, line_of(p)) for p in papers] == [("arxiv:1910.01108", 1), ("arxiv:2005.14165", 2)]


# -- OpenAlex ---------------------------------------------------------------------


def test_openalex_results_page():
    papers, warnings = load("openalex-works.json")
    assert warnings == []
    attention, article = papers
    assert attention.id == "arxiv:1706.03762"  # from the arXiv location
    assert attention.external_ids["openalex"] == "W2963403868"
    assert attention.abstract == (
        "The dominant sequence transduction models are based on complex recurrent or convolutional "
        "neural networks. We propose the Transformer."
    )
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert article.id == "doi:10.1000/example.journal.42"
    assert article.external_ids["pmid"] == "12345678"
    assert article.abstract == "" and article.year == 2021
    assert [line_of(p) for p in papers] == [4, 30]


def test_openalex_inverted_index():
    assert abstract_from_index({"b": [1, 3], "a": [0], "c": [2]}) == "a b c b"
    assert abstract_from_index(None) == ""
    assert abstract_from_index({}) == ""


def test_openalex_single_work_without_arxiv(tmp_path):
    f = tmp_path / "work.json"
    f.write_text('{"id": "https://openalex.org/W42", "display_name": "Only A Display Name",'
                 ' "abstract_inverted_index": {"Hi.": [0]}, "publication_date": "1999-01-02"}')
    (p,), _ = list(iter_records([f])), None
    assert p.id == "openalex:W42" and p.title == "Only A Display Name" and p.abstract == "Hi." and p.year == 1999


# -- Papers with Code -------------------------------------------------------------


def test_pwc_papers_with_abstracts():
    papers, warnings = load("pwc-papers-with-abstracts.json")
    assert warnings == []
    attention, other = papers
    assert attention.id == "arxiv:1706.03762" and attention.year == 2017
    assert attention.external_ids["pwc"] == "attention-is-all-you-need"
    assert attention.url == "https://arxiv.org/abs/1706.03762"  # arXiv URLs in one form
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert other.id == "pwc:a-conference-paper-without-arxiv" and other.year == 2020  # any id before the title
    assert other.external_ids == {"pwc": "a-conference-paper-without-arxiv"}
    assert [line_of(p) for p in papers] == [2, 19]


# -- BibTeX -----------------------------------------------------------------------


def test_bibtex_entries():
    papers, warnings = load("papers.bib")
    name = str(FIX / "papers.bib")
    assert warnings == [f"{name}:35: @misc: no title"]
    t = by_title(papers)
    attention = t["Attention Is All You Need"]
    assert attention.id == "arxiv:1706.03762" and attention.year == 2017
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert attention.abstract.startswith("The dominant sequence transduction models are based on complex recurrent or convolutional")
    bert = t["BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"]
    assert bert.id == "arxiv:1810.04805"  # from the journal field
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    caf = [p for p in papers if p.title.startswith("Schönheit")][0]
    assert caf.title == "Schönheit und Café: Études on the ℓ_1 Norm -- a Survey"  # "--" kept as typed, in every source
    assert caf.authors == ("Jürgen Schmidt", "Søren Østergaard")
    assert caf.id == "doi:10.1000/example_caf" and caf.abstract == "We study the 100% case & more."
    assert t["DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter"].id == "arxiv:1910.01108"
    text = (FIX / "papers.bib").read_text().split("\n")
    assert all(text[line_of(p) - 1].startswith("@") for p in papers)


def test_bibtex_tolerates_odd_syntax(tmp_path):
    f = tmp_path / "odd.bib"
    f.write_text(
        'junk before @ entries\n'
        '@STRING(conf = "Proc. of")\n'
        '@Article(key1, Title = conf # { Things}, Year = "2019", Author = "{Google Research}")\n'
        '@inproceedings{key2,\n  title = {Broken {braces},\n  year = 2020\n}\n'
        '@misc{key3, title = {After The Broken One}}\n'
    )
    warnings: list[str] = []
    papers = list(iter_records([f], warn=warnings.append))
    assert papers[0].title == "Proc. of Things" and papers[0].authors == ("Google Research",)
    assert papers[0].year == 2019
    # the unbalanced entry is reported; reading resumes at the next entry
    assert warnings == [f"{f}:4: @inproceedings entry has unbalanced braces (it runs into the next entry)"]
    assert [p.title for p in papers] == ["Proc. of Things", "After The Broken One"]


def test_latex_decoding():
    assert decode(r"{\'e}cole na\"{\i}ve \c{c}a \v{S}koda \ss{} \o") == "école naïve ça Škoda ß ø"
    assert decode(r"\textbf{Bold} and \emph{it} 50\% \& co --- yes") == "Bold and it 50% & co --- yes"


# -- JSON / JSON Lines / CSV / TSV ---------------------------------------------


def test_json_array_lines_and_fields():
    papers, warnings = load("papers.json")
    assert warnings == []
    assert [line_of(p) for p in papers] == [2, 9, 10]
    assert papers[0].id == "arxiv:1706.03762" and papers[0].authors == ("Ashish Vaswani",)
    assert papers[1].id == "doi:10.1000/second"
    assert papers[2].authors == ("Ada Lovelace", "Charles Babbage")


def test_json_lines_ids_and_authors():
    papers, _ = load("papers.jsonl")
    attention, bert = papers[0], papers[1]
    assert attention.id == "arxiv:1706.03762" and attention.url == "https://arxiv.org/abs/1706.03762"
    assert bert.id == "doi:10.18653/v1/n19-1423" and bert.year == 2019
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang")
    assert papers[-1].id == "arxiv:1910.01108"


def test_csv_rows_with_physical_lines():
    papers, warnings = load("papers.csv")
    name = str(FIX / "papers.csv")
    assert [line_of(p) for p in papers] == [2, 3, 6]
    assert papers[1].title == "A Title, With a Comma"
    assert papers[1].abstract == 'An abstract that spans two lines, with "quotes".'
    assert papers[0].authors == ("Ashish Vaswani", "Noam Shazeer")
    assert [w.split(": ", 1)[0] for w in warnings] == [f"{name}:5", f"{name}:7"]


def test_tsv_and_unparsable_year():
    papers, warnings = load("papers.tsv")
    assert warnings == []
    assert [p.title for p in papers] == ["Attention Is All You Need", "A Tab Separated Paper"]
    assert papers[1].year is None


def test_csv_without_title_column_is_bad_input(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("name,summary\na,b\n")
    with pytest.raises(BadInput, match="x.csv:1: .*title"):
        list(iter_records([f]))


def test_broken_json_array_is_bad_input_after_good_records(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text('[\n {"title": "Good"},\n {"title": "Bad" "abstract": 1},\n {"title": "Never"}\n]\n')
    got = []
    with pytest.raises(BadInput, match="broken.json:3: broken JSON"):
        for p in iter_records([f]):
            got.append(p.title)
    assert got == ["Good"]


def test_wrong_types_are_bad_records(tmp_path):
    f = tmp_path / "types.jsonl"
    f.write_text(
        '{"title": "Fine"}\n'
        '{"title": ["a list"]}\n'
        '{"title": "Bad Authors", "authors": 7}\n'
        '{"title": "Bad Year", "year": [2020]}\n'
        '[1, 2]\n'
        '"just a string"\n'
        '{"title": "Abstract Number", "abstract": 5}\n'
    )
    warnings: list[str] = []
    papers = list(iter_records([f], warn=warnings.append))
    assert [p.title for p in papers] == ["Fine"]
    assert [w.split(": ", 1)[0].rsplit(":", 1)[1] for w in warnings] == ["2", "3", "4", "5", "5", "6", "7"]


# -- facts ------------------------------------------------------------------------


def test_facts_lines_are_validated():
    records, warnings = load("facts.jsonl")
    assert all(isinstance(r, PaperFacts) for r in records)
    assert [r.paper.id for r in records] == ["arxiv:1910.01108", "title:abc"]
    assert len(records[0].relations) == 2 and records[0].relations[0].type == "PROPOSES"
    assert records[0].paper.source == "hf-papers:corpus.txt:41"  # the facts keep their own provenance
    assert [w.split(": ", 1)[0].rsplit(":", 1)[1] for w in warnings] == ["2", "3", "5"]
    assert "INVENTS" in warnings[0] and "outside" in warnings[1]
    with pytest.raises(BadRecord, match="facts.jsonl:2"):
        load("facts.jsonl", strict=True)


def test_facts_round_trip(tmp_path):
    records, _ = load("facts.jsonl")
    f = tmp_path / "again.facts.jsonl"
    f.write_text("".join(r.to_json() + "\n" for r in records))
    again = list(iter_records([f]))
    assert [r.to_dict() for r in again] == [r.to_dict() for r in records]


# -- pure parsers take file objects -----------------------------------------------


def test_parsers_take_file_objects():
    from kg.loaders import hf_papers

    src = Source("<memory>", "hf-papers")
    papers = list(hf_papers.parse(io.BytesIO(b"Get trending papers in your email inbox!\nSubscribeA\nB\n"), src))
    assert [(p.title, p.abstract, p.source) for p in papers] == [("A", "B", "hf-papers:<memory>:2")]


def test_s2_and_openalex_plain_lists(tmp_path):
    import json

    s2 = json.loads((FIX / "s2-search.json").read_text())["data"]
    f = tmp_path / "s2-list.json"
    f.write_text(json.dumps(s2))  # one line, no wrapper
    assert [p.id for p in iter_records([f])] == [
        "arxiv:1706.03762", "doi:10.18653/v1/n19-1423", "s2:f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",
    ]
    works = json.loads((FIX / "openalex-works.json").read_text())["results"]
    g = tmp_path / "works.jsonl"
    g.write_text("".join(json.dumps(w) + "\n" for w in works))  # a snapshot-style JSON Lines file
    papers = list(iter_records([g]))
    assert [p.id for p in papers] == ["arxiv:1706.03762", "doi:10.1000/example.journal.42"]
    assert [p.source for p in papers] == [f"openalex:{g}:1", f"openalex:{g}:2"]


def test_urls_from_ids_when_missing():
    t = by_title(load("papers.bib")[0])
    assert t["BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"].url == (
        "https://arxiv.org/abs/1810.04805"
    )
    assert t["Attention Is All You Need"].url == "https://arxiv.org/abs/1706.03762"
    second = by_title(load("papers.json")[0])["A Second Paper"]
    assert second.url == "https://doi.org/10.1000/second"
    assert by_title(load("papers.json")[0])["A Third Paper"].url is None


def test_arxiv_metadata_snapshot_lines():
    papers, warnings = load("arxiv-metadata-snapshot.jsonl")
    assert warnings == []
    diphoton, attention = papers
    assert diphoton.id == "arxiv:0704.0001"  # the id wins over the journal DOI
    assert diphoton.external_ids["doi"] == "10.1103/physrevd.76.013009"
    assert diphoton.year == 2007 and diphoton.title.startswith("Calculation of prompt diphoton production")
    assert diphoton.authors == ("C. Balázs", "E. L. Berger")  # authors_parsed wins over the free text
    assert attention.id == "arxiv:1706.03762" and attention.year == 2017  # no versions: from the id
