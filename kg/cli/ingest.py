"""``kg extract`` and ``kg ingest``: the main job."""

from __future__ import annotations

import json
import os

import click

from kg.cli.options import dask_from, dask_options, open_store_from, pop_store_options, quiet_option, store_options

_FORMAT_HELP = ("Input format for every file (default: detected from extension and content): "
                "hf-papers, jsonl, json, csv, tsv, arxiv-atom, arxiv-oai, bibtex, s2, openalex, pwc, facts.")


def _load_knowledge(ctx, param, value):
    if value is None:
        return None
    from kg.pipeline import read_knowledge_file

    return read_knowledge_file(value)


def _input_options(func):
    func = click.option("--rules-only", is_flag=True,
                        help="Let the rule cues decide every relation, without the learned model "
                             "(to compare the two; the model is the default).")(func)
    func = click.option("--knowledge", type=click.Path(dir_okay=False), default=None, callback=_load_knowledge,
                        help="Corpus knowledge written by `kg knowledge` over the whole corpus, when the "
                             "inputs are one shard of it: every shard then extracts as one run would.")(func)
    func = click.option("--workers", "-j", type=click.IntRange(0, 64), default=0, show_default=True,
                        help="Extract in N processes (the output is the same for any N). 0: one per CPU "
                             "(at most 8), and one per 1000 papers at most.")(func)
    func = click.option("--strict", is_flag=True,
                        help="Stop at the first bad record; nothing is written.")(func)
    func = click.option("--format", "fmt", default=None, metavar="FORMAT", help=_FORMAT_HELP)(func)
    func = click.argument("inputs", nargs=-1, required=True, type=click.Path())(func)
    return func


def _sayer(quiet: bool):
    def say(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    return say


def _warner(quiet: bool):
    def warn(message: str) -> None:
        if ": note: " in message:  # not a problem: said as a note
            click.echo("note: " + message.replace(": note: ", ": ", 1), err=True)
            return
        click.echo(f"warning: {message}", err=True)

    return warn


def _merged_text(report) -> str:
    m = report.merge
    if not m.merged and not m.absorbed:
        return ""
    parts = [f"{m.merged} merged from several records"] if m.merged else []
    if m.absorbed:
        parts.append(f"{m.absorbed} stored paper{'s' if m.absorbed != 1 else ''} taken into another")
    return " (" + "; ".join(parts) + ")"


def _summary_line(report, quiet: bool) -> None:
    if (report.warnings or report.skipped) and not quiet:
        click.echo(f"{report.skipped} bad record(s) skipped, {report.warnings} warning(s) in all "
                   "(see above).", err=True)


@click.command("extract")
@_input_options
@click.option("-o", "--output", "output", required=True, type=click.Path(allow_dash=True),
              help="Facts file to write (JSON Lines, one paper a line; - for stdout). With --dask a "
                   "directory: the workers write part-00000.jsonl.gz ... and a _manifest.json.")
@dask_options
@quiet_option
def extract_command(inputs, fmt, strict, workers, knowledge, rules_only, output, dask_address, partition_size,
                    quiet):
    """Load papers and extract their facts into a JSON Lines file (no store).

    INPUT may be files or directories in any supported format, gzip-compressed or not.
    """
    from kg.pipeline import run_extract, show_progress

    dask = dask_from(dask_address, partition_size, workers)
    if dask is None and os.path.isdir(output):
        raise click.BadParameter(f"{output!r} is a directory (a directory of facts parts needs --dask)",
                                 param_hint="'-o'")
    report = run_extract(inputs, output, format=fmt, strict=strict, workers=workers, warn=_warner(quiet),
                         progress=show_progress(quiet), knowledge=knowledge,
                         dask=dask, say=_sayer(quiet), rules_only=rules_only)
    _summary_line(report, quiet)
    if not quiet and output != "-":
        click.echo(f"Extracted {report.papers} papers{_merged_text(report)} to {output}.", err=True)


@click.command("ingest")
@_input_options
@store_options
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=3000, show_default=True,
              help="Papers per write transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@dask_options
@quiet_option
def ingest_command(inputs, fmt, strict, workers, knowledge, rules_only, batch_size, as_json, dask_address,
                   partition_size, quiet, **kwargs):
    """Load papers, extract, resolve and write them into the graph store.

    Re-running with the same papers adds nothing; facts files written by
    `kg extract` are loaded without extracting again.
    """
    from kg.pipeline import run_ingest, show_progress

    dask = dask_from(dask_address, partition_size, workers)
    with open_store_from(**pop_store_options(kwargs)) as store:
        report = run_ingest(inputs, store, format=fmt, strict=strict, workers=workers, warn=_warner(quiet),
                            progress=show_progress(quiet), batch_size=batch_size, knowledge=knowledge,
                            dask=dask, say=_sayer(quiet), rules_only=rules_only)
        stats = store.stats()
    _summary_line(report, quiet)
    w = report.write
    if as_json:
        click.echo(json.dumps({"read": report.papers, "skipped": report.warnings, "added": w.papers_added,
                               "updated": w.papers_updated, "unchanged": w.papers_unchanged,
                               "reresolved": report.reresolved, "reextracted": report.reextracted,
                               "records": report.merge.records, "merged": report.merge.merged,
                               "absorbed": report.merge.absorbed,
                               "stats": stats}, indent=2, sort_keys=True))
        return
    if quiet:
        return
    parts = [f"{n} stored papers {what} again, as the new ones changed {why}"
             for n, what, why in ((report.reextracted, "extracted", "the names the corpus introduces"),
                                  (report.reresolved, "resolved", "their entities")) if n]
    again = f" (and {', and '.join(parts)})" if parts else ""
    read = (f"Read {report.papers} papers" if report.merge.records in (0, report.papers)
            else f"Read {report.merge.records} records as {report.papers} papers")
    click.echo(f"{read}{_merged_text(report)}{again}: {w.papers_added} added, "
               f"{w.papers_updated} updated, {w.papers_unchanged} unchanged.")
    click.echo(_stats_text(stats))


@click.command("knowledge")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", default=None, metavar="FORMAT", help=_FORMAT_HELP)
@click.option("--strict", is_flag=True, help="Stop at the first bad record; nothing is written.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Knowledge file to write (name<TAB>type lines).")
@dask_options
@quiet_option
def knowledge_command(inputs, fmt, strict, output, dask_address, partition_size, quiet):
    """Collect the names a corpus introduces, for extracting it in shards.

    Extraction knows, in every paper, the names any paper of the same run introduces with a
    strong cue ("we propose X", "X: ...", acronym definitions). Run this once over the whole
    corpus (it is cheap), then `kg extract SHARD --knowledge FILE` on each machine: the facts
    of every shard are then what one run over the whole corpus would give.
    """
    from kg.pipeline import run_knowledge, show_progress

    report = run_knowledge(inputs, output, format=fmt, strict=strict, warn=_warner(quiet),
                           dask=dask_from(dask_address, partition_size), progress=show_progress(quiet),
                           say=_sayer(quiet))
    _summary_line(report, quiet)
    if not quiet:
        click.echo(f"Collected {report.names} names from {report.papers} papers into {output}.", err=True)


def _stats_text(stats: dict) -> str:
    lines = [f"Store {stats.get('store', '')}: {stats['papers']} papers, {stats['entities']} entities, "
             f"{stats['relations']} paper relations, {stats['entity_relations']} entity relations."]
    for title, key in (("entities", "entity_types"), ("paper relations", "relation_types"),
                       ("entity relations", "entity_relation_types")):
        if stats.get(key):
            parts = ", ".join(f"{k} {v}" for k, v in sorted(stats[key].items()))
            lines.append(f"  {title}: {parts}")
    return "\n".join(lines)


COMMANDS = [extract_command, ingest_command, knowledge_command]
