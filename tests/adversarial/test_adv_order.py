"""Defect 9: raw inputs ingested in two runs gave a different graph from one run (the corpus
knowledge was per run). Now the embedded store keeps the knowledge its papers introduce and
extracts again, found through its full-text index, the stored papers a run's new names
concern: any split of raw inputs into runs, in any order, gives the one-run graph."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advutil import graph, write_jsonl, sample_papers  # noqa: F401  (fixtures)
from kg.pipeline import run_ingest
from kg.store.embedded import EmbeddedStore
from resolveutil import DyingStore, Killed, _DyingState


@pytest.fixture(scope="module")
def one_run(tmp_path_factory, sample_papers) -> tuple[Path, tuple[list, list]]:
    folder = tmp_path_factory.mktemp("one-run")
    papers = write_jsonl(folder / "all.jsonl", sample_papers)
    with EmbeddedStore(folder / "kg.db") as s:
        run_ingest([papers], s)
    return folder, graph(folder / "kg.db")


def test_two_halves_in_either_order_give_the_one_run_graph(tmp_path, sample_papers, one_run):
    halves = [write_jsonl(tmp_path / "first.jsonl", sample_papers[:113]),
              write_jsonl(tmp_path / "second.jsonl", sample_papers[113:])]
    for name, order in (("forward", halves), ("backward", halves[::-1])):
        with EmbeddedStore(tmp_path / f"{name}.db") as s:
            reports = [run_ingest([p], s) for p in order]
        assert graph(tmp_path / f"{name}.db") == one_run[1], name
        # the second run extracted again only the stored papers its names concern (found
        # through the index), not every stored paper
        assert 0 < reports[1].reextracted < 0.3 * 113


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), runs=st.integers(2, 4))
def test_any_split_and_order_of_raw_inputs_gives_the_one_run_graph(tmp_path_factory, sample_papers, one_run,
                                                                    seed, runs):
    rng = random.Random(seed)
    papers = list(sample_papers)
    rng.shuffle(papers)
    cuts = sorted(rng.sample(range(1, len(papers)), runs - 1))
    parts = [papers[a:b] for a, b in zip([0, *cuts], [*cuts, len(papers)])]
    folder = tmp_path_factory.mktemp("split")
    with EmbeddedStore(folder / "kg.db") as s:
        for i, part in enumerate(parts):
            run_ingest([write_jsonl(folder / f"part-{i}.jsonl", part)], s, batch_size=rng.choice([25, 60, 3000]))
    assert graph(folder / "kg.db") == one_run[1]


class Dying(DyingStore):
    """A store whose process is killed before its ``n``-th state change (knowledge included)."""

    KNOWLEDGE_MUTATORS = {"save", "forget", "settle", "done"}

    def knowledge_state(self):
        state = self._store.knowledge_state()
        return None if state is None else _DyingState(self._dying(state, self.KNOWLEDGE_MUTATORS))


@pytest.mark.parametrize("kill", [1, 2, 3, 5, 8, 13, 21])
def test_a_run_killed_at_any_step_is_completed_by_running_it_again(tmp_path, sample_papers, one_run, kill):
    first = write_jsonl(tmp_path / "first.jsonl", sample_papers[113:])
    second = write_jsonl(tmp_path / "second.jsonl", sample_papers[:113])
    store = tmp_path / "kg.db"
    with EmbeddedStore(store) as s:
        run_ingest([first], s)
    with EmbeddedStore(store) as s:
        with pytest.raises(Killed):
            run_ingest([second], Dying(s, kill), batch_size=30)
    with EmbeddedStore(store) as s:
        run_ingest([second], s, batch_size=30)
    assert graph(store) == one_run[1]
