"""Defects 11 and 12: a full disk, a damaged page or a read-only store ended in ``internal error:
<Exception>`` naming no file; exports were 0600 whatever the umask. Now each names the file and
the cause in one line, and exports follow the umask (or keep the mode of the file they replace)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from advutil import KG, graph, kg, one_line, sample_facts  # noqa: F401  (fixtures)
from kg.cli import main


def test_a_full_disk_under_the_store_is_named(tmp_path, sample_facts, monkeypatch):
    import kg.store.embedded as embedded

    store = tmp_path / "kg.db"
    small = tmp_path / "small.jsonl"
    small.write_text("".join(sample_facts.read_text(encoding="utf-8").splitlines(keepends=True)[:10]),
                     encoding="utf-8")
    assert CliRunner().invoke(main, ["ingest", str(small), "--store", str(store), "-q"]).exit_code == 0
    before = graph(store)
    pages = sqlite3.connect(store).execute("PRAGMA page_count").fetchone()[0]
    tune = embedded._tune

    def full_soon(db, readonly=False):  # the file may grow by a few pages: then the disk is full
        tune(db, readonly)
        db.execute(f"PRAGMA max_page_count={pages + 5}")

    monkeypatch.setattr(embedded, "_tune", full_soon)
    res = CliRunner().invoke(main, ["ingest", str(sample_facts), "--store", str(store), "-q"])
    assert res.exit_code == 1
    assert one_line(res.output) == f"Error: disk full while writing {store} (what was committed before is intact)"
    monkeypatch.setattr(embedded, "_tune", tune)
    assert graph(store)[0][:3] == before[0][:3]  # it opens, and the first run's papers are there


def test_a_full_disk_under_an_export_is_named(tmp_path, sample_facts):
    store = tmp_path / "kg.db"
    assert kg("ingest", sample_facts, "--store", store, "-q").returncode == 0
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    res = kg("export", "--store", store, "--format", "json", "-o", "/dev/full")
    assert res.returncode == 1
    assert one_line(res.stderr) == "Error: disk full while writing /dev/full"
    res = kg("extract", sample_facts, "-o", "/dev/full")
    assert res.returncode == 1 and one_line(res.stderr) == "Error: disk full while writing /dev/full"


def test_a_damaged_store_is_named(tmp_path, sample_facts):
    store = tmp_path / "kg.db"
    assert kg("ingest", sample_facts, "--store", store, "-q").returncode == 0
    data = bytearray(store.read_bytes())
    page = 4096
    for at in range(2 * page, len(data) - page, page):  # every page but the first: garbage
        data[at:at + 64] = b"\xa5" * 64
    store.write_bytes(bytes(data))
    for args in (["stats"], ["export", "--format", "json", "-o", str(tmp_path / "g.json")],
                 ["ingest", str(sample_facts)]):
        res = kg(*args, "--store", store)
        assert res.returncode == 1, res.stdout
        line = one_line(res.stderr)
        assert str(store) in line and "damaged" in line and "internal error" not in line


def _umask(mask: int):
    return lambda: os.umask(mask)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_exports_follow_the_umask(tmp_path, sample_facts, mask, mode):
    out = tmp_path / "out"
    out.mkdir()
    for args in (["extract", str(sample_facts), "-o", str(out / "facts.jsonl")],
                 ["knowledge", str(sample_facts), "-o", str(out / "names.tsv")]):
        res = subprocess.run([*KG, *args, "-q"], capture_output=True, text=True, preexec_fn=_umask(mask),
                             timeout=300)
        assert res.returncode == 0, res.stderr
    store = tmp_path / "kg.db"
    assert kg("ingest", sample_facts, "--store", store, "-q").returncode == 0
    for fmt, name in (("json", "g.json"), ("graphml", "g.graphml"), ("csv", "csv")):
        res = subprocess.run([*KG, "export", "--store", str(store), "--format", fmt, "-o", str(out / name)],
                             capture_output=True, text=True, preexec_fn=_umask(mask), timeout=300)
        assert res.returncode == 0, res.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 6
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(mode)}


def test_an_export_keeps_the_mode_of_the_file_it_replaces(tmp_path, sample_facts):
    store = tmp_path / "kg.db"
    assert kg("ingest", sample_facts, "--store", store, "-q").returncode == 0
    target = tmp_path / "g.json"
    target.write_text("old")
    target.chmod(0o640)
    res = subprocess.run([*KG, "export", "--store", str(store), "--format", "json", "-o", str(target)],
                         capture_output=True, text=True, preexec_fn=_umask(0o077), timeout=300)
    assert res.returncode == 0, res.stderr
    assert oct(target.stat().st_mode & 0o777) == oct(0o640) and target.read_text() != "old"


def test_an_output_that_is_a_pipe_or_device_is_written_not_replaced(tmp_path, sample_facts):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen([sys.executable, "-c", f"print(len(open({str(fifo)!r}).read().splitlines()))"],
                              stdout=subprocess.PIPE, text=True)
    res = kg("extract", sample_facts, "-o", fifo, "-q")
    assert res.returncode == 0, res.stderr
    assert reader.communicate(timeout=60)[0].strip() == "226"
    assert os.path.exists(fifo) and not os.path.isfile(fifo)  # still the FIFO
    assert sorted(os.listdir(tmp_path)) == ["fifo"]
