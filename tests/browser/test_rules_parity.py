"""The patient app's own scoring (pwa/js/rules.js) agrees with the server's (surveys).

The phone decides on its own, offline, whether to show crisis help; the server decides
whether to raise the urgent alert. Both must read the same definition the same way, so
the browser module is run in Chromium over the same answer sets as ``surveys.score``.
"""

import itertools
import json
import random

import pytest

import surveys
from surveys.rules import RED_FLAG_RULES

pytestmark = pytest.mark.browser


def _answer_sets(definition, rng, samples):
    """Valid answer sets: every extreme and single-item answer, plus a seeded random sample."""
    choices = [item for item in definition.items if item.type == "choice"]

    def complete(pick):
        answers = {}
        for item in definition.items:
            if item.enable_when is not None and not item.enable_when.holds(answers):
                continue
            answers[item.link_id] = pick(item) if item.type == "choice" else "fine, thanks"
        return answers

    sets = [complete(lambda item: min(item.values)), complete(lambda item: max(item.values))]
    for target, value in itertools.product(choices, range(4)):
        if value in target.values:
            sets.append(
                complete(lambda item, t=target, v=value: v if item is t else min(item.values))
            )
    sets += [complete(lambda item: rng.choice(item.values)) for _ in range(samples)]
    return sets


def _expected(definition, answers):
    score = surveys.score(definition, answers)
    return {
        "total": score.total,
        "severity": score.severity,
        "severity_label": score.severity_label,
        "result": score.result,
        "safety": {
            "endorsed": score.safety.endorsed,
            "items": list(score.safety.items),
            "level": score.safety.level,
            "follow_up": score.safety.follow_up,
        },
        "red_flags": list(score.red_flags),
        "call_now": score.call_now,
    }


def test_browser_scoring_matches_the_server_for_every_instrument(page, live_server):
    rng = random.Random(20261126)
    cases = []
    for code, definition in surveys.all_definitions().items():
        for answers in _answer_sets(definition, rng, samples=150):
            cases.append(
                {"code": code, "answers": answers, "expected": _expected(definition, answers)}
            )
    definitions = {code: d.data for code, d in surveys.all_definitions().items()}
    # Every red flag (and the "call 911 now" screen) is among the cases, raised and not.
    raised = {rule for c in cases for rule in c["expected"]["red_flags"]}
    assert raised == set(RED_FLAG_RULES)
    assert {c["expected"]["call_now"] for c in cases} == {True, False}

    page.goto(live_server.url + "/")  # any page of the origin: the module is imported as is
    mismatches = page.evaluate(
        """async ([definitions, cases]) => {
            const rules = await import("/pwa/js/rules.js");
            const wrong = [];
            for (const c of cases) {
                const got = rules.score(definitions[c.code], c.answers);
                if (JSON.stringify(got) !== JSON.stringify(c.expected)) {
                    wrong.push({code: c.code, answers: c.answers, got, expected: c.expected});
                }
            }
            return wrong;
        }""",
        [definitions, [{**c, "expected": _sorted(c["expected"])} for c in cases]],
    )
    assert len(cases) > 600
    assert mismatches == [], json.dumps(mismatches[:3], indent=1)


def _sorted(expected):
    """Key order of rules.js's result, so that the two serialise alike."""
    safety = expected["safety"]
    return {
        "total": expected["total"],
        "severity": expected["severity"],
        "severity_label": expected["severity_label"],
        "result": expected["result"],
        "safety": {
            "endorsed": safety["endorsed"],
            "items": safety["items"],
            "level": safety["level"],
            "follow_up": safety["follow_up"],
        },
        "red_flags": expected["red_flags"],
        "call_now": expected["call_now"],
    }


def test_browser_safety_signal_matches_the_server_for_every_answer_so_far(page, live_server):
    """Which alert rules the answers given so far trigger: when the app sends them at once."""
    from datetime import UTC, datetime

    rng = random.Random(20261201)
    cases = []
    for code, definition in surveys.all_definitions().items():
        for answers in _answer_sets(definition, rng, samples=40):
            keys = list(answers)
            for n in range(1, len(keys) + 1):
                so_far = {k: answers[k] for k in keys[:n]}
                hits = surveys.signal_hits(definition, "c", datetime.now(UTC), so_far)
                cases.append({"code": code, "answers": so_far, "expected": [h.rule for h in hits]})
    definitions = {code: d.data for code, d in surveys.all_definitions().items()}
    # Item 9, the ASQ's acuity question, and the urgent red flag (blood-pressure crisis signs);
    # the high and routine red flags wait for the finished check-in.
    assert {rule for c in cases for rule in c["expected"]} == {
        "imminent",
        "suicidal_ideation",
        "bp_crisis_signs",
    }

    page.goto(live_server.url + "/")
    mismatches = page.evaluate(
        """async ([definitions, cases]) => {
            const rules = await import("/pwa/js/rules.js");
            return cases
                .map((c) => ({...c, got: rules.signalRules(definitions[c.code], c.answers)}))
                .filter((c) => JSON.stringify(c.got) !== JSON.stringify(c.expected));
        }""",
        [definitions, cases],
    )
    assert len(cases) > 1000
    assert mismatches == [], json.dumps(mismatches[:3], indent=1)
