"""Network mode's raised targets (issue #24, bench/raised.py), judged from a figure's numbers:
each target is the issue's, a figure over it is missed and says by how much, one within it is
met, and a figure that was not measured keeps its reason."""

import pytest

pytestmark = pytest.mark.bench


def measured(key, **numbers):
    from bench.figures import line

    result = line(key)
    result.verdict = "met"  # as the full mode's target judged it
    result.numbers = numbers
    return result


def test_throughput_needs_three_quarters_of_the_floor():
    from bench.raised import judge

    assert judge(measured("throughput", ratio=0.80, errors=0), 50).verdict == "met"
    missed = judge(measured("throughput", ratio=0.68, errors=0), 50)
    assert missed.verdict == "missed by 0.07 x floor (0.68 x floor)"
    assert missed.target == ">= 0.75 x floor"


def test_latency_is_judged_against_the_bare_insert_s_p99_at_the_rate_reached():
    from bench.raised import judge

    ok = measured("latency", p99=14.0, floor_p99=10.0, rate=49.0, errors=0)
    assert judge(ok, 50).verdict == "met"
    slow = measured("latency", p99=20.0, floor_p99=10.0, rate=49.0, errors=0)
    assert judge(slow, 50).verdict.startswith("missed by 0.50 x floor (p99 2.00 x floor")
    behind = measured("latency", p99=11.0, floor_p99=10.0, rate=30.0, errors=0)
    assert judge(behind, 50).verdict == "missed (reached 30.0/s of 50/s)"


def test_urgent_alerts_against_four_times_the_no_op_task():
    from bench.raised import judge

    noops = [10.0] * 99 + [30.0]  # p99 10 ms
    assert judge(measured("urgent", p99=40.0, lost=0, noop_ms=noops), 50).verdict == "met"
    assert judge(measured("urgent", p99=110.0, lost=0, noop_ms=noops), 50).verdict.startswith(
        "missed by 7.00 x floor"
    )
    assert judge(measured("urgent", p99=5.0, lost=2, noop_ms=noops), 50).verdict == (
        "missed (2 not notified)"
    )


def test_panel_and_trend_against_the_bare_get():
    from bench.raised import judge

    assert judge(measured("panel", p95=22.0, floor_p95=5.6), 50).verdict == "met"
    assert judge(measured("trend", p95=15.0, floor_p95=5.0), 50).verdict.startswith(
        "missed by 0.50 x floor"
    )


def test_recovery_within_one_point_two_spans_and_complete():
    from bench.raised import judge

    whole = {"checkins": 80, "alerts": 5, "done": 80, "told": 5, "duplicates": 0,
             "accepted": 40, "posts": 40, "span_s": 10.0}  # fmt: skip
    assert judge(measured("recovery", evaluated_s=11.0, alerted_s=9.0, **whole), 50).verdict == (
        "met"
    )
    slow = judge(measured("recovery", evaluated_s=12.8, alerted_s=9.0, **whole), 50)
    assert slow.verdict == "missed by 0.08 x span (12.8 s for a span of 10.0 s)"
    short = {**whole, "done": 79}
    assert "not all evaluated" in judge(measured("recovery", evaluated_s=1, alerted_s=1, **short),
                                        50).verdict  # fmt: skip


def test_tick_within_schedule_seconds_and_lighthouse_at_100():
    from bench.raised import judge
    from bench.tick import SCHEDULE_SECONDS

    tick = {"first_s": SCHEDULE_SECONDS * 0.8, "next_s": 1.0, "longest_transaction_s": 0.4}
    assert judge(measured("tick", **tick), 50).verdict == "met"  # over half: the old target
    long = {**tick, "longest_transaction_s": 6.2}
    assert judge(measured("tick", **long), 50).verdict == "missed (a transaction lasted 6.2 s)"
    scores = {"performance": 98, "accessibility": 100, "best-practices": 100}
    assert judge(measured("lighthouse", **scores), 50).verdict == "missed (performance 98)"


def test_a_figure_not_measured_keeps_its_reason_and_the_memory_keeps_its_target():
    from bench.figures import line, not_measured
    from bench.raised import judge

    skipped = judge(not_measured("panel", "skipped (--skip)"), 50)
    assert skipped.verdict == "not measured: skipped (--skip)" and skipped.target.startswith("p95")
    memory = line("memory_web")
    assert judge(memory, 50).target == "RSS <= 150 MB"
