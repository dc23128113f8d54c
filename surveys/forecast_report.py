"""The forecast report: the backtest's figures on a development and test cohorts, as text.

The rule fixed before any test cohort is read (docs/clinical.md, "Booster forecast"): the
alarm threshold is chosen on the development cohort by ``choose_threshold``, and so is the
clinic prior (``pooled_prior`` of the development cohort's intervals: the clinic's earlier
patients); both are then applied unchanged to every test cohort.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from surveys.forecast import LossDefinition, history
from surveys.forecast_backtest import (
    FIXED_INTERVAL_DAYS,
    FORECASTS,
    THRESHOLDED,
    WINDOW_DAYS,
    Course,
    calibration,
    cases,
    choose_threshold,
    scores,
    with_threshold,
)
from surveys.forecast_synthetic import as_course, generate, published_params
from surveys.survival import Duration, Prior, pooled_prior, published_prior

METHODS = ("forecast", "forecast_at_session", "fixed", "last_interval")
RULES = ("fixed", "last_interval")
#: The first seed of the replication cohorts (``replicate``); the shipped ones are 2101-2104.
REPLICATION_SEED = 3001
#: The kinds of cohort replicated: the published figures' shape, and the steadier one.
REPLICATED = (("published", None, 0), ("regular", 2.0, 1000))
#: The figures averaged over replications.
FIGURES = ("median_lead_days", "mean_lead_days", "missed_share", "false_alarms_per_patient_month")

#: The intervals split by how much of the patient's own history the forecast had read.
STRATA = (("1-2 earlier intervals", 1, 2), ("3 or more", 3, None))
#: Only on synthetic cohorts, whose patients' true durability the generator kept.
ORACLE = "oracle"


def pooled_durations(courses: Sequence[Course], loss: LossDefinition) -> list[list[Duration]]:
    """Each course's completed intervals after its response, for ``pooled_prior``."""
    out = []
    for course in courses:
        end = max([*course.sessions, *(at for at, _ in course.phq9)])
        _, durations, _, _ = history(
            course.baseline, course.phq9, course.sessions, end, loss, 100 - loss.percent_of_baseline
        )
        out.append(durations)
    return out


def evaluate(
    development: Sequence[Course],
    tests: dict[str, Sequence[Course]],
    loss: LossDefinition | None = None,
    fixed_days: int = FIXED_INTERVAL_DAYS,
    pooled: bool = True,
) -> dict:
    """The figures for each prior (published; with ``pooled``, the development cohort's pool
    when large enough) and each test cohort."""
    loss = loss or LossDefinition()
    priors: list[Prior] = [published_prior()]
    pool = pooled_prior(pooled_durations(development, loss)) if pooled else None
    if pool is not None:
        priors.append(pool)
    out = {"window_days": WINDOW_DAYS, "fixed_days": fixed_days, "priors": []}
    every = [*development, *(c for courses in tests.values() for c in courses)]
    oracle = bool(every) and all(c.truth is not None for c in every)
    methods = (*METHODS, ORACLE) if oracle else METHODS
    for prior in priors:
        dev_cases = cases(development, prior, loss, fixed_days=fixed_days)
        thresholded = THRESHOLDED if oracle else FORECASTS
        thresholds = {m: choose_threshold(dev_cases, m) for m in thresholded}
        cohorts = {}
        for name, courses in tests.items():
            items = cases(courses, prior, loss, fixed_days=fixed_days)
            for method, threshold in thresholds.items():
                items = with_threshold(items, threshold, [method])
            rows = {m: scores(items, m) for m in methods}
            cohorts[name] = {
                "scores": rows,
                "beats_rules": _beats(rows),
                "oracle_beats_rules": _beats(rows, ORACLE) if oracle else None,
                "by_history": {
                    label: {m: scores(inside, m) for m in methods}
                    for label, low, high in STRATA
                    for inside in [
                        [
                            c
                            for c in items
                            if c.earlier >= low and (high is None or c.earlier <= high)
                        ]
                    ]
                    if inside
                },
                "calibration": calibration(items),
                "prior_only_calibration": calibration(items, prior_only=True),
                "sweep": [
                    scores(with_threshold(items, t, ["forecast"]), "forecast") | {"threshold": t}
                    for t in (0.1, 0.2, 0.3, 0.4, 0.5)
                ],
            }
        out["priors"].append(
            {"prior": prior.to_dict(), "thresholds": thresholds, "cohorts": cohorts}
        )
    return out


def replicate(
    development: Sequence[Course], count: int, first_seed: int = REPLICATION_SEED
) -> dict:
    """The forecast with the published prior, its threshold chosen on ``development`` as ever,
    on ``count`` fresh cohorts of each kind in ``REPLICATED`` (seeds from ``first_seed``): how
    often it beats both rules, and each method's figures averaged. One test cohort's verdict
    can be a lucky or an unlucky draw of 80 patients; this says how often it holds."""
    prior = published_prior()
    threshold = choose_threshold(cases(development, prior), "forecast")
    methods = ("forecast", *RULES)
    out = {"count": count, "first_seed": first_seed, "threshold": threshold, "kinds": {}}
    for kind, shape, offset in REPLICATED:
        runs = []
        for seed in range(first_seed + offset, first_seed + offset + count):
            params = published_params(f"{kind}-{seed}", seed, within_shape=shape)
            courses = [Course(*as_course(p)) for p in generate(params)["patients"]]
            rows = {m: scores(cases(courses, prior, threshold=threshold), m) for m in methods}
            runs.append((rows, _beats(rows)))
        out["kinds"][kind] = {
            "beats_median": sum(all(b["median"] for b in beats.values()) for _, beats in runs),
            "beats_mean": sum(all(b["mean"] for b in beats.values()) for _, beats in runs),
            "lead_above_zero": sum(
                (rows["forecast"]["median_lead_days"] or 0) > 0 for rows, _ in runs
            ),
            "mean": {
                m: {f: statistics.fmean(rows[m][f] or 0 for rows, _ in runs) for f in FIGURES}
                for m in methods
            },
        }
    return out


def format_replications(result: dict) -> str:
    """``replicate``'s figures as plain text."""
    lines = [
        f"== Replications: {result['count']} fresh cohorts of each kind (seeds from "
        f"{result['first_seed']}), published prior, threshold {result['threshold']:.2f} "
        "chosen on development"
    ]
    for kind, block in result["kinds"].items():
        n = result["count"]
        lines += [
            "",
            f"-- {kind}: beats both rules at no more false alarms on median lead in "
            f"{block['beats_median']} of {n}, on mean lead in {block['beats_mean']} of {n}; "
            f"its median lead above 0 in {block['lead_above_zero']} of {n}",
            "method               median lead  mean lead  missed  false alarms/pt-month (means)",
        ]
        lines += [
            f"{m:<20} {f['median_lead_days']:>11.1f} {f['mean_lead_days']:>10.1f} "
            f"{f['missed_share']:>7.2f} {f['false_alarms_per_patient_month']:>22.2f}"
            for m, f in block["mean"].items()
        ]
    return "\n".join(lines)


def _beats(rows: dict, method: str = "forecast") -> dict:
    """Whether ``method`` has more lead (median; mean) than each rule at no more false
    alarms per patient-month (never, on a history with no interval to judge)."""
    mine = rows[method]
    out = {}
    for rule in RULES:
        other = rows[rule]
        ours, theirs = (r["false_alarms_per_patient_month"] for r in (mine, other))
        fewer = ours is not None and theirs is not None and ours <= theirs
        out[rule] = {
            "median": fewer and (mine["median_lead_days"] or 0) > (other["median_lead_days"] or 0),
            "mean": fewer and (mine["mean_lead_days"] or 0) > (other["mean_lead_days"] or 0),
        }
    return out


def _num(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_report(result: dict) -> str:
    """The figures as plain text for the terminal and bench/FORECAST.md."""
    lines = [
        f"Alarm of use: a loss within {result['window_days']} days after it; lead capped there.",
        f"Fixed rule: every {result['fixed_days']} days. Last-interval rule: the previous "
        "session-to-session interval repeated.",
    ]
    if any(c.get("oracle_beats_rules") for b in result["priors"] for c in b["cohorts"].values()):
        lines.append(
            "Oracle: the forecast's alarm rule on each synthetic patient's true risk (the Weibull "
            "the generator drew from, given to no method): what a perfect estimate would reach."
        )
    for block in result["priors"]:
        prior = block["prior"]
        source = "development cohort's pool" if prior["source"] == "clinic" else "published"
        lines += [
            "",
            f"== Prior: {source} (Weibull shape {prior['shape']:.2f}, gamma a "
            f"{prior['a']:.2f}, b {prior['b']:.1f}); thresholds chosen on development: "
            + ", ".join(f"{m} {t:.2f}" for m, t in block["thresholds"].items()),
        ]
        for name, cohort in block["cohorts"].items():
            lines += ["", f"-- {name}", _table(cohort["scores"])]
            beats = cohort["beats_rules"]
            lines.append(
                "Beats both rules at no more false alarms: median lead "
                f"{_yes(all(b['median'] for b in beats.values()))}, mean lead "
                f"{_yes(all(b['mean'] for b in beats.values()))}."
            )
            if cohort.get("oracle_beats_rules"):
                beats = cohort["oracle_beats_rules"]
                lines.append(
                    "The oracle (the same alarm rule on each patient's true risk) beats both: "
                    f"median lead {_yes(all(b['median'] for b in beats.values()))}, mean lead "
                    f"{_yes(all(b['mean'] for b in beats.values()))}."
                )
            lines.append("By the patient's own earlier intervals the forecast read:")
            for label, rows in cohort.get("by_history", {}).items():
                lines.append(f"  {label} ({rows['forecast']['intervals']} intervals):")
                lines += [
                    f"    {m:<18} median lead {_num(r['median_lead_days'], 1)}, mean "
                    f"{_num(r['mean_lead_days'], 1)}, missed {_num(r['missed_share'])}, false "
                    f"alarms/patient-month {_num(r['false_alarms_per_patient_month'])}"
                    for m, r in rows.items()
                    if m != "forecast_at_session"
                ]
            cal, base = cohort["calibration"], cohort["prior_only_calibration"]
            lines.append(
                f"Brier score over {cal['pairs']} (interval, horizon) pairs: forecast "
                f"{_num(cal['brier'], 3)}, prior alone {_num(base['brier'], 3)}."
            )
            lines.append("Reliability (forecast): bin, n, mean predicted, observed")
            lines += [
                f"  {b['bin']}  {b['n']:4d}  {b['predicted']:.2f}  {b['observed']:.2f}"
                for b in cal["reliability"]
            ]
            lines.append("Threshold sweep on this cohort (for reading only, not for choosing):")
            lines += [
                f"  {s['threshold']:.1f}: median lead {_num(s['median_lead_days'], 1)}, "
                f"missed {_num(s['missed_share'])}, false alarms/patient-month "
                f"{_num(s['false_alarms_per_patient_month'])}"
                for s in cohort["sweep"]
            ]
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _table(rows: dict) -> str:
    header = (
        f"{'method':<20} {'intervals':>9} {'losses':>6} {'median lead':>11} {'mean lead':>9} "
        f"{'missed':>6} {'false alarms':>12} {'per pt-month':>12}"
    )
    body = [
        f"{m:<20} {r['intervals']:>9} {r['losses']:>6} {_num(r['median_lead_days'], 1):>11} "
        f"{_num(r['mean_lead_days'], 1):>9} {_num(r['missed_share']):>6} "
        f"{r['false_alarms']:>12} {_num(r['false_alarms_per_patient_month']):>12}"
        for m, r in rows.items()
    ]
    return "\n".join([header, *body])
