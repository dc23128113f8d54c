"""The panel's summary maths: a lower retake within a day never reads as improvement, and the
episode (first-ever baseline, lowest score) outlives a new course (docs/clinical.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import TrendPoint, get_definition
from surveys.rules import RED_FLAG_WORDS, SAFETY_RULES, is_red_flag, red_flag_words
from surveys.summary import (
    RETAKE_WINDOW,
    Course,
    episode_of,
    implausible_drop,
    retake_of,
    settled,
    summarise,
)

PHQ9 = get_definition("phq9")
GAD7 = get_definition("gad7")
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
PROPERTY = settings(database=None, deadline=None, max_examples=300)


def point(n, total, at):
    return TrendPoint(f"c{n:03d}", at, total)


def series(*pairs):
    """Points from (hours after T0, total) pairs."""
    return [point(n, total, T0 + timedelta(hours=h)) for n, (h, total) in enumerate(pairs)]


def test_a_near_zero_retake_minutes_after_is_flagged_and_counts_as_the_higher_answer():
    points = {"phq9": series((0, 20), (24 * 14, 18), (24 * 14 + 0.05, 1))}
    summary = summarise(points, None)["instruments"]["phq9"]
    assert summary["latest"] == 1  # what the patient answered is shown
    assert summary["retake"] == {"n": 2, "highest": 18, "latest": 1, "implausible": True}
    assert summary["status"] == "no_change" and not summary["remission"]
    assert summary["episode"]["lowest"] == 18


def test_several_checkins_in_a_day_are_flagged_even_when_the_fall_is_small():
    points = series((0, 8), (3, 6), (5, 7))
    retake = retake_of(PHQ9, points)
    assert (retake.n, retake.highest, retake.implausible) == (3, 8, False)
    assert [p.total for p in settled(points)] == [8]
    # A drop of exactly the implausible size is implausible; one less is not.
    drop = implausible_drop(PHQ9)
    assert drop == 6  # the PHQ-9's reliable change index (IAPT), not its MCID
    assert retake_of(PHQ9, series((0, 20), (1, 20 - drop))).implausible
    assert not retake_of(PHQ9, series((0, 20), (1, 21 - drop))).implausible


def test_checkins_more_than_a_day_apart_are_not_a_retake():
    hours = RETAKE_WINDOW.total_seconds() / 3600
    points = series((0, 20), (hours + 0.01, 3))
    assert retake_of(PHQ9, points) is None
    assert [p.total for p in settled(points)] == [20, 3]


def test_a_higher_retake_is_believed():
    points = series((0, 4), (2, 16))
    assert [p.total for p in settled(points)] == [4, 16]
    assert retake_of(PHQ9, points).highest == 16


def test_daily_checkins_a_little_under_a_day_apart_still_move():
    points = series(*((n * 22, 20 - n) for n in range(6)))
    assert [p.total for p in settled(points)] == [20, 19, 18, 17, 16, 15]
    assert retake_of(PHQ9, points) is None


def test_the_episode_keeps_the_first_baseline_and_lowest_through_a_new_course():
    points = series((0, 20), (24 * 20, 7), (24 * 45, 16))
    course = Course(1, T0 + timedelta(days=44), None)
    summary = summarise({"phq9": points}, course)["instruments"]["phq9"]
    assert summary["baseline"] == 16 and summary["status"] == "no_change"
    episode = summary["episode"]
    assert (episode["baseline"], episode["lowest"], episode["from_lowest"]) == (20, 7, 9)
    assert episode["worse_than_lowest"] is True
    assert episode["lowest_checkin_id"] == "c001" and episode["latest_checkin_id"] == "c002"


def test_worse_than_lowest_needs_the_change_threshold_a_retest_interval_apart():
    threshold = PHQ9.mcid
    assert not episode_of(PHQ9, series((0, 10), (200, 10 + threshold - 1))).worse_than_lowest
    assert episode_of(PHQ9, series((0, 10), (200, 10 + threshold))).worse_than_lowest
    # 6 days apart: not yet a change the PHQ-9 can measure (7-day retest data).
    assert not episode_of(PHQ9, series((0, 10), (24 * 6, 10 + threshold))).worse_than_lowest
    assert episode_of(PHQ9, series((0, 10), (24 * 7, 10 + threshold))).worse_than_lowest
    # The clinic's threshold (6, the reliable change index) holds back a rise of 5.
    assert not episode_of(PHQ9, series((0, 10), (200, 15)), threshold=6).worse_than_lowest


def test_red_flags_are_a_property_of_the_rule():
    assert all(is_red_flag(rule) for rule in SAFETY_RULES)
    assert not any(is_red_flag(rule) for rule in ("worsening", "severe", "missed_checkins"))
    assert red_flag_words("suicidal_ideation") == "Item 9 positive"
    assert red_flag_words("a_future_red_flag") == "Positive safety screen"
    assert set(RED_FLAG_WORDS) <= set(SAFETY_RULES) | set(RED_FLAG_WORDS)


histories = st.lists(
    st.tuples(st.floats(min_value=0, max_value=24 * 60), st.integers(0, 27)),
    min_size=1,
    max_size=25,
)


@PROPERTY
@given(history=histories, retake=st.integers(0, 27), minutes=st.integers(1, 18 * 60))
def test_a_lower_retake_never_improves_the_status_or_the_lowest(history, retake, minutes):
    points = series(*history)
    last = max(points, key=lambda p: (p.at, p.checkin_id))
    retaken = TrendPoint("z-retake", last.at + timedelta(minutes=minutes), retake)
    before = summarise({"phq9": points}, None)["instruments"]["phq9"]
    after = summarise({"phq9": [*points, retaken]}, None)["instruments"]["phq9"]
    if retake < last.total:
        # No better word than before, no lower lowest: the higher answer stands.
        rank = [
            "worsening_after_response",
            "worsening",
            "no_change",
            "improving",
            "response",
            "remission",
        ]
        assert rank.index(after["status"]) <= rank.index(before["status"])
        assert after["episode"]["lowest"] >= before["episode"]["lowest"]
        assert not (after["remission"] and not before["remission"])
        assert after["retake"] is not None and after["retake"]["latest"] == retake
    assert after["latest"] == retake


@PROPERTY
@given(history=histories)
def test_the_episode_lowest_is_a_settled_total_and_never_above_the_latest(history):
    points = series(*history)
    episode = episode_of(PHQ9, points)
    kept = settled(points)
    assert episode.lowest == min(p.total for p in kept)
    assert episode.from_lowest == kept[-1].total - episode.lowest >= 0
    assert episode.baseline == min(points, key=lambda p: (p.at, p.checkin_id)).total
    assert set(kept) <= set(points)


def test_the_daily_mood_rating_is_shown_but_gives_no_status():
    moods = series((0, 3), (48, 4), (96, 8))
    summary = summarise({"mood": moods}, None)
    assert summary["instruments"]["mood"]["latest"] == 8
    assert summary["trend_status"] is None
    with_phq = summarise({"mood": moods, "phq9": series((0, 20), (170, 8))}, None)
    assert with_phq["trend_status"] == with_phq["instruments"]["phq9"]["status"] is not None
