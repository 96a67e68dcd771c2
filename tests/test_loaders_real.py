"""The loaders on real files (tests/fixtures/real, see SOURCES there): each defect of issue 14
as a real export has it. Broken copies (cut short, a bad byte, UTF-16, Latin-1, empty) are made
from the real files here, and each says how."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from kg.errors import BadRecord
from kg.loaders import LoadStats, iter_records

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
SNAPSHOT = REAL / "arxiv-metadata-oai-snapshot-200.json.gz"
ATOM = REAL / "arxiv-api-all-science.atom.xml"
CSV = REAL / "arxiv-papers-pandas-25.csv"
BIB = REAL / "brain-score-bibtex.bib"


def load(*paths, **kw):
    warnings: list[str] = []
    stats = LoadStats()
    records = list(iter_records([str(p) for p in paths], warn=warnings.append, stats=stats, **kw))
    return records, warnings, stats


# -- 2. one text normaliser: LaTeX and HTML become text in every source ---------------------


def test_latex_in_the_kaggle_snapshot_becomes_text():
    papers, warnings, _ = load(SNAPSHOT)
    by = {p.id: p for p in papers}
    assert len(papers) == 200 and warnings == []
    assert by["arxiv:0704.0005"].title == "From dyadic Λ_α to Λ_α"  # $\Lambda_{\alpha}$
    assert by["arxiv:0704.0002"].abstract.startswith("We describe a new algorithm, the (k,ℓ)-pebble game")
    assert "Djoković's and Winkler's relations" in by["arxiv:0704.0010"].abstract  # Djokovi\'{c}
    # no LaTeX command is left in any title or abstract of the 200 (two stray "$" are in the data itself)
    left = [p.id for p in papers if re.search(r"\\[A-Za-z]", p.title + p.abstract)]
    assert left == []


def test_latex_and_html_in_real_bibtex_abstracts():
    papers, warnings, _ = load(BIB)
    assert warnings == [] and len(papers) == 10
    kar = next(p for p in papers if p.id == "doi:10.1101/354753")
    assert kar.title == ("Evidence that recurrent circuits are critical to the ventral stream’s execution of "
                         "core object recognition behavior")  # {\textquoteright}
    assert kar.abstract.startswith("Non-recurrent deep convolutional")  # <p> gone
    assert "ventral stream's execution" in kar.abstract  # \&$\#$39; : an HTML entity LaTeX-escaped
    assert 'these "challenge" images' in kar.abstract  # \&quot;
    assert not re.search(r"</?p>|&quot;|&#|\\", kar.abstract)
    majaj = next(p for p in papers if p.id == "doi:10.1523/jneurosci.5181-14.2015")
    assert "(“face patches”)" in majaj.abstract  # {\textquotedblleft} ... {\textquotedblright}
    raja = next(p for p in papers if p.id == "doi:10.1038/s41467-020-17714-3")
    assert "naïve macaque monkeys" in raja.abstract  # na{\"i}ve
    # a bioRxiv eprint URL is not an arXiv id
    assert next(p for p in papers if p.id == "doi:10.1101/201764").external_ids == {"doi": "10.1101/201764"}


def test_the_same_title_from_bibtex_and_from_other_sources_is_the_same_text():
    """S2's own BibTeX export and its JSON name the same papers: the same title text and
    title key, hence the same paper once merged."""
    from kg.ids import title_key

    bib, _, _ = load(REAL / "s2-citation-styles.bib")
    s2, _, _ = load(REAL / "s2-batch-with-null.json", REAL / "s2-paper-2302.13971.json")
    assert {title_key(p.title) for p in bib} == {title_key(p.title) for p in s2}
    assert {p.title for p in bib} == {p.title for p in s2}


# -- 3. the Kaggle snapshot: authors from authors_parsed, id, year --------------------------


def test_kaggle_snapshot_authors_come_from_authors_parsed():
    papers, _, _ = load(SNAPSHOT)
    raw = {json.loads(line)["id"]: json.loads(line) for line in gzip.open(SNAPSHOT, "rt", encoding="utf-8")}
    by = {p.id: p for p in papers}
    # affiliations in parentheses and "et al" were authors when split from the free text
    assert by["arxiv:0704.0031"].authors == ("V. M. Biryukov",)  # "V. M. Biryukov (Serpukhov, IHEP)"
    assert by["arxiv:0704.0025"].authors == ("A. S. Mishchenko", "N. Nagaosa")
    assert by["arxiv:0704.0020"].authors == ("The BABAR Collaboration", "B. Aubert")  # "..., et al"
    assert by["arxiv:0704.0171"].authors == ("F. Aharonian",)  # "F. Aharonian, et al"
    assert by["arxiv:0704.0001"].authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert by["arxiv:0704.0009"].authors[-2] == "Neal J. Evans II"  # the suffix kept
    for pid, d in raw.items():
        p = by[f"arxiv:{pid}"]
        assert len(p.authors) == len([a for a in d["authors_parsed"] if a[0] or a[1]])
        assert not any("(" in a or a.lower().startswith("et al") for a in p.authors), p.authors
        # the year of version 1, the id, the canonical arXiv URL
        assert p.year == 2007 and p.url == f"https://arxiv.org/abs/{pid}"
    with_affiliations = [pid for pid, d in raw.items() if "(" in d["authors"]]
    assert len(with_affiliations) >= 20


# -- 4. CSV written by pandas: list cells, an id in an unknown column ------------------------


def test_pandas_csv_list_cells_and_an_id_column_found_by_its_values():
    papers, warnings, stats = load(CSV)
    assert len(papers) == 25 and stats.skipped == 0
    assert warnings == [f"{CSV}: note: column 'pdf_link' holds arXiv ids: read as the paper's identifier"]
    assert stats.warnings == 0 and stats.notes == 1
    first = papers[0]
    assert first.id == "arxiv:2501.00089" and first.authors == ("John F. Wu",)  # ['John F. Wu']
    assert first.url == "https://arxiv.org/abs/2501.00089" and first.year == 2025
    third = papers[2]
    assert third.authors[:3] == ("Mathilde Mâlin", "Anthony Boccaletti", "Clément Perrot")
    assert len(third.authors) == 31
    assert all(p.id.startswith("arxiv:2501.") for p in papers)
    assert not any(a.startswith("[") or a.endswith("]") or "'" == a[:1] for p in papers for a in p.authors)
    assert "mclust Gaussian Mixture" in papers[1].abstract  # $mclust$


def test_semicolon_separated_author_cells(tmp_path):
    """The same real rows, authors written "A; B" (as Zotero/Scopus exports do)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(CSV.read_text(encoding="utf-8"), newline="")))[:3]
    from kg.loaders.fields import list_cell

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    for r in rows:
        w.writerow({**r, "authors": "; ".join(list_cell(r["authors"]) or [r["authors"]])})
    f = tmp_path / "semicolons.csv"
    f.write_text(out.getvalue(), encoding="utf-8")
    papers, _, _ = load(f)
    assert [p.authors for p in papers] == [p.authors for p in load(CSV)[0][:3]]


# -- 5. salvage: a broken XML file keeps the records before the break -------------------------


def test_a_cut_atom_feed_keeps_its_complete_entries(tmp_path):
    """An interrupted download: the real feed cut in the middle of its seventh entry."""
    text = ATOM.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer("<entry>", text)]
    cut = tmp_path / "cut.atom.xml"
    cut.write_text(text[: starts[6] + 300], encoding="utf-8")
    papers, warnings, stats = load(cut)
    full, _, _ = load(ATOM)
    assert [p.id for p in papers] == [p.id for p in full[:6]]
    assert len(warnings) == 1 and stats.warnings == 1
    line = text[: starts[6] + 300].count("\n") + 1
    assert warnings[0].startswith(f"{cut}:{line}: the file ends inside a record")
    with pytest.raises(BadRecord, match="cut.atom.xml:"):
        load(cut, strict=True)


def test_a_bad_byte_in_an_atom_feed_loses_only_what_follows(tmp_path):
    data = ATOM.read_bytes()
    at = data.index(b"<entry>", data.index(b"0808.0638"))  # the sixth entry's start
    bad = tmp_path / "bad.atom.xml"
    bad.write_bytes(data[:at] + b"<entry>\x01" + data[at + len(b"<entry>"):])
    papers, warnings, _ = load(bad)
    assert [p.id for p in papers] == [p.id for p in load(ATOM)[0][:5]]
    assert len(warnings) == 1 and "broken XML" in warnings[0] and warnings[0].startswith(f"{bad}:")


def test_jsonl_and_bibtex_keep_their_records_when_cut(tmp_path):
    lines = gzip.open(SNAPSHOT, "rt", encoding="utf-8").read().split("\n")
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:10]) + "\n" + lines[10][:100], encoding="utf-8")
    papers, warnings, _ = load(cut)
    assert len(papers) == 10 and len(warnings) == 1 and warnings[0].startswith(f"{cut}:11: ")
    text = BIB.read_text(encoding="utf-8")
    bib = tmp_path / "cut.bib"
    bib.write_text(text[: text.index("@article {Rajalingham2020") + 200], encoding="utf-8")
    papers, warnings, _ = load(bib)
    assert len(papers) == 5 and len(warnings) == 1 and "not closed" in warnings[0]


# -- 6. encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-be"])
def test_utf16_and_utf32_with_a_bom(tmp_path, encoding):
    """The real BibTeX saved as "Unicode" (what Windows tools write: UTF-16 with a BOM)."""
    f = tmp_path / f"{encoding}.bib"
    text = BIB.read_text(encoding="utf-8")
    f.write_bytes(text.encode(encoding) if encoding != "utf-16-be" else b"\xfe\xff" + text.encode(encoding))
    want = [p.to_dict() for p in load(BIB)[0]]
    for fmt in (None, "bibtex"):
        papers, warnings, _ = load(f, format=fmt)
        assert warnings == []
        assert [{**p.to_dict(), "source": ""} for p in papers] == [{**d, "source": ""} for d in want]


def test_a_latin1_csv_is_decoded_with_one_warning(tmp_path):
    """The real CSV re-saved by a spreadsheet in Windows-1252 (characters it lacks as '?')."""
    f = tmp_path / "latin1.csv"
    f.write_bytes(CSV.read_text(encoding="utf-8").encode("cp1252", "replace"))
    papers, warnings, stats = load(f)
    assert len(papers) == 25
    assert len(warnings) == 2 and stats.warnings == 1  # the id-column note and one warning for the file
    assert warnings[0] == f"{f}: not UTF-8 text: read as cp1252 (detected)"
    assert papers[2].authors[:3] == ("Mathilde Mâlin", "Anthony Boccaletti", "Clément Perrot")
    assert not any("\ufffd" in a for p in papers for a in p.authors)


def test_a_gbk_bibtex_file():
    papers, warnings, _ = load(REAL / "gbk-encoded.bib")
    assert [p.authors for p in papers] == [("凯撒",)]
    assert warnings == [f"{REAL / 'gbk-encoded.bib'}: not UTF-8 text: read as gb18030 (detected)"]


# -- 7. an empty file is a warning, never fatal for the other inputs -------------------------


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.json", "empty.xml", "empty.bib", "empty.csv",
                                  "empty.json.gz"])
def test_an_empty_file_among_good_ones(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(gzip.compress(b"") if name.endswith(".gz") else b"")
    papers, warnings, stats = load(f, REAL / "s2-paper-2302.13971.json")
    assert [p.id for p in papers] == ["arxiv:2302.13971"]
    assert warnings == [f"{f}: empty file; nothing to read"] and stats.files == 2


def test_empty_inputs_do_not_stop_an_ingest(tmp_path):
    from click.testing import CliRunner

    from kg.cli import main

    for name in ("a.jsonl", "b.json", "c.xml"):
        (tmp_path / name).write_bytes(b"")
    r = CliRunner().invoke(main, ["ingest", str(tmp_path / "a.jsonl"), str(tmp_path / "b.json"),
                                  str(tmp_path / "c.xml"), str(REAL / "s2-paper-2302.13971.json"),
                                  "--store", str(tmp_path / "kg.db"), "-j", "1"])
    assert r.exit_code == 0, r.output
    assert "Read 1 papers" in r.output and r.output.count("empty file; nothing to read") == 3


# -- 8. Semantic Scholar: null entries and nested papers -------------------------------------


def test_s2_batch_nulls_are_counted_apart_and_strict_accepts_them():
    papers, warnings, stats = load(REAL / "s2-batch-with-null.json")
    assert len(papers) == 3 and stats.nulls == 1 and stats.skipped == 0 and stats.warnings == 0
    assert warnings == [f"{REAL / 's2-batch-with-null.json'}:1: note: 1 null entry (no paper: a batch answer "
                        "for an unknown id) left out"]
    assert len(load(REAL / "s2-batch-with-null.json", strict=True)[0]) == 3
    assert "1 null entries" in stats.summary()


def test_s2_nested_citations_and_references_are_noted():
    papers, warnings, stats = load(REAL / "s2-paper-with-citations.json")
    assert [p.id for p in papers] == ["doi:10.1093/mind/lix.236.433"] and stats.warnings == 0
    assert warnings == [f"{REAL / 's2-paper-with-citations.json'}:1: note: 5 nested citation/reference papers "
                        "not loaded (they are other papers; load a citations or references export to add them)"]


# -- 9. a cut last CSV row; arXiv URLs in one form ---------------------------------------------


def test_a_cut_last_csv_row_is_reported_not_loaded(tmp_path):
    text = CSV.read_text(encoding="utf-8")
    last = text.rindex("\n", 0, len(text) - 1) + 1  # the last record starts on its own line
    f = tmp_path / "cut.csv"
    f.write_text(text[: last + 40], encoding="utf-8")  # the file ends inside the last title
    papers, warnings, stats = load(f)
    assert len(papers) == 24 and stats.skipped == 1
    line = text[:last].count("\n") + 1
    assert f"{f}:{line}: the last row is cut short (the file ends inside it); not read" in warnings
    # a complete last row without a final newline is fine
    g = tmp_path / "no-newline.csv"
    g.write_text(text.rstrip("\n"), encoding="utf-8")
    assert len(load(g)[0]) == 25


def test_arxiv_urls_have_one_form_in_every_source():
    atom, _, _ = load(ATOM)
    assert atom[0].url == "https://arxiv.org/abs/1501.05039"  # was http://arxiv.org/abs/1501.05039v1
    assert atom[2].url == "https://arxiv.org/abs/quant-ph/0210005"
    snap, _, _ = load(SNAPSHOT)
    assert snap[0].url == "https://arxiv.org/abs/0704.0001"
    csv_, _, _ = load(CSV)
    assert csv_[0].url == "https://arxiv.org/abs/2501.00089"  # from "arxiv.org/pdf/2501.00089"
    bib, _, _ = load(REAL / "s2-citation-styles.bib")
    assert bib[-1].id == "arxiv:2302.13971" and bib[-1].url == "https://arxiv.org/abs/2302.13971"


def test_the_readme_input_formats_table_names_every_format():
    from kg.loaders import FORMATS

    readme = (REAL.parent.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Input formats"):readme.index("## The graph")]
    named = set(re.findall(r"^\| `([a-z0-9-]+)`(?:, `([a-z0-9-]+)`)?", section, re.M))
    listed = {n for pair in named for n in pair if n}
    assert listed - {"--format"} == set(FORMATS)
    for phrase in ("authors_parsed", "null", "pylatexenc", "charset-normalizer", "merge"):
        assert phrase in section


@pytest.mark.parametrize("raw, text", [
    (r"Gr\"obner bases for L\'aszl\'o", "Gröbner bases for László"),
    (r"anisotropic nonlinear Schr\"odinger equations", "anisotropic nonlinear Schrödinger equations"),
    (r"\emph{Sparse} attention in $O(n\sqrt{n})$", "Sparse attention in O(n√(n))"),
    ("<p>We <em>propose</em> X.</p><p>It works.</p>", "We propose X. It works."),
    ("H<sub>2</sub>O and x<y, z>w", "H2O and x<y, z>w"),  # tags go, comparisons stay
    ("<jats:p>JATS &amp; MathML</jats:p>", "JATS & MathML"),
    ("costs $10,000 and $14,000; 50% of AT&T", "costs $10,000 and $14,000; 50% of AT&T"),
    (r"{BERT}: pre-training of {T}ransformers", "BERT: pre-training of Transformers"),
    ("a trailing backslash \\", "a trailing backslash \\"),
])
def test_the_normaliser(raw, text):
    from kg.loaders.text import normalize_text

    assert normalize_text(raw) == text
    assert normalize_text(text) == text  # stable on its own output


def test_real_openalex_works():
    papers, warnings, _ = load(REAL / "openalex-W2741809807.json", REAL / "openalex-works-page.json")
    assert warnings == []
    oa, gw = papers
    assert oa.id == "doi:10.7717/peerj.4375" and oa.year == 2018
    assert oa.external_ids == {"doi": "10.7717/peerj.4375", "mag": "2741809807", "openalex": "W2741809807",
                               "pmid": "29456894"}
    assert oa.abstract.startswith("Despite growing interest in Open Access (OA) to scholarly literature")
    assert gw.title.startswith("GW170104: Observation of a 50-Solar-Mass Binary Black Hole")
    assert gw.external_ids["openalex"] == "W2755950973"
