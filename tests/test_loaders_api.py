"""The loaders' public API: detection, inputs, gzip, errors, strict mode, encodings, ids."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import BadInput, BadRecord, InputNotFound, KGError, UnknownFormat
from kg.ids import title_paper_id
from kg.schema import Paper
from kg.loaders import FORMATS, LoadStats, detect_format, iter_records

FIX = Path(__file__).resolve().parent / "fixtures" / "loaders"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "hf-papers-pretraining.txt"


def load(path, **kw) -> tuple[list, list[str]]:
    warnings: list[str] = []
    records = list(iter_records([path], warn=warnings.append, **kw))
    return records, warnings


# -- the sample corpus --------------------------------------------------------------


def test_sample_reads_as_exactly_226_papers():
    papers, warnings = load(SAMPLE)
    assert warnings == []
    assert len(papers) == 226
    assert all(isinstance(p, Paper) for p in papers)
    assert papers[0].title.startswith('No "Zero-Shot" Without Exponential Data: ')
    assert papers[0].title.endswith("Pretraining Concept Frequency Determines Multimodal Model Performance")
    assert papers[0].abstract.startswith("Web-crawled pretraining datasets underlie")
    for p in papers:
        assert "Subscribe" not in p.title
        assert "Get trending papers" not in p.title and "Get trending papers" not in p.abstract
        assert p.abstract, p.title
        assert len(p.title) < len(p.abstract)
        assert p.id == title_paper_id(p.title)
    assert len({p.id for p in papers}) == 226


def test_sample_sources_point_at_the_title_lines():
    papers, _ = load(SAMPLE)
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    for p in papers:
        fmt, name, line = p.source.rsplit(":", 2)
        assert fmt == "hf-papers" and name == str(SAMPLE)
        assert p.title in lines[int(line) - 1]
    assert [int(p.source.rsplit(":", 1)[1]) for p in papers[:3]] == [3, 5, 7]


def test_hf_text_is_detected_by_content_not_extension(tmp_path):
    copy = tmp_path / "page-copy.dat"
    shutil.copy(SAMPLE, copy)
    assert detect_format(copy, copy.read_bytes()[:4096]) == "hf-papers"
    papers, _ = load(copy)
    assert len(papers) == 226


def test_hf_text_variants(tmp_path):
    # one header line, "Subscribe" on a line of its own, blank lines, a last title without abstract
    text = "Get trending papers in your email inbox!\nSubscribe\n\nFirst Title\nFirst abstract.\n\nLast Title\n"
    f = tmp_path / "hf.txt"
    f.write_text(text, encoding="utf-8")
    papers, warnings = load(f)
    assert [(p.title, p.abstract) for p in papers] == [("First Title", "First abstract."), ("Last Title", "")]
    assert warnings == []


# -- determinism and stable ids ----------------------------------------------------


def _key(papers):
    return {(p.id, p.title, p.abstract) for p in papers}


def test_sample_as_shuffled_json_lines_gives_the_same_papers(tmp_path):
    papers, _ = load(SAMPLE)
    rows = [{"title": p.title, "abstract": p.abstract} for p in papers]
    random.Random(7).shuffle(rows)
    f = tmp_path / "shuffled.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    again, warnings = load(f)
    assert warnings == []
    assert [p.title for p in again] != [p.title for p in papers]  # really shuffled
    assert _key(again) == _key(papers)


def test_sample_as_csv_and_json_array_gives_the_same_papers(tmp_path):
    import csv

    papers, _ = load(SAMPLE)
    rows = [{"Title": p.title, "Abstract": p.abstract} for p in reversed(papers)]
    with open(tmp_path / "papers.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["Title", "Abstract"])
        w.writeheader()
        w.writerows(rows)
    (tmp_path / "papers.json").write_text(json.dumps({"data": rows}, indent=1), encoding="utf-8")
    with open(tmp_path / "papers.tsv", "w", encoding="utf-8") as fh:
        fh.write("title\tabstract\n" + "".join(f"{r['Title']}\t{r['Abstract']}\n" for r in rows))
    assert _key(load(tmp_path / "papers.csv")[0]) == _key(papers)
    assert _key(load(tmp_path / "papers.tsv")[0]) == _key(papers)
    assert _key(load(tmp_path / "papers.json")[0]) == _key(papers)


def test_same_title_from_hf_text_and_json_lines_gets_one_id(tmp_path):
    papers, _ = load(SAMPLE)
    f = tmp_path / "few.jsonl"
    f.write_text(
        "".join(json.dumps({"title": "  " + p.title.upper() + " ", "abstract": ""}) + "\n" for p in papers[:5]),
        encoding="utf-8",
    )
    again, _ = load(f)
    assert [p.id for p in again] == [p.id for p in papers[:5]]


def test_one_arxiv_paper_gets_one_id_from_every_source():
    ids = {}
    for name in [
        "arxiv-search.atom.xml",
        "oai-arxiv.xml",
        "s2-search.json",
        "s2-paper.json",
        "openalex-works.json",
        "pwc-papers-with-abstracts.json",
        "papers.bib",
        "papers.jsonl",
        "papers.json",
        "papers.csv",
        "papers.tsv",
    ]:
        papers, _ = load(FIX / name)
        attention = [p for p in papers if p.title.lower() == "attention is all you need"]
        assert len(attention) == 1, name
        ids[name] = attention[0].id
    assert set(ids.values()) == {"arxiv:1706.03762"}, ids


def test_arxiv_doi_and_arxiv_id_agree():
    atom = {p.title: p.id for p in load(FIX / "arxiv-search.atom.xml")[0]}
    s2 = {p.title: p.id for p in load(FIX / "s2-citations.jsonl")[0]}
    distil = "DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter"
    assert atom[distil] == s2[distil] == "arxiv:1910.01108"
    assert s2["Language Models are Few-Shot Learners"] == "arxiv:2005.14165"  # from DOI 10.48550/arXiv.X


# -- inputs: directories, gzip, overrides ----------------------------------------


def test_directories_are_read_recursively_in_sorted_order(tmp_path):
    root = tmp_path / "in"
    (root / "b").mkdir(parents=True)
    (root / "a").mkdir()
    (root / ".hidden").mkdir()
    shutil.copy(FIX / "papers.json", root / "b" / "z.json")
    shutil.copy(FIX / "s2-paper.json", root / "a" / "y.json")
    with gzip.open(root / "a" / "x.atom.xml.gz", "wb") as fh:
        fh.write((FIX / "arxiv-search.atom.xml").read_bytes())
    shutil.copy(FIX / "papers.json", root / ".hidden" / "skip.json")
    shutil.copy(FIX / "papers.json", root / ".skip.json")
    (root / "README.md").write_text("# notes about these files\n", encoding="utf-8")
    stats = LoadStats()
    warnings: list[str] = []
    records = list(iter_records([root], warn=warnings.append, stats=stats))
    files = [r.source.split(":")[1] for r in records]
    assert files == sorted(files)
    assert {Path(f).name for f in files} == {"x.atom.xml.gz", "y.json", "z.json"}
    assert all(f.startswith(str(root)) for f in files)
    assert len(records) == 3 + 1 + 3
    assert stats.files == 3 and stats.records == 7
    assert stats.by_format == {"arxiv-atom": 3, "s2": 1, "json": 3}
    assert len(warnings) == 1 and "README.md" in warnings[0] and "cannot tell the format" in warnings[0]
    with pytest.raises(UnknownFormat, match="README.md"):
        list(iter_records([root], strict=True))


def test_gzip_is_found_by_magic_bytes(tmp_path):
    data = SAMPLE.read_bytes()
    named = tmp_path / "sample.txt.gz"
    named.write_bytes(gzip.compress(data))
    unnamed = tmp_path / "sample.txt"
    unnamed.write_bytes(gzip.compress(data))
    assert len(load(named)[0]) == 226
    assert len(load(unnamed)[0]) == 226
    assert _key(load(named)[0]) == _key(load(SAMPLE)[0])


def test_gz_name_without_gzip_data_is_bad_input(tmp_path):
    f = tmp_path / "papers.jsonl.gz"
    f.write_bytes((FIX / "papers.jsonl").read_bytes())
    with pytest.raises(BadInput, match="papers.jsonl.gz.*not gzip"):
        load(f)


def test_truncated_gzip_is_bad_input_after_the_good_records(tmp_path):
    rows = "".join(json.dumps({"title": f"Paper {i}", "abstract": "x" * 200}) + "\n" for i in range(3000))
    blob = gzip.compress(rows.encode())
    f = tmp_path / "cut.jsonl.gz"
    f.write_bytes(blob[: len(blob) // 2])
    got = []
    with pytest.raises(BadInput, match="cut.jsonl.gz:\\d+: .*truncated"):
        for p in iter_records([f]):
            got.append(p)
    assert len(got) > 100
    assert [p.title for p in got] == [f"Paper {i}" for i in range(len(got))]


def test_format_overrides_detection(tmp_path):
    f = FIX / "no-header.txt"
    with pytest.raises(UnknownFormat, match="no-header.txt.*--format"):
        load(f)
    papers, _ = load(f, format="hf-papers")
    assert [p.title for p in papers] == ["Just a title line"]
    assert papers[0].source == f"hf-papers:{f}:1"


def test_unknown_format_name():
    with pytest.raises(UnknownFormat, match="nonsense"):
        list(iter_records([SAMPLE], format="nonsense"))


def test_missing_input_names_the_file(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(InputNotFound, match="nope.jsonl"):
        list(iter_records([missing]))
    link = tmp_path / "dangling.json"
    link.symlink_to(tmp_path / "gone.json")
    with pytest.raises(InputNotFound, match="dangling.json"):
        list(iter_records([link]))


def test_binary_garbage_is_bad_input(tmp_path):
    f = tmp_path / "blob.json"
    f.write_bytes(random.Random(1).randbytes(5000))
    with pytest.raises(BadInput, match="blob.json"):
        load(f)


def test_empty_files(tmp_path):
    # an empty file is a warning in every format, with or without --format
    for name, fmt in [("e.jsonl", "jsonl"), ("e.json", "json"), ("e.csv", "csv"), ("e.bib", "bibtex"),
                      ("e.xml", "arxiv-atom"), ("f.jsonl", None), ("f.xml", None), ("f.json", None)]:
        f = tmp_path / name
        f.write_bytes(b"" if fmt else b"\n  \n")
        papers, warnings = load(f, format=fmt)
        assert papers == [] and warnings == [f"{f}: empty file; nothing to read"]


# -- bad records, strict mode, warnings -------------------------------------------


def test_bad_records_are_warned_with_file_and_line_and_skipped():
    stats = LoadStats()
    papers, warnings = load(FIX / "papers.jsonl", stats=stats)
    name = str(FIX / "papers.jsonl")
    assert [w.split(": ", 1)[0] for w in warnings] == [f"{name}:5", f"{name}:6", f"{name}:7"]
    assert "not valid JSON" in warnings[0]
    assert "title is not text" in warnings[1]
    assert "no title" in warnings[2]
    assert [p.source.rsplit(":", 1)[1] for p in papers] == ["1", "2", "4", "8"]
    assert stats.records == 4 and stats.skipped == 3 and stats.warnings == 3
    assert stats.summary() == "read 4 records from 1 file (3 skipped, 3 warnings)"


def test_strict_mode_raises_at_the_first_bad_record():
    with pytest.raises(BadRecord) as info:
        load(FIX / "papers.jsonl", strict=True)
    assert info.value.location == f"{FIX / 'papers.jsonl'}:5"
    assert "not valid JSON" in info.value.reason
    assert str(info.value).startswith(f"{FIX / 'papers.jsonl'}:5: ")


def test_title_without_abstract_is_kept():
    papers, _ = load(FIX / "papers.jsonl")
    only = [p for p in papers if p.title == "A Paper With Only a Title"]
    assert len(only) == 1 and only[0].abstract == ""


# -- encodings ---------------------------------------------------------------------


def test_utf8_bom_is_dropped(tmp_path):
    f = tmp_path / "bom.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + (FIX / "papers.jsonl").read_bytes())
    papers, _ = load(f)
    assert papers[0].title == "Attention Is All You Need"
    g = tmp_path / "bom.txt"
    g.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    assert len(load(g)[0]) == 226
    h = tmp_path / "bom.csv"
    h.write_bytes(b"\xef\xbb\xbf" + (FIX / "papers.csv").read_bytes())
    assert load(h)[0][0].title == "Attention Is All You Need"


def test_invalid_utf8_is_replaced_with_a_warning(tmp_path):
    f = tmp_path / "latin1.jsonl"
    f.write_bytes(
        b'{"title": "Good One", "abstract": "fine"}\n'
        b'{"title": "Caf\xe9 Networks", "abstract": "na\xefve \xff bytes"}\n'
        b'{"title": "Good Two"}\n'
    )
    papers, warnings = load(f)
    # no valid UTF-8 at all: a legacy encoding, detected (one warning for the file)
    assert [p.title for p in papers] == ["Good One", "Café Networks", "Good Two"]
    assert warnings == [f"{f}: not UTF-8 text: read as cp1252 (detected)"]
    with pytest.raises(BadRecord, match="latin1.jsonl: not UTF-8"):
        load(f, strict=True)
    # UTF-8 with stray bytes: replaced, one warning for the whole file
    g = tmp_path / "mixed.jsonl"
    g.write_bytes(
        b'{"title": "M\xc3\xbcller \xc3\xa9t\xc3\xa9 Good"}\n'
        b'{"title": "Caf\xe9 Networks"}\n'
        b'{"title": "Bad \xff Again"}\n'
    )
    papers, warnings = load(g)
    assert [p.title for p in papers] == ["Müller été Good", "Caf\ufffd Networks", "Bad \ufffd Again"]
    assert warnings == [f"{g}:2: invalid UTF-8 bytes replaced (the first of the file's lines with such bytes)"]
    with pytest.raises(BadRecord, match="mixed.jsonl:2: invalid UTF-8"):
        load(g, strict=True)


def test_invalid_utf8_in_xml_is_replaced(tmp_path):
    data = (FIX / "arxiv-search.atom.xml").read_bytes().replace(b"Ashish Vaswani", b"Ashish Vaswan\xe9")
    f = tmp_path / "bad.atom.xml"
    f.write_bytes(data)
    papers, warnings = load(f)
    assert len(papers) == 3 and papers[0].authors[0] == "Ashish Vaswané"  # a Windows code page
    assert len(warnings) == 1 and warnings[0].startswith(f"{f}: not UTF-8 text: read as cp125")


# -- detection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,expected",
    [
        ("hf-papers-pretraining.txt", "hf-papers"),
        ("arxiv-search.atom.xml", "arxiv-atom"),
        ("arxiv-error.atom.xml", "arxiv-atom"),
        ("oai-arxiv.xml", "arxiv-oai"),
        ("oai-arxivraw.xml", "arxiv-oai"),
        ("oai-dc.xml", "arxiv-oai"),
        ("s2-search.json", "s2"),
        ("s2-paper.json", "s2"),
        ("s2-citations.jsonl", "s2"),
        ("openalex-works.json", "openalex"),
        ("pwc-papers-with-abstracts.json", "pwc"),
        ("papers.bib", "bibtex"),
        ("papers.jsonl", "jsonl"),
        ("papers.json", "json"),
        ("papers.csv", "csv"),
        ("papers.tsv", "tsv"),
        ("facts.jsonl", "facts"),
    ],
)
def test_detect_format(name, expected):
    path = SAMPLE if name == SAMPLE.name else FIX / name
    assert detect_format(path, path.read_bytes()[:65536]) == expected
    # by content alone, under a neutral name (CSV/TSV/BibTeX too)
    assert detect_format(Path("input.dat"), path.read_bytes()[:65536]) == expected


def test_detect_format_looks_inside_gzip():
    head = gzip.compress((FIX / "arxiv-search.atom.xml").read_bytes())[:2000]
    assert detect_format(Path("feed.xml.gz"), head) == "arxiv-atom"


def test_detect_format_refuses_what_it_cannot_tell():
    for head in [b"hello world\n", b"<html><body>hi</body></html>", b"\x00\x01\x02binary"]:
        with pytest.raises(UnknownFormat, match="x.dat: cannot tell the format.*--format"):
            detect_format(Path("x.dat"), head)


def test_formats_tuple():
    assert FORMATS == (
        "hf-papers", "jsonl", "json", "csv", "tsv", "arxiv-atom", "arxiv-oai", "bibtex", "s2", "openalex", "pwc", "facts",
    )


def test_every_error_is_a_kg_error():
    for cls in (BadInput, BadRecord, InputNotFound, UnknownFormat):
        assert issubclass(cls, KGError)


def test_import_loaders_is_light():
    code = (
        "import sys; from kg import loaders; list(loaders.iter_records([sys.argv[1]]));"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('spacy', 'networkx', 'neo4j', 'pyvis')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(SAMPLE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_hf_text_recovers_from_a_missing_abstract_or_title(tmp_path):
    good, _ = load(SAMPLE)
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    # paper k's title is on line 3 + 2k, its abstract on line 4 + 2k (1-based)
    k = 100
    no_abstract = tmp_path / "no-abstract.txt"
    no_abstract.write_text("\n".join(lines[: 3 + 2 * k] + lines[4 + 2 * k :]), encoding="utf-8")
    papers, warnings = load(no_abstract)
    assert len(papers) == 226
    assert papers[k].title == good[k].title and papers[k].abstract == ""
    assert [(p.title, p.abstract) for i, p in enumerate(papers) if i != k] == [
        (p.title, p.abstract) for i, p in enumerate(good) if i != k
    ]
    assert warnings == [f"{no_abstract}:{3 + 2 * k}: no abstract after this title (the next line is a title)"]

    no_title = tmp_path / "no-title.txt"
    no_title.write_text("\n".join(lines[: 2 + 2 * k] + lines[3 + 2 * k :]), encoding="utf-8")
    papers, warnings = load(no_title)
    assert [p.title for p in papers] == [p.title for i, p in enumerate(good) if i != k]
    assert [p.abstract for p in papers] == [p.abstract for i, p in enumerate(good) if i != k]
    assert len(warnings) == 1 and warnings[0].startswith(f"{no_title}:{3 + 2 * k}: a line too long for a title")
