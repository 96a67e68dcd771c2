"""Shared fixtures: real paper files, a fresh embedded store, a real Neo4j server.

Service fixtures skip only outside CI; when CI=true a missing service fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need_service(reason: str) -> None:
    """Skip locally, fail in CI: a test that needs a service must run there."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "kg.db"
