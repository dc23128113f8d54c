"""The phone's dose gate (pwa/js/dosing.js) agrees with the server's (surveys.dosing): the
phone decides offline whether a dose may be taken, the server records and alerts on the
same rules, so both are run over the same seeded grid of plans, readings and dose histories."""

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from surveys.dosing import REASONS, gate, plan_from_dict, vital_errors

pytestmark = pytest.mark.browser
NOW = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # the morning US daylight saving time began


def _cases(rng, n):
    cases = []
    for _ in range(n):
        plan = plan_from_dict(
            {
                "form": rng.choice(["oral", "sublingual_troche", "subcutaneous"]),
                "dose_mg": rng.randint(50, 400),
                "doses_prescribed": rng.randint(1, 10),
                "min_interval_hours": rng.choice([24, 48, 72, 168]),
                "max_per_week": rng.randint(1, 3),
                "systolic_max": rng.choice([150, 160]),
                "monitor_required": rng.random() < 0.8,
            }
        )
        vitals = {
            "systolic": rng.randint(100, 175),
            "diastolic": rng.randint(60, 100),
            "heart_rate": rng.randint(55, 115),
        }
        doses = sorted(
            NOW - timedelta(minutes=rng.randint(60, 60 * 24 * 12)) for _ in range(rng.randint(0, 6))
        )
        monitor, symptoms = rng.random() < 0.8, rng.random() < 0.15
        result = gate(plan, vitals, monitor, symptoms, doses, NOW)
        cases.append(
            {
                "plan": plan.to_dict(),
                "vitals": vitals,
                "monitor": monitor,
                "symptoms": symptoms,
                "doses": [d.timestamp() * 1000 for d in doses],
                "expected": {
                    "ok": result.ok,
                    "reasons": list(result.reasons),
                    "nextAt": result.next_at.timestamp() * 1000 if result.next_at else None,
                },
            }
        )
    return cases


def test_the_phone_gates_a_dose_as_the_server_does(page, live_server):
    cases = _cases(random.Random(20261202), 800)
    # Every reason and both verdicts are among the cases.
    assert {r for c in cases for r in c["expected"]["reasons"]} == set(REASONS)
    assert {c["expected"]["ok"] for c in cases} == {True, False}
    page.goto(live_server.url + "/")
    wrong = page.evaluate(
        """async ([cases, now]) => {
            const dosing = await import("/pwa/js/dosing.js");
            return cases.filter((c) => {
                const got = dosing.gate(c.plan, c.vitals, c.monitor, c.symptoms, c.doses, now);
                return JSON.stringify(got) !== JSON.stringify(c.expected);
            }).slice(0, 3);
        }""",
        [cases, NOW.timestamp() * 1000],
    )
    assert wrong == [], json.dumps(wrong, indent=1)


def test_the_phone_refuses_the_readings_the_server_refuses(page, live_server):
    readings = [
        {"systolic": s, "diastolic": d, "heart_rate": h}
        for s in (59, 60, 120, 260, 261)
        for d in (29, 30, 80, 119, 160, 161)
        for h in (29, 30, 80, 220, 221)
    ] + [{"systolic": 120.5, "diastolic": 80, "heart_rate": 70}, {"diastolic": 80}]
    expected = [sorted(vital_errors(r)) for r in readings]
    page.goto(live_server.url + "/")
    got = page.evaluate(
        """async (readings) => {
            const dosing = await import("/pwa/js/dosing.js");
            return readings.map((r) => Object.keys(dosing.vitalErrors(r)).sort());
        }""",
        readings,
    )
    assert got == expected
