"""The tree passes ``ruff check`` and ``mypy`` with the rules configured in pyproject.toml
(``[tool.ruff]``, ``[tool.mypy]``: strict on kg.resolve and kg.store)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_check_passes():
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_passes(tmp_path):
    # a fresh cache: what is checked is the tree as it is (a cold run takes about half a minute)
    res = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "unused section" not in res.stdout + res.stderr, res.stdout + res.stderr


def test_the_package_says_it_is_typed():
    assert (ROOT / "kg" / "py.typed").is_file()
