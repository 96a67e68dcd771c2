"""Past one machine on Dask: ``kg knowledge / extract / ingest --dask ADDRESS``.

The work is cut into partitions (``plan``: input files, grouped when small, and ranges of
lines of big JSON Lines files) that the workers read themselves, from paths on a shared file
system or fsspec URLs (``kg.loaders.ranges``). The client lists the files and reads nothing else.
On the cluster (``run``, over the worker functions of ``work``):

1. knowledge: name counts per partition, summed in a tree (order free), made into the corpus
   knowledge, which the client scatters to every worker once;
2. extraction: each worker builds its spaCy pipeline from that knowledge once and extracts its
   partitions; the facts stay on the worker;
3. resolution: vote sums per partition (``votes``), summed in a tree, decided per key; the
   decisions are replicated to every worker, which resolves its partitions and writes them as
   ``DIR/part-NNNNN.jsonl.gz``; the client then writes ``DIR/_manifest.json`` (``parts``).
   ``kg ingest`` instead takes the extracted facts, partition by partition, into its store.

The facts are those of one local run over the same input (the same lines, in the same order).
Nothing here imports dask until a command is given ``--dask``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.cluster.plan import PARTITION_SIZE

__all__ = ["DaskOptions", "PARTITION_SIZE"]


@dataclass(frozen=True)
class DaskOptions:
    """Where and how to run on Dask."""

    #: ``local`` (a ``LocalCluster`` on this machine) or a scheduler address (``tcp://host:8786``)
    address: str
    #: worker processes of a ``local`` cluster (0: one per CPU); an existing cluster has its own
    workers: int = 0
    #: papers per partition
    partition_size: int = PARTITION_SIZE
