"""kg on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1
(``daskutil``), against one local run of the same command on the same input.

With CI=true these tests run (dask comes with the test extra); elsewhere they skip only when
dask is not installed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import daskutil
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE, need_service

from kg.cli import main
from graphutil import graph

pytestmark = pytest.mark.dask
KG = [sys.executable, "-c", "import sys; from kg.cli import main; sys.argv[0] = 'kg'; main()"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    try:
        import distributed  # noqa: F401
    except ImportError:
        need_service("dask is not installed (pip install -e '.[test]')")
    c = daskutil.start(tmp_path_factory.mktemp("dask-cluster"))
    try:
        yield c
    finally:
        daskutil.stop(c)


@pytest.fixture
def dask(cluster) -> str:
    cluster.wait_for_workers()  # a test may have killed one: its nanny starts another
    return cluster.address


def kg(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output + (repr(result.exception) if result.exception else "")
    return result


def part_lines(out: Path) -> list[str]:
    manifest = json.loads((out / "_manifest.json").read_text())
    lines: list[str] = []
    for p in manifest["parts"]:
        lines += gzip.decompress((out / p["file"]).read_bytes()).decode("utf-8").splitlines()
    return lines


def by_paper(lines: list[str]) -> list[str]:
    return sorted(lines, key=lambda line: (json.loads(line)["paper"]["id"], line))


# -- the sample corpus ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def local_sample(tmp_path_factory) -> dict:
    """One local run of each command on the sample corpus."""
    d = tmp_path_factory.mktemp("local-sample")
    kg("knowledge", SAMPLE, "-o", d / "names.tsv", "-q")
    kg("extract", SAMPLE, "-o", d / "facts.jsonl", "-q")
    kg("ingest", SAMPLE, "--store", d / "kg.db", "-q")
    return {"names": (d / "names.tsv").read_bytes(), "facts": (d / "facts.jsonl").read_text().splitlines(),
            "graph": graph(d / "kg.db")}


def test_knowledge_on_the_cluster_is_the_local_file(dask, cluster, local_sample, tmp_path):
    res = kg("knowledge", SAMPLE, "-o", tmp_path / "names.tsv", "--dask", dask)
    assert (tmp_path / "names.tsv").read_bytes() == local_sample["names"]
    assert f"Dask dashboard: {cluster.dashboard}" in res.stderr  # the scheduler serves one


def test_extract_writes_parts_equal_to_one_local_run(dask, local_sample, tmp_path):
    out = tmp_path / "facts"
    kg("extract", SAMPLE, "-o", f"{out}/", "--dask", dask, "-q")
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["kind"] == "kg-facts-parts" and manifest["papers"] == 226
    assert [p["file"] for p in manifest["parts"]] == ["part-00000.jsonl.gz"]
    assert len(manifest["knowledge_sha256"]) == 64
    assert sorted(os.listdir(out)) == [".kg-lock", "_manifest.json", "part-00000.jsonl.gz"]  # no staging left
    lines = part_lines(out)
    assert lines == local_sample["facts"]  # the same lines, in the same order
    assert by_paper(lines) == by_paper(local_sample["facts"])

    # loading the parts gives the store one local ingest gives
    kg("ingest", f"{out}/", "--store", tmp_path / "parts.db", "-q")
    assert graph(tmp_path / "parts.db") == local_sample["graph"]


def test_a_knowledge_file_given_to_the_cluster(dask, local_sample, tmp_path):
    """``--knowledge`` (sharding by hand) and ``--dask`` together: the file's names are used."""
    names = tmp_path / "names.tsv"
    names.write_bytes(local_sample["names"])
    kg("extract", SAMPLE, "-o", tmp_path / "parts", "--dask", dask, "--knowledge", names, "-q")
    assert part_lines(tmp_path / "parts") == local_sample["facts"]
    manifest = json.loads((tmp_path / "parts" / "_manifest.json").read_text())
    assert manifest["knowledge_sha256"] == hashlib.sha256(local_sample["names"]).hexdigest()


def test_ingest_extracts_on_the_cluster(dask, local_sample, tmp_path):
    db = tmp_path / "kg.db"
    res = kg("ingest", SAMPLE, "--store", db, "--dask", dask, "--json")
    assert json.loads(res.stdout[res.stdout.index("{"):])["added"] == 226
    assert graph(db) == local_sample["graph"]


def test_workers_read_urls_and_small_files_in_groups(dask, local_sample, tmp_path):
    """Inputs as fsspec URLs (file:// here; s3:// and gs:// the same way), split in many files."""
    src = tmp_path / "corpus"
    src.mkdir()
    from kg.loaders import iter_records

    papers = list(iter_records([str(SAMPLE)]))
    for i in range(0, len(papers), 40):
        (src / f"papers-{i:03d}.jsonl").write_text(
            "".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract, "year": p.year}) + "\n"
                    for p in papers[i:i + 40]), encoding="utf-8")
    out = tmp_path / "facts"
    kg("extract", f"file://{src}", "-o", out, "--dask", dask, "-q", "--partition-size", "20")
    manifest = json.loads((out / "_manifest.json").read_text())
    assert len(manifest["parts"]) > 1  # grouped small files, more than one partition
    local = tmp_path / "local.jsonl"
    kg("extract", src, "-o", local, "-q")
    url_lines = [line.replace(f"file://{src}", str(src)) for line in part_lines(out)]
    assert by_paper(url_lines) == by_paper(local.read_text().splitlines())

    # facts parts read back from a URL on the cluster: the store of one local ingest
    kg("ingest", f"file://{out}", "--store", tmp_path / "kg.db", "--dask", dask, "-q")
    nodes, edges = graph(tmp_path / "kg.db")
    assert (_sourceless(nodes), edges) == (_sourceless(local_sample["graph"][0]), local_sample["graph"][1])


def _sourceless(nodes: list) -> list:
    return [{k: v for k, v in n.items() if k != "source"} for n in nodes]  # where each paper was read


# -- bad input, --strict, an unreachable scheduler ------------------------------------------------
@pytest.fixture
def with_bad_records(tmp_path) -> Path:
    from kg.loaders import iter_records

    lines = [json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract}) for p in iter_records([str(SAMPLE)])]
    lines[3] = '{"title": "broken'  # not JSON
    lines[150] = '{"abstract": "no title here"}'
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _warnings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("warning: ")]


def test_a_bad_record_on_a_worker_is_the_local_warning(dask, with_bad_records, tmp_path):
    local = CliRunner().invoke(main, ["extract", str(with_bad_records), "-o", str(tmp_path / "l.jsonl")])
    assert local.exit_code == 0
    res = kg("extract", with_bad_records, "-o", tmp_path / "parts", "--dask", dask, "--partition-size", "100")
    want = _warnings(local.stderr)
    assert [w.split(": ", 2)[1] for w in want] == [f"{with_bad_records}:4", f"{with_bad_records}:151"]
    assert _warnings(res.stderr) == want
    assert "2 bad record(s) skipped" in res.stderr
    assert len(json.loads((tmp_path / "parts" / "_manifest.json").read_text())["parts"]) == 3  # 3 ranges
    assert part_lines(tmp_path / "parts") == (tmp_path / "l.jsonl").read_text().splitlines()


def test_strict_leaves_no_facts_part(dask, with_bad_records, tmp_path):
    out = tmp_path / "parts"
    res = CliRunner().invoke(main, ["extract", str(with_bad_records), "-o", str(out), "--dask", dask, "--strict",
                                    "--partition-size", "100"])
    assert res.exit_code != 0
    line = res.output.strip().splitlines()[-1]
    assert line.startswith("Error: ") and f"{with_bad_records}:4:" in line and "Traceback" not in res.output
    assert not list(out.rglob("part-*")) and not (out / "_manifest.json").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".kg-staging-")]


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s", "CI": os.environ.get("CI", "")}
    res = subprocess.run(KG + ["extract", str(SAMPLE), "-o", str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:9"],
                         capture_output=True, text=True, timeout=120, env=env, cwd=str(ROOT))
    if "needs Dask" in res.stderr:
        need_service("dask is not installed")
    assert res.returncode != 0
    assert res.stderr.strip().count("\n") == 0, res.stderr
    assert res.stderr.startswith("Error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (tmp_path / "out").exists()


def test_without_dask_nothing_imports_it(tmp_path):
    code = ("import sys; from kg.cli import main\n"
            f"sys.argv = ['kg', 'extract', {str(SAMPLE)!r}, '-o', {str(tmp_path / 'f.jsonl')!r}, '-q']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "assert 'dask' not in sys.modules and 'distributed' not in sys.modules, 'dask was imported'\n")
    env = {k: v for k, v in os.environ.items() if k != "KG_DASK_SCHEDULER"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env,
                         cwd=str(ROOT))
    assert res.returncode == 0, res.stderr


#: on a worker: its process id and the keys of the tasks it is running right now (a lambda, so
#: that it is sent by value: the workers cannot import this test module)
_executing = lambda dask_worker: (os.getpid(), [str(t.key) for t in dask_worker.state.executing])  # noqa: E731


# -- 10,000 synthetic papers in one gzip JSON Lines file: ranges, a worker killed mid-task ----------
@pytest.fixture(scope="module")
def corpus_10k(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("corpus-10k")
    corpus = d / "corpus.jsonl.gz"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "10000", "-o", str(corpus),
                    "--seed", "0"], check=True, capture_output=True, timeout=600)
    kg("knowledge", corpus, "-o", d / "names.tsv", "-q")
    kg("extract", corpus, "-o", d / "facts.jsonl", "-q", "--workers", "2")
    return {"corpus": corpus, "names": (d / "names.tsv").read_bytes(), "facts": d / "facts.jsonl"}


@pytest.mark.slow
def test_10k_knowledge_on_the_cluster(dask, corpus_10k, tmp_path):
    kg("knowledge", corpus_10k["corpus"], "-o", tmp_path / "names.tsv", "--dask", dask, "-q",
       "--partition-size", "2500")
    assert (tmp_path / "names.tsv").read_bytes() == corpus_10k["names"]


@pytest.mark.slow
def test_10k_extract_with_a_worker_killed_mid_task(dask, cluster, corpus_10k, tmp_path):
    """The file is read as 4 ranges of 2,500 lines; one worker process is killed (SIGKILL) while it
    extracts one: the scheduler gives the task to a worker again and the facts are the same."""
    out = tmp_path / "parts"
    env = {k: v for k, v in os.environ.items() if k != "KG_DASK_SCHEDULER"}
    run = subprocess.Popen(KG + ["extract", str(corpus_10k["corpus"]), "-o", str(out), "--dask", dask, "-q",
                                 "--partition-size", "2500"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    output: dict[str, str] = {}
    reader = threading.Thread(target=lambda: output.update(zip(("out", "err"), run.communicate())), daemon=True)
    reader.start()
    killed = None
    try:
        with cluster.client(timeout=30) as client:
            deadline = time.monotonic() + 300
            while killed is None and time.monotonic() < deadline and run.poll() is None:
                for addr, keys in client.processing().items():
                    running = [k for k in keys if str(k).startswith("kg-extract-")]
                    if not running:
                        continue
                    pid, executing = client.run(_executing, workers=[addr]).get(addr, (None, []))
                    key = next((k for k in running if str(k) in executing), None)
                    if key is None:
                        continue
                    os.kill(pid, signal.SIGKILL)
                    killed = (addr, key)
                    break
                else:
                    time.sleep(0.2)
            assert killed is not None, "no extraction task was seen running: " + str(output)

            # the scheduler saw the task's worker die under it, and runs it again elsewhere
            def suspicious(dask_scheduler, key=killed[1]):
                ts = dask_scheduler.tasks.get(key)
                return None if ts is None else ts.suspicious

            seen = None
            while not seen and time.monotonic() < deadline and run.poll() is None:
                seen = client.run_on_scheduler(suspicious)
                time.sleep(0.1)
        reader.join(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, output.get("err", "")
    assert seen, "the scheduler never saw the killed worker's task as suspicious"
    manifest = json.loads((out / "_manifest.json").read_text())
    assert len(manifest["parts"]) == 4 and manifest["papers"] == 10_000
    assert part_lines(out) == corpus_10k["facts"].read_text().splitlines()
