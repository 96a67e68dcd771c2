"""Defect 1: two writers silently corrupted the embedded store, and two runs creating one store
raced. Now a store has one writer at a time (a second one waits, saying so) and is created
atomically."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from advutil import graph, kg, kg_popen, one_line, sample_facts  # noqa: F401  (fixtures)


def _parts(sample_facts: Path, tmp_path: Path) -> list[Path]:
    """Overlapping inputs: the first 150 papers, the last 150, and all of them backwards."""
    lines = sample_facts.read_text(encoding="utf-8").splitlines(keepends=True)
    parts = {"a": lines[:150], "b": lines[76:], "c": lines[::-1]}
    out = []
    for name, chunk in parts.items():
        p = tmp_path / f"part-{name}.jsonl"
        p.write_text("".join(chunk), encoding="utf-8")
        out.append(p)
    return out


def test_concurrent_ingests_end_equal_to_the_sequential_result(tmp_path, sample_facts):
    parts = _parts(sample_facts, tmp_path)
    seq = tmp_path / "sequential.db"
    for p in parts:
        res = kg("ingest", p, "--store", seq, "-q", "--batch-size", "20")
        assert res.returncode == 0, res.stderr
    together = tmp_path / "together.db"
    procs = [kg_popen("ingest", p, "--store", together, "-q", "--batch-size", "20") for p in parts]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert graph(together) == graph(seq)
    # the runs that found the store taken said they waited (none interleaved)
    waited = [err for _, err in outs if "waiting for it to finish" in err]
    assert all("Traceback" not in err for _, err in outs)
    assert len(waited) <= 2


def test_runs_started_together_on_a_new_path_make_one_store(tmp_path, sample_facts):
    small = tmp_path / "small.jsonl"
    small.write_text("".join(sample_facts.read_text(encoding="utf-8").splitlines(keepends=True)[:20]),
                     encoding="utf-8")
    store = tmp_path / "new" / "kg.db"
    procs = [kg_popen("ingest", small, "--store", store, "--json") for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    for out, err in outs:
        assert "not a kg store" not in err and "already exists" not in err and "Traceback" not in err
    added = sorted(json.loads(out[out.index("{"):])["added"] for out, _ in outs)
    assert added == [0, 0, 0, 20]  # one run created and filled it; the others found it whole
    assert sorted(os.listdir(store.parent)) == ["kg.db"]  # no temporary file left
    assert len(graph(store)[0]) > 20


_HOLD = """
import sys, time
from kg.store.embedded import EmbeddedStore
s = EmbeddedStore(sys.argv[1])
s.begin_writing()
print("locked", flush=True)
time.sleep(600)
"""


def test_a_killed_writer_leaves_the_store_to_the_next(tmp_path, sample_facts):
    store = tmp_path / "kg.db"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        waiting = kg_popen("ingest", sample_facts, "--store", store, "-q")
        time.sleep(3)
        assert waiting.poll() is None  # it waits while the holder lives
        os.kill(holder.pid, signal.SIGKILL)
        out, err = waiting.communicate(timeout=300)
        assert waiting.returncode == 0, err
        assert "another kg process is writing this store; waiting" in err
    finally:
        holder.kill()
        holder.wait()
    assert len(graph(store)[0]) > 226


def test_a_reader_does_not_wait_for_a_writer(tmp_path, sample_facts):
    store = tmp_path / "kg.db"
    assert kg("ingest", sample_facts, "--store", store, "-q").returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        res = kg("stats", "--store", store, "--json", timeout=60)
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["papers"] == 226
    finally:
        holder.kill()
        holder.wait()


def test_a_second_writer_in_one_process_is_refused_at_once(tmp_path):
    """The lock is the file's (flock): a second writer in the process holding it would wait for
    itself for ever, so it is refused, naming the store."""
    import pytest

    from kg.errors import StoreError
    from kg.store.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "kg.db") as a:
        a.begin_writing()
        with pytest.raises(StoreError, match="this process already writes this store"):
            EmbeddedStore(tmp_path / "kg.db").begin_writing()
        with EmbeddedStore(tmp_path / "kg.db", readonly=True) as r:  # reading is fine
            assert r.stats()["papers"] == 0
    with EmbeddedStore(tmp_path / "kg.db") as b:  # closed: free again
        b.begin_writing()
