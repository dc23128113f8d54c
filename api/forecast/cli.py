"""``waypoint forecast-report``: the booster forecast's backtest, on the shipped synthetic
cohorts (no database) or on a clinic's own history."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from surveys import forecast_synthetic as synthetic
from surveys.forecast_report import evaluate, format_replications, format_report
from surveys.forecast_report import replicate as replicate_cohorts


@click.command("forecast-report")
@click.option("--synthetic", "use_synthetic", is_flag=True, help="The shipped synthetic cohorts.")
@click.option("--clinic", "clinic_id", type=int, default=None, help="A clinic's own history.")
@click.option("--as-json", is_flag=True, help="The figures as JSON.")
@click.option(
    "--replicate",
    type=click.IntRange(1, 100),
    default=None,
    help="With --synthetic: also N fresh cohorts of each published kind (how often it holds).",
)
def forecast_report(
    use_synthetic: bool, clinic_id: int | None, as_json: bool, replicate: int | None
) -> None:
    """Backtest the booster forecast against a fixed interval and the last interval."""
    from .operations import synthetic_cohort

    if use_synthetic == (clinic_id is not None):
        raise click.UsageError("Give either --synthetic or --clinic ID.")
    if replicate and not use_synthetic:
        raise click.UsageError("--replicate generates synthetic cohorts: give it with --synthetic.")
    if use_synthetic:
        development = synthetic_cohort(synthetic.SHIPPED[0].name)
        tests = {p.name: synthetic_cohort(p.name) for p in synthetic.SHIPPED[1:]}
        result = evaluate(development, tests)
        if replicate:
            result["replications"] = replicate_cohorts(development, replicate)
    else:
        result = _clinic_report(clinic_id)
    if as_json:
        click.echo(json.dumps(result, indent=1))
        return
    click.echo(format_report(result))
    if "replications" in result:
        click.echo("\n" + format_replications(result["replications"]))


@with_appcontext
def _clinic_report(clinic_id: int) -> dict:
    from .operations import clinic_report

    return clinic_report(clinic_id)
