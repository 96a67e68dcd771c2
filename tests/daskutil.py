"""A real Dask cluster for tests: one ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1, started from this Python's environment and stopped after."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

WORKERS = 2


@dataclass
class DaskCluster:
    address: str
    dashboard: str | None
    work: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    def client(self, **kwargs):
        from distributed import Client

        return Client(self.address, set_as_default=False, **kwargs)

    def wait_for_workers(self, n: int = WORKERS, timeout: float = 120) -> None:
        with self.client(timeout=30) as c:
            c.wait_for_workers(n, timeout=timeout)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.work.glob("*.log")))


def _dask_command() -> list[str]:
    exe = Path(sys.executable).parent / "dask"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]


def start(work: Path) -> DaskCluster:
    """The scheduler (its address read from its scheduler file) and two workers (nannies)."""
    dask = _dask_command()
    env = {k: v for k, v in os.environ.items() if k != "KG_DASK_SCHEDULER"}
    sched_file = work / "scheduler.json"
    cluster = DaskCluster("", None, work)

    def spawn(args: list[str], log: str) -> None:
        out = open(work / log, "wb")
        cluster.procs.append(subprocess.Popen(dask + args, cwd=str(work), stdout=out, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, env=env, start_new_session=True))
        out.close()

    try:
        spawn(["scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
               "--scheduler-file", str(sched_file)], "scheduler.log")
        deadline = time.monotonic() + 90
        while not sched_file.exists() or not sched_file.read_text().strip():
            if time.monotonic() > deadline or cluster.procs[0].poll() is not None:
                raise RuntimeError("the dask scheduler did not start:\n" + cluster.logs())
            time.sleep(0.2)
        time.sleep(0.2)
        info = json.loads(sched_file.read_text())
        cluster.address = info["address"]
        port = (info.get("services") or {}).get("dashboard")
        cluster.dashboard = f"http://127.0.0.1:{port}/status" if port else None
        for i in range(WORKERS):
            (work / f"worker-{i}").mkdir(exist_ok=True)
            spawn(["worker", cluster.address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
                   "--local-directory", str(work / f"worker-{i}"), "--name", f"w{i}"], f"worker-{i}.log")
        cluster.wait_for_workers()
    except BaseException:
        stop(cluster)
        raise
    return cluster


def stop(cluster: DaskCluster) -> None:
    """Stop what ``start`` started (each in its own process group), and nothing else."""
    for p in reversed(cluster.procs):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for p in reversed(cluster.procs):
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
