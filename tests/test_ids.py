"""Stable ids: the scoring normalisation and paper id precedence."""

from hypothesis import given, strategies as st

from kg.ids import compact_key, fold, paper_id


def _reference_compact_key(text: str) -> str:
    """The definition, character by character (the fast version must agree)."""
    import re

    t = re.sub(r"(?<=\d)\.(?=\d)", "\x00", fold(text))
    return "".join(c if c.isalnum() else ("." if c == "\x00" else "") for c in t)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))
def test_compact_key_matches_its_definition(text: str) -> None:
    assert compact_key(text) == _reference_compact_key(text)


@given(st.text(alphabet="aB1.-_ 3.5\u00e9\u2160x", max_size=30))
def test_compact_key_on_names_with_dots_and_digits(text: str) -> None:
    assert compact_key(text) == _reference_compact_key(text)


def test_compact_key_examples() -> None:
    assert compact_key("LLaMA-2") == compact_key("Llama 2") == "llama2"
    assert compact_key("GPT-3.5") == "gpt3.5" != compact_key("GPT-35")
    assert compact_key("snake_case") == "snakecase"


def test_paper_id_precedence() -> None:
    ids = {"doi": "10.1000/xyz", "arxiv": "2101.00001v2"}
    assert paper_id(ids, "A title") == paper_id({"arxiv": "arXiv:2101.00001"}, "Other")
    assert paper_id({"doi": "10.1000/XYZ"}, "t") == paper_id({"doi": "https://doi.org/10.1000/xyz"}, "u")
    assert paper_id({}, "A Title!") == paper_id({}, "a title")
