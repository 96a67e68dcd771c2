"""Defect 6: read-only commands modified other files (WAL mode and 17 tables added to any SQLite
file, a store created from an empty file) and a store on read-only media could not be read at
all ("not a kg store"). Now reading commands never create or alter a file, refuse a non-kg
database untouched, and read a store where nothing can be written."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from advutil import KG, kg, one_line, sample_facts  # noqa: F401  (fixtures)

READERS = [["stats", "--json"], ["query", "most_evaluated_benchmarks", "--format", "json"],
           ["resolve", "--report", "--json"]]


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _foreign_db(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT)")
    db.execute("INSERT INTO notes(text) VALUES('my own data')")
    db.commit()
    db.close()


@pytest.mark.parametrize("args", READERS + [["export", "--format", "json", "-o", "OUT"]])
def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path, args):
    other = tmp_path / "other.db"
    _foreign_db(other)
    before = _snapshot(tmp_path)
    res = kg(*[str(tmp_path / "out.json") if a == "OUT" else a for a in args], "--store", other)
    assert res.returncode == 1
    assert one_line(res.stderr) == f"Error: {other}: not a kg store (an SQLite database without kg's tables; left untouched)"
    assert _snapshot(tmp_path) == before  # same bytes, no -wal/-shm, no output
    assert sqlite3.connect(other).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_ingest_into_a_foreign_sqlite_file_is_refused_untouched(tmp_path, sample_facts):
    other = tmp_path / "other.db"
    _foreign_db(other)
    before = _snapshot(tmp_path)
    res = kg("ingest", sample_facts, "--store", other)
    assert res.returncode == 1 and "not a kg store" in one_line(res.stderr)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("content", [b"", b"hello, not a database\n" * 50])
def test_an_empty_or_foreign_file_is_not_made_a_store(tmp_path, content):
    path = tmp_path / "kg.db"
    path.write_bytes(content)
    for args in (["stats"], ["ingest", str(tmp_path / "none.jsonl")]):
        if args[0] == "ingest":
            (tmp_path / "none.jsonl").write_text('{"title": "A paper"}\n', encoding="utf-8")
        res = kg(*args, "--store", path)
        assert res.returncode == 1 and str(path) in one_line(res.stderr)
        assert path.read_bytes() == content
    assert not [p for p in os.listdir(tmp_path) if p.startswith("kg.db-")]


def test_a_missing_store_is_not_created_by_reading(tmp_path):
    for args in READERS:
        res = kg(*args, "--store", tmp_path / "nope.db")
        assert res.returncode == 1 and "no store here" in one_line(res.stderr)
    assert os.listdir(tmp_path) == []


def test_reading_a_store_leaves_its_folder_as_it_was(tmp_path, sample_facts):
    store = tmp_path / "kg.db"
    assert kg("ingest", sample_facts, "--store", store, "-q").returncode == 0
    before = _snapshot(tmp_path)
    for args in READERS:
        res = kg(*args, "--store", store)
        assert res.returncode == 0, res.stderr
    assert _snapshot(tmp_path) == before  # no -wal / -shm left by readers either


_ON_READ_ONLY_MEDIUM = """
set -u
mount -t tmpfs -o size=64m tmpfs "$MNT"
cp "$STORE" "$MNT/kg.db"
mount -o remount,ro "$MNT"
ls -la --time-style=full-iso "$MNT" > "$OUT/before.txt"
$KG stats --store "$MNT/kg.db" --json > "$OUT/stats.json" 2> "$OUT/stats.err"; echo $? > "$OUT/stats.rc"
$KG export --store "$MNT/kg.db" --format json -o "$OUT/g.json" 2> "$OUT/export.err"; echo $? > "$OUT/export.rc"
$KG neighbourhood GLUE --store "$MNT/kg.db" -o "$OUT/glue.html" 2> "$OUT/view.err"; echo $? > "$OUT/view.rc"
$KG ingest "$FACTS" --store "$MNT/kg.db" 2> "$OUT/ingest.err"; echo $? > "$OUT/ingest.rc"
ls -la --time-style=full-iso "$MNT" > "$OUT/after.txt"
"""


def test_a_store_on_a_read_only_medium_is_read(tmp_path, sample_facts):
    """A read-only file system (a tmpfs remounted read-only in a private mount namespace):
    EROFS for everyone, root included."""
    import shlex
    import shutil

    from advutil import IN_CI

    def need_service(reason):
        (pytest.fail if IN_CI else pytest.skip)(reason)

    store = tmp_path / "kg.db"
    assert kg("ingest", sample_facts, "--store", store, "-q").returncode == 0
    want = json.loads(kg("stats", "--store", store, "--json").stdout)
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare, "-rm", "true"], capture_output=True) if unshare else None
    if probe is None or probe.returncode != 0:
        need_service("no private mount namespace here (unshare -rm) to make a read-only file system")
    wrapper = tmp_path / "kg"
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in KG) + ' "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "MNT": str(mnt), "STORE": str(store), "OUT": str(out), "FACTS": str(sample_facts),
           "KG": str(wrapper)}
    res = subprocess.run([unshare, "-rm", "sh", "-c", _ON_READ_ONLY_MEDIUM], env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    for step in ("stats", "export", "view"):
        assert (out / f"{step}.rc").read_text().strip() == "0", (out / f"{step}.err").read_text()
    assert json.loads((out / "stats.json").read_text())["papers"] == want["papers"]
    assert (out / "before.txt").read_text() == (out / "after.txt").read_text()
    assert (out / "ingest.rc").read_text().strip() == "1"
    line = one_line((out / "ingest.err").read_text())
    assert "kg.db" in line and "read-only" in line
