"""Helpers and fixtures of the adversarial suite: the sample corpus as papers and as facts, and
kg run as a separate process (signals, locks and permissions need real processes).

Test modules import what they use from here (a second ``conftest.py`` would shadow the one of
``tests/`` that other test modules import from)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"
KG = [sys.executable, "-c", "import sys; from kg.cli import main; sys.argv[0] = 'kg'; main()"]


def kg(*args: str, env: dict | None = None, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """``kg ARGS`` in a process of its own."""
    return subprocess.run([*KG, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, **kwargs)


def kg_popen(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*KG, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **kwargs)


def one_line(text: str) -> str:
    """The one line a failing command prints (and nothing that looks like a traceback)."""
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture(scope="session")
def sample_papers(tmp_path_factory) -> list[dict]:
    from kg.loaders import iter_records

    return [p.to_dict() for p in iter_records([str(SAMPLE)])]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sample_facts(tmp_path_factory) -> Path:
    """The sample corpus extracted once (facts load without spaCy: fast concurrent runs)."""
    out = tmp_path_factory.mktemp("facts") / "sample.facts.jsonl"
    res = kg("extract", SAMPLE, "-o", out, "-q")
    assert res.returncode == 0, res.stderr
    return out


def graph(path: Path) -> tuple[list, list]:
    """A store's whole graph (without where papers were read from), read-only."""
    from graphutil import graph as whole

    return whole(path, drop=("source",))


IN_CI = os.environ.get("CI", "").lower() == "true"
