"""The Dask path against the local one: ``kg extract --dask`` on a 2-worker local TCP cluster vs
``kg extract --workers 2``, on the same corpus, in the same run.

    python benchmarks/bench_dask.py --sizes 10000,100000 [--workers 2] [--work DIR]

For each size it makes (or reuses) a synthetic corpus (``benchmarks/make_corpus.py``: one gzip
JSON Lines file) and runs, each as a whole measured process:

* ``local``: ``kg extract CORPUS -o FACTS.jsonl --workers W`` (uncompressed output: the local
  run's cheapest way to write);
* ``dask``:  ``kg extract CORPUS -o DIR/ --dask tcp://…`` against a cluster this script starts
  once for all sizes: ``dask scheduler`` and W ``dask worker --nthreads 1`` processes on
  127.0.0.1 (each a nanny and a worker), restarted before each size: fresh workers, as a new job
  gets, that import spaCy on their first task, in the measure.

It reports wall time, CPU seconds (the client's process tree; for ``dask`` also the workers'
processes, read from /proc before and after), peak RSS (the client's tree; the workers' trees
apart), papers/s, papers/s per worker core, and the ratio of the Dask wall time to the local
one (the overhead; target ≤ 1.3× at 100k papers). It checks that both give the same facts (the
same lines in the same order). Prints a markdown table; raw numbers go to ``WORK/dask.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import KG, PY, ROOT, Run, corpus_for, tree_pids, tree_rss_mb  # noqa: E402

TARGET_RATIO_100K = 1.3
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


class Cluster:
    """``dask scheduler`` + ``workers`` × ``dask worker --nthreads 1`` on 127.0.0.1."""

    def __init__(self, work: Path, workers: int):
        self.work = work
        self.workers = workers
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        dask = Path(PY).parent / "dask"
        cmd = [str(dask)] if dask.exists() else [PY, "-m", "dask"]
        with open(self.work / log, "wb") as out:
            p = subprocess.Popen(cmd + args, cwd=str(self.work), stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(p)
        return p

    def start(self) -> None:
        sched_file = self.work / "scheduler.json"
        sched_file.unlink(missing_ok=True)
        self._spawn(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(sched_file)], "scheduler.log")
        deadline = time.monotonic() + 120
        while not (sched_file.exists() and sched_file.read_text().strip()):
            if time.monotonic() > deadline:
                raise SystemExit("the dask scheduler did not start (see scheduler.log)")
            time.sleep(0.2)
        time.sleep(0.2)
        self.address = json.loads(sched_file.read_text())["address"]
        for i in range(self.workers):
            self._spawn(["worker", self.address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
                         "--local-directory", str(self.work / f"worker-{i}"), "--name", f"w{i}"], f"worker-{i}.log")
        from distributed import Client

        with Client(self.address, timeout=60) as c:
            c.wait_for_workers(self.workers, timeout=300)

    def restart(self) -> None:
        """Fresh worker processes (as a new job gets): they import spaCy again on their first task."""
        from distributed import Client

        with Client(self.address, timeout=60) as c:
            c.restart(wait_for_workers=True, timeout=300)
            c.wait_for_workers(self.workers, timeout=300)

    def worker_pids(self) -> list[int]:
        return [pid for p in self.procs[1:] for pid in tree_pids(p.pid)]

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in reversed(self.procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def run_measured(stage: str, size: int, cmd: list[str], work: Path, watch: Cluster | None = None) -> Run:
    """``cmd`` to the end: wall, the client tree's CPU and peak RSS; with ``watch``, the workers'
    CPU (a delta) and their trees' peak RSS too."""
    run = Run(stage, size, " ".join(str(c) for c in cmd))
    out_path, err_path = work / f"{stage}-{size}.out", work / f"{stage}-{size}.err"
    worker_pids = watch.worker_pids() if watch else []
    cpu0 = cpu_seconds(worker_pids)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=str(ROOT))
        polls = 0
        pids: list[int] = []
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if polls % 10 == 0:
                pids = tree_pids(proc.pid)
            run.peak_rss_mb = max(run.peak_rss_mb, tree_rss_mb(proc.pid, pids=pids)[0])
            if watch:
                run.server_rss_mb = max(run.server_rss_mb, sum(tree_rss_mb(p, pids=[p])[0] for p in worker_pids))
            polls += 1
            time.sleep(0.05)
        run.wall = time.perf_counter() - t0
    run.rc = os.waitstatus_to_exitcode(status)
    run.cpu = usage.ru_utime + usage.ru_stime
    if watch:
        run.extra["workers_cpu"] = cpu_seconds(worker_pids) - cpu0
    if run.rc != 0:
        tail = err_path.read_text(errors="replace").strip().splitlines()[-1:] or ["(no stderr)"]
        run.note = f"failed (exit {run.rc}): {tail[0][:160]}"
    return run


def facts_lines(path: Path) -> list[bytes]:
    if path.is_dir():
        manifest = json.loads((path / "_manifest.json").read_text())
        return [line for p in manifest["parts"] for line in gzip.decompress((path / p["file"]).read_bytes())
                .splitlines()]
    return path.read_bytes().splitlines()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench-dask")
    args = ap.parse_args(argv)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    cluster = Cluster(work, args.workers)
    cluster.start()
    rows = []
    try:
        for size in sizes:
            corpus = corpus_for(size, args.seed, work)
            local_out, dask_out = work / f"local-{size}.jsonl", work / f"dask-{size}"
            local = run_measured("local", size, [*KG, "extract", corpus, "-o", local_out, "-q",
                                                 "--workers", str(args.workers)], work)
            cluster.restart()
            dask = run_measured("dask", size, [*KG, "extract", corpus, "-o", dask_out, "-q",
                                               "--dask", cluster.address], work, watch=cluster)
            same = local.rc == 0 and dask.rc == 0 and facts_lines(local_out) == facts_lines(dask_out)
            rows.append((size, local, dask, same))
            print(f"{size}: local {local.wall:.1f} s, dask {dask.wall:.1f} s "
                  f"({dask.wall / local.wall:.2f}x), same facts: {same} {local.note} {dask.note}",
                  file=sys.stderr, flush=True)
    finally:
        cluster.stop()

    w = args.workers
    print("| papers | path | wall s | CPU s | peak RSS MB | papers/s | papers/s per worker core | vs local |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    raw = []
    for size, local, dask, same in rows:
        for r in (local, dask):
            is_dask = r is dask
            cpu = f"{r.cpu:.0f}" + (f" client + {r.extra.get('workers_cpu', 0):.0f} workers" if is_dask else "")
            rss = f"{r.peak_rss_mb:,.0f}" + (f" client, {r.server_rss_mb:,.0f} workers" if is_dask else "")
            path = f"`--dask` ({w} workers, TCP)" if is_dask else f"local `--workers {w}`"
            ratio = f"**{dask.wall / local.wall:.2f}×**" if is_dask else "1×"
            print(f"| {size:,} | {path} | {r.wall:.1f} | {cpu} | {rss} | {size / r.wall:,.0f} | "
                  f"{size / r.wall / w:,.0f} | {ratio} |")
            raw.append({"size": size, "stage": r.stage, "wall": r.wall, "cpu": r.cpu, "peak_rss_mb": r.peak_rss_mb,
                        "workers_rss_mb": r.server_rss_mb, **r.extra, "rc": r.rc, "note": r.note})
        if not same:
            print(f"\n**{size:,}: the two runs did not give the same facts**")
    (work / "dask.json").write_text(json.dumps(raw, indent=1))
    ok = all(same for *_, same in rows)
    big = [(size, d.wall / lo.wall) for size, lo, d, _ in rows if size >= 100_000]
    for size, ratio in big:
        verdict = "met" if ratio <= TARGET_RATIO_100K else "NOT met"
        print(f"\n{size:,} papers: Dask / local wall time {ratio:.2f}× (target ≤ {TARGET_RATIO_100K}×: {verdict})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
