"""Fixtures for the pure clinical core: definitions, answer builders, times. No services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveys import get_definition

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def answers_with_total(code: str, total: int, item9: int = 0) -> dict[str, int]:
    """Answers summing to `total`, filled from item 1 on (PHQ-9 item 9 fixed to `item9`)."""
    definition = get_definition(code)
    ids = list(definition.scored_item_ids)
    answers = dict.fromkeys(ids, 0)
    fixed = {"phq9_9": item9} if code == "phq9" else {}
    answers.update(fixed)
    remaining = total - sum(fixed.values())
    for link_id in ids:
        if link_id in fixed:
            continue
        answers[link_id] = min(3, remaining)
        remaining -= answers[link_id]
    assert remaining == 0, f"cannot reach {total} with item 9 = {item9}"
    return answers


@pytest.fixture
def phq9():
    return get_definition("phq9")


@pytest.fixture
def gad7():
    return get_definition("gad7")


@pytest.fixture
def asq():
    return get_definition("asq")


@pytest.fixture
def post_session():
    return get_definition("post_session")


@pytest.fixture
def make_answers():
    """`make_answers("phq9", 12, item9=1)` -> a valid answer dict with that total."""
    return answers_with_total


@pytest.fixture
def day():
    """`day(3)` -> 2026-10-04 09:00 UTC; fractional days allowed."""
    return lambda n: T0 + timedelta(days=n)
