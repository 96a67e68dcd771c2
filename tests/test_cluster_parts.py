"""The pieces of ``--dask`` that need no cluster: reading files by ranges of lines, cutting the
input into partitions, summing resolution's votes over partitions, facts directories in parts."""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLE

from kg.errors import BadInput
from kg.loaders import LoadStats, iter_records
from kg.loaders.manifest import PartEntry, manifest_json, part_name
from kg.loaders.ranges import Piece, list_inputs, read_piece, scan

LOADERS = FIXTURES / "loaders"


def _hostile_jsonl(path: Path, compress: bool) -> Path:
    """The sample corpus as JSON Lines, with blank lines, broken records, a long line and bad UTF-8."""
    lines = [json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract}, ensure_ascii=False).encode()
             for p in iter_records([str(SAMPLE)])]
    lines[7] = b'{"title": "cut'
    lines[40] = b""
    lines[41] = b"   "
    lines[90] = b'{"abstract": "no title"}'
    lines[120] = lines[120].replace(b"We ", b"We \xff\xfe ", 1)
    lines[200] = b'["not", "an object"]'
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _files(tmp_path: Path) -> list[Path]:
    return [LOADERS / "arxiv-metadata-snapshot.jsonl", LOADERS / "s2-citations.jsonl", LOADERS / "facts.jsonl",
            _hostile_jsonl(tmp_path / "hostile.jsonl", False), _hostile_jsonl(tmp_path / "hostile.jsonl.gz", True)]


@pytest.mark.parametrize("every", [1, 2, 7, 64, 1000])
def test_ranges_of_lines_read_as_the_whole_file(tmp_path, every):
    for path in _files(tmp_path):
        (f,) = list_inputs([str(path)])
        sc = scan(f, every=every)
        assert sc.splittable, path
        want_warnings: list[str] = []
        want_stats = LoadStats()
        want = list(iter_records([str(path)], warn=want_warnings.append, stats=want_stats))
        got_warnings: list[str] = []
        got_stats = LoadStats()
        got = []
        for i, (line, offset) in enumerate(sc.marks):
            count = sc.marks[i + 1][0] - line if i + 1 < len(sc.marks) else None
            got += list(read_piece(Piece(f, sc.format, line, offset, count), warn=got_warnings.append,
                                   stats=got_stats))
        assert got == want, path  # the same records, with the same Paper.source lines
        assert got_warnings == want_warnings and got_stats == want_stats
        assert len(sc.marks) == -(-sc.lines // every) if sc.lines else len(sc.marks) == 0


def test_the_hostile_file_has_the_warnings_the_test_expects(tmp_path):
    path = _hostile_jsonl(tmp_path / "h.jsonl", False)
    warnings: list[str] = []
    list(iter_records([str(path)], warn=warnings.append))
    # line 201 is a list: two records, two warnings
    assert [w.split(": ")[0] for w in warnings] == [f"{path}:{n}" for n in (8, 91, 121, 201, 201)]


def test_files_that_cannot_be_cut_are_read_whole(tmp_path):
    for name in ("papers.json", "papers.csv", "openalex-works.json", "papers.bib"):
        (f,) = list_inputs([str(LOADERS / name)])
        assert not scan(f, every=1).splittable


def test_partitions_group_small_files_and_cut_big_ones(tmp_path):
    from kg.cluster.plan import plan

    files = list_inputs([str(p) for p in _files(tmp_path)])
    scans = {3: scan(files[3], every=50)}
    parts = plan(files, scans, partition_size=50)
    assert [p.index for p in parts] == list(range(len(parts)))
    pieces = [piece for p in parts for piece in p.pieces]
    assert [p.file.name for p in pieces][:3] == [f.name for f in files[:3]]  # small ones first, in order
    cut = [p for p in pieces if p.file == files[3]]
    assert len(cut) == 5 and all(len(next(x for x in parts if p in x.pieces).pieces) == 1 for p in cut)
    # every record once, in input order
    got = [r for p in parts for piece in p.pieces for r in read_piece(piece, warn=lambda m: None)]
    assert got == list(iter_records([str(f.name) for f in files], warn=lambda m: None))


# -- resolution's votes over partitions = one run's --------------------------------------------------
@pytest.fixture(scope="module")
def raw_facts() -> list:
    from kg.extract import extract_papers

    return list(extract_papers(list(iter_records([str(SAMPLE)]))))


def _with_duplicates(raw: list) -> list:
    """The sample's facts and records that challenge whose votes count: a real-id paper with the
    title of a title-id paper, a paper id read twice with different facts, an exact duplicate."""
    def as_paper(facts, pid, title=None):
        paper = dataclasses.replace(facts.paper, id=pid, title=title or facts.paper.title)
        rels = tuple(dataclasses.replace(r, source=pid) for r in facts.relations)
        return dataclasses.replace(facts, paper=paper, relations=rels)

    out = list(raw)
    out.insert(50, as_paper(raw[5], "2101.00001", title=raw[0].paper.title))  # shadows raw[0]'s votes
    out.insert(10, as_paper(raw[60], "2101.00002"))
    out.append(as_paper(raw[61], "2101.00002"))  # the same id later, other facts: these count
    out.insert(120, raw[30])  # an exact duplicate
    out.append(as_paper(raw[70], raw[80].paper.id))  # a title id read again with other facts
    return out


@pytest.mark.parametrize("seed", range(6))
def test_vote_sums_over_partitions_resolve_as_one_run(raw_facts, seed):
    from kg.cluster.votes import same_as_one_run
    from kg.cluster.work import decisions_of
    from kg.resolve import resolve_stream
    from kg.resolve.core import NO_DECISION, resolve_paper

    facts = _with_duplicates(raw_facts)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(facts)), rng.randrange(0, 12)))
    parts = [facts[a:b] for a, b in zip([0] + cuts, cuts + [len(facts)])]
    table = decisions_of(same_as_one_run(parts))
    got = [resolve_paper(f, lambda k: table.get(k, NO_DECISION))[0].to_json() for f in facts]
    chunk = rng.choice([7, 50, 500])
    want = [f.to_json() for f in resolve_stream(facts, chunk_size=chunk)]
    assert got == want
    # the duplicates did change something, so the test can fail
    plain = decisions_of(same_as_one_run([raw_facts]))
    assert plain != table


# -- facts directories in parts --------------------------------------------------------------------
def _parts_dir(tmp_path: Path, n: int = 3) -> Path:
    lines = (LOADERS / "facts.jsonl").read_bytes().splitlines(keepends=True)
    d = tmp_path / "facts"
    d.mkdir()
    entries = []
    for i in range(n):
        data = gzip.compress(b"".join(lines[i::n]))
        (d / part_name(i)).write_bytes(data)
        entries.append(PartEntry(part_name(i), len(lines[i::n]), len(data), ""))
    (d / "_manifest.json").write_text(manifest_json(entries))
    (d / "notes.txt").write_text("not a paper file: not read")
    return d


def test_a_parts_directory_reads_what_its_manifest_lists(tmp_path):
    d = _parts_dir(tmp_path)
    want = sorted(f.paper.id for f in iter_records([str(LOADERS / "facts.jsonl")]))
    for given in (d, d / "_manifest.json", tmp_path):
        assert sorted(f.paper.id for f in iter_records([str(given)])) == want


@pytest.mark.parametrize("damage, says", [
    (lambda d: (d / part_name(1)).unlink(), "part-00001.jsonl.gz: listed in"),
    (lambda d: (d / part_name(2)).write_bytes(b"\x1f\x8b"), "part-00002.jsonl.gz: 2 bytes, but"),
    (lambda d: (d / "_manifest.json").unlink(), "facts parts without _manifest.json"),
])
def test_a_damaged_parts_directory_is_one_line(tmp_path, damage, says):
    d = _parts_dir(tmp_path)
    damage(d)
    with pytest.raises(BadInput) as err:
        list(iter_records([str(d)]))
    assert says in str(err.value) and "\n" not in str(err.value)


def test_a_facts_directory_commits_at_once_and_has_one_writer(tmp_path):
    pytest.importorskip("fsspec", reason="fsspec comes with the dask extra")
    from kg.cluster.parts import FactsDir
    from kg.errors import ClusterError

    out = tmp_path / "facts"
    data = gzip.compress((LOADERS / "facts.jsonl").read_bytes())

    def visible() -> list[str]:
        return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))

    def run(n: int) -> None:
        with FactsDir(str(out)) as target:
            with pytest.raises(ClusterError, match="another kg run is writing facts here"):
                FactsDir(str(out)).__enter__()
            before = visible()
            for i in range(n):
                Path(target.staging, part_name(i)).write_bytes(data)
            assert visible() == before  # the staged parts are hidden until the commit
            target.commit([PartEntry(part_name(i), 4, len(data), "") for i in range(n)], inputs=["x"])
        assert visible() == ["_manifest.json"] + [part_name(i) for i in range(n)]

    run(3)
    run(1)  # a smaller run over the same directory: the earlier run's extra parts go
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["_manifest.json",
                                                                                   part_name(0)]
    assert not [p for p in out.iterdir() if p.name.startswith(".kg-staging-")]
    assert len(list(iter_records([str(out)]))) == len(list(iter_records([str(LOADERS / "facts.jsonl")])))

    with pytest.raises(RuntimeError):  # a failed run leaves the directory as it was
        with FactsDir(str(out)) as target:
            Path(target.staging, part_name(0)).write_bytes(b"partial")
            raise RuntimeError("a worker failed")
    assert len(list(iter_records([str(out)]))) == len(list(iter_records([str(LOADERS / "facts.jsonl")])))
    assert not [p for p in out.iterdir() if p.name.startswith(".kg-staging-")]
