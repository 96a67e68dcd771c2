"""``kg eval``: score extraction against a gold file."""

from __future__ import annotations

import json

import click


@click.command("eval")
@click.option("--gold", "gold_path", required=True, type=click.Path(dir_okay=False), help="Gold JSON Lines file.")
@click.option("--papers", "paper_paths", required=True, multiple=True, type=click.Path(),
              help="Input(s) in any format kg extract reads (repeatable); a facts file is scored as it is, "
                   "papers are extracted first. Papers not in the gold are ignored.")
@click.option("--types", default=None, help="Comma-separated relation types to score (default: all six).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--errors", "show_errors", is_flag=True, help="Also list false positives and false negatives per paper.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help="Extraction processes.")
@click.option("--rules-only", is_flag=True, help="Score the rule cues' own decisions, without the learned model.")
def eval_command(gold_path: str, paper_paths: tuple[str, ...], types: str | None, as_json: bool,
                 show_errors: bool, workers: int, rules_only: bool) -> None:
    """Score extraction against a gold file: P/R/F1 per relation type, all types, and the headline."""
    from kg.evaluate import evaluate_inputs, format_table, load_gold, parse_types

    gold = load_gold(gold_path)
    wanted = parse_types(types)
    report = evaluate_inputs(paper_paths, gold, wanted, workers=workers, rules_only=rules_only)
    if as_json:
        out = report.to_dict(wanted)
        if show_errors:
            out["errors"] = [{"title": e.title, "false_positives": e.false_positives,
                              "false_negatives": e.false_negatives} for e in report.errors]
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(format_table(report, wanted))
    if show_errors:
        for e in report.errors:
            click.echo(f"\n# {e.title}")
            for t, n in e.false_positives:
                click.echo(f"  FP {t:<14} {n}")
            for t, n in e.false_negatives:
                click.echo(f"  FN {t:<14} {n}")
