"""Hostile input: whatever the bytes, every loader raises only KGError children, never a traceback."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import BadInput, KGError
from kg.loaders import FORMATS, iter_records

FIX = Path(__file__).resolve().parent / "fixtures" / "loaders"
FIXTURES = sorted(p for p in FIX.iterdir() if p.is_file())
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "hf-papers-pretraining.txt"


def drain(path: Path, fmt: str | None, strict: bool) -> int:
    """Read everything; return how many records came out. Only KGError may escape."""
    n = 0
    try:
        for _ in iter_records([path], format=fmt, strict=strict, warn=lambda m: None):
            n += 1
    except KGError as exc:
        assert str(exc).strip() and "\n" not in str(exc), repr(exc)  # one clean line
        assert str(path) in str(exc) or "format" in str(exc), str(exc)  # names the file
    return n


def mutations(data: bytes, rng: random.Random) -> list[bytes]:
    out = []
    for cut in sorted({len(data) * k // 9 for k in range(1, 9)} | {1, len(data) - 1}):
        out.append(data[:cut])  # truncated
    for _ in range(6):
        b = bytearray(data)
        for _ in range(rng.randrange(1, 12)):
            b[rng.randrange(len(b))] = rng.randrange(256)  # flipped bytes
        out.append(bytes(b))
    b = bytearray(data)
    i = rng.randrange(len(b))
    out.append(bytes(b[:i] + rng.randbytes(64) + b[i:]))  # inserted garbage
    out.append(data + data)  # doubled
    return out


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_mutated_fixtures_raise_only_kg_errors(tmp_path, fixture):
    rng = random.Random(fixture.name)
    data = fixture.read_bytes()
    for i, blob in enumerate(mutations(data, rng)):
        f = tmp_path / f"m{i}{fixture.suffix}"
        f.write_bytes(blob)
        for fmt in (None, *FORMATS):
            for strict in (False, True):
                drain(f, fmt, strict)
        g = tmp_path / f"m{i}{fixture.suffix}.gz"
        g.write_bytes(gzip.compress(blob))
        drain(g, None, False)


@pytest.mark.parametrize("fmt", (None, *FORMATS))
def test_random_bytes_raise_only_kg_errors(tmp_path, fmt):
    rng = random.Random(str(fmt))
    for i in range(25):
        f = tmp_path / f"r{i}.bin"
        f.write_bytes(rng.randbytes(rng.randrange(0, 4000)))
        drain(f, fmt, False)
        drain(f, fmt, True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), fmt=st.sampled_from((None, *FORMATS)), strict=st.booleans())
def test_arbitrary_bytes_raise_only_kg_errors(tmp_path, data, fmt, strict):
    f = tmp_path / "h.in"
    f.write_bytes(data)
    drain(f, fmt, strict)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list('{}[]",:\\ \n\t@<>/=#%$abctitle0123\u00e9\ufeff')), max_size=400),
       fmt=st.sampled_from(FORMATS))
def test_structured_garbage_raises_only_kg_errors(tmp_path, text, fmt):
    f = tmp_path / "s.in"
    f.write_text(text, encoding="utf-8")
    drain(f, fmt, False)


def test_sample_truncated_anywhere_keeps_the_records_before_the_cut(tmp_path):
    data = SAMPLE.read_bytes()
    full = [p.title for p in iter_records([SAMPLE])]
    for cut in range(1000, len(data), len(data) // 7):
        f = tmp_path / "cut.txt"
        f.write_bytes(data[:cut])
        titles = [p.title for p in iter_records([f])]
        assert titles[:-1] == full[: len(titles) - 1]


def test_xml_entity_expansion_is_refused(tmp_path):
    f = tmp_path / "bomb.xml"
    f.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE feed [\n <!ENTITY a "aaaaaaaaaa">\n <!ENTITY b "&a;&a;&a;&a;&a;&a;">\n]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&b;</title></entry></feed>\n'
    )
    with pytest.raises(BadInput, match="bomb.xml:3: XML entity declarations are not allowed"):
        list(iter_records([f], format="arxiv-atom"))


def test_external_entities_are_not_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    f = tmp_path / "xxe.xml"
    f.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&x;</title></entry></feed>\n'
    )
    with pytest.raises(BadInput):
        list(iter_records([f], format="arxiv-atom"))


def test_deeply_nested_json(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(BadInput, match="deep.json"):
        list(iter_records([f], format="json"))
    g = tmp_path / "deep.jsonl"
    g.write_text('{"title": "ok"}\n' + "[" * 200_000 + "]" * 200_000 + "\n" + '{"title": "ok too"}\n')
    warnings: list[str] = []
    assert [p.title for p in iter_records([g], warn=warnings.append)] == ["ok", "ok too"]
    assert warnings == [f"{g}:2: JSON nested too deeply"]


def test_wrong_xml_for_the_format(tmp_path):
    with pytest.raises(BadInput, match="oai-arxiv.xml:2: not an Atom feed"):
        list(iter_records([FIX / "oai-arxiv.xml"], format="arxiv-atom"))
    with pytest.raises(BadInput, match="not an OAI-PMH response"):
        list(iter_records([FIX / "arxiv-search.atom.xml"], format="arxiv-oai"))


def test_hostile_openalex_index(tmp_path):
    f = tmp_path / "oa.jsonl"
    f.write_text(
        '{"id": "W1", "title": "Huge Position", "abstract_inverted_index": {"x": [1000000000000]}}\n'
        '{"id": "W2", "title": "Bad Position", "abstract_inverted_index": {"x": ["a"]}}\n'
    )
    warnings: list[str] = []
    papers = list(iter_records([f], format="openalex", warn=warnings.append))
    assert [p.abstract for p in papers] == ["x"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{f}:2:")


def test_huge_numbers_and_long_reasons(tmp_path):
    digits = "9" * 5000
    f = tmp_path / "num.json"
    f.write_text('[\n {"title": "Good"},\n {"title": "Big", "year": ' + digits + "}\n]\n")
    got = []
    with pytest.raises(BadInput, match="num.json:3: unusable JSON value"):
        for p in iter_records([f]):
            got.append(p.title)
    assert got == ["Good"]
    g = tmp_path / "num.jsonl"
    g.write_text('{"title": "Big", "year": ' + digits + '}\n{"title": "Good"}\n')
    warnings: list[str] = []
    assert [p.title for p in iter_records([g], warn=warnings.append)] == ["Good"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{g}:1: ")
    h = tmp_path / "long.bib"
    h.write_text("@misc{k, " + "x" * 100_000 + " = {1}, title }\n")
    warnings = []
    assert list(iter_records([h], warn=warnings.append)) == []
    assert len(warnings) == 1 and len(warnings[0]) < len(str(h)) + 250
