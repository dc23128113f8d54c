"""Property tests over all answer vectors, histories and bad inputs (Hypothesis)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import (
    PRIORITY_ORDER,
    STATUSES,
    AnswerError,
    CheckinFacts,
    RuleSettings,
    Score,
    TrendPoint,
    compute_trend,
    evaluate_checkin,
    evaluate_safety,
    get_definition,
    score,
)

PHQ9 = get_definition("phq9")
GAD7 = get_definition("gad7")
ASQ = get_definition("asq")
T0 = datetime(2026, 10, 1, tzinfo=UTC)
PROPERTY = settings(database=None, deadline=None, max_examples=300)


def phq9_band(total: int) -> str:
    """CLINICAL.md's PHQ-9 bands, written out independently of the data file."""
    if total <= 4:
        return "minimal"
    if total <= 9:
        return "mild"
    if total <= 14:
        return "moderate"
    return "moderately_severe" if total <= 19 else "severe"


def gad7_band(total: int) -> str:
    """CLINICAL.md's GAD-7 bands."""
    return (
        "minimal"
        if total <= 4
        else "mild"
        if total <= 9
        else "moderate"
        if total <= 14
        else "severe"
    )


item_values = st.integers(min_value=0, max_value=3)


@st.composite
def phq9_answers(draw):
    values = draw(st.lists(item_values, min_size=9, max_size=9))
    answers = {f"phq9_{i}": v for i, v in enumerate(values, start=1)}
    if any(values) and draw(st.booleans()):
        answers["phq9_difficulty"] = draw(item_values)
    return answers


@PROPERTY
@given(phq9_answers())
def test_phq9_total_band_safety_and_conditionals(answers):
    result = score(PHQ9, answers)
    items = [answers[f"phq9_{i}"] for i in range(1, 10)]
    assert result.total == sum(items)
    assert 0 <= result.total <= 27
    assert result.severity == phq9_band(result.total)
    assert PHQ9.band_for(result.total).label == result.severity_label
    assert result.safety.endorsed is (items[8] > 0)
    assert result.safety.follow_up == ("asq" if items[8] > 0 else None)
    assert result.applied == (("phq9_difficulty",) if any(items) else ())


@PROPERTY
@given(st.lists(item_values, min_size=7, max_size=7))
def test_gad7_total_and_band(values):
    result = score(GAD7, {f"gad7_{i}": v for i, v in enumerate(values, start=1)})
    assert result.total == sum(values) and 0 <= result.total <= 21
    assert result.severity == gad7_band(result.total)
    assert not result.safety.endorsed


def test_asq_every_answer_vector():
    for screen in itertools.product((0, 1), repeat=4):
        answers = {f"asq_{i}": v for i, v in enumerate(screen, start=1)}
        acuities = (0, 1) if any(screen) else (None,)
        for acuity in acuities:
            given_answers = answers if acuity is None else {**answers, "asq_5": acuity}
            result = score(ASQ, given_answers)
            expected = (
                "imminent" if acuity == 1 else "non_acute_positive" if any(screen) else "negative"
            )
            assert result.result == expected
            assert result.safety.level == {"negative": "none"}.get(expected, expected)


def test_asq_acuity_answered_without_a_positive_screen_is_always_refused():
    for acuity in (0, 1):
        try:
            score(ASQ, {"asq_1": 0, "asq_2": 0, "asq_3": 0, "asq_4": 0, "asq_5": acuity})
        except AnswerError as exc:
            assert list(exc.errors) == ["asq_5"]
        else:
            raise AssertionError("asq_5 must not be accepted after four noes")


garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
keys = st.one_of(
    st.sampled_from([*PHQ9.item_ids, *GAD7.item_ids, *ASQ.item_ids, "ps_other"]),
    st.text(max_size=8),
)


@PROPERTY
@given(st.dictionaries(keys, st.one_of(item_values, garbage), max_size=14))
def test_any_input_is_scored_or_refused_precisely_never_crashes(answers):
    try:
        result = score(PHQ9, answers)
    except AnswerError as exc:
        assert exc.errors and all(
            isinstance(k, str) and msgs and all(isinstance(m, str) and m for m in msgs)
            for k, msgs in exc.errors.items()
        )
    else:
        assert isinstance(result, Score) and result.total == sum(
            answers[f"phq9_{i}"] for i in range(1, 10)
        )


@PROPERTY
@given(phq9_answers(), st.integers(min_value=0, max_value=10))
def test_the_app_side_safety_rule_agrees_with_scoring_on_partial_answers(answers, keep):
    partial = dict(list(answers.items())[:keep])
    full = score(PHQ9, answers).safety
    if "phq9_9" in partial:
        assert evaluate_safety(PHQ9, partial) == full


history_points = st.lists(
    st.tuples(st.integers(min_value=0, max_value=27), st.integers(min_value=0, max_value=120)),
    max_size=12,
)


def _history(raw):
    return [TrendPoint(f"h{i}", T0 + timedelta(days=d), t) for i, (t, d) in enumerate(raw)]


@PROPERTY
@given(history_points, phq9_answers(), st.integers(min_value=0, max_value=12), st.randoms())
def test_rules_are_deterministic_order_free_and_keyed_stably(raw, answers, sessions, rnd):
    history = _history(raw)
    new = CheckinFacts("new-1", T0 + timedelta(days=121), score(PHQ9, answers))

    def run(points):
        start = T0 + timedelta(days=20)
        return evaluate_checkin(
            PHQ9, new, points, RuleSettings(), course_start=start, sessions_in_course=sessions
        )

    hits = run(history)
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert run(shuffled) == hits == run(list(history))
    assert [h.key for h in hits] == [f"checkin:new-1:{h.rule}" for h in hits]
    assert len({h.key for h in hits}) == len(hits)
    ranks = [PRIORITY_ORDER.index(h.priority) for h in hits]
    assert ranks == sorted(ranks)
    assert all(h.reason for h in hits)
    if answers["phq9_9"] > 0:
        assert "suicidal_ideation" in [h.rule for h in hits]
        assert hits[0].priority == "urgent"
    else:
        assert "suicidal_ideation" not in [h.rule for h in hits]


@PROPERTY
@given(history_points.filter(bool), st.randoms())
def test_trend_invariants(raw, rnd: random.Random):
    points = _history(raw)
    trend = compute_trend(PHQ9, points)
    shuffled = list(points)
    rnd.shuffle(shuffled)
    assert compute_trend(PHQ9, shuffled) == trend
    assert trend.n == len(points)
    assert trend.nadir <= min(trend.baseline, trend.latest)
    assert trend.change == trend.latest - trend.baseline
    assert trend.status in STATUSES
    if trend.response:
        assert 2 * trend.latest <= trend.baseline
    if trend.remission:
        assert trend.latest < 5 <= trend.baseline
    if trend.status == "worsening":
        assert trend.latest - min(trend.baseline, trend.nadir) >= 5
    if trend.n < 3:
        assert trend.slope_per_week is None
    # "better" against the lowest check-in a week or more earlier, the baseline among them.
    assert trend.change_nadir != "better" or trend.latest <= trend.baseline - 5
    if trend.response or trend.remission:
        assert trend.baseline > 9 and trend.response_measurable
