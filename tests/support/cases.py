"""A complete documented outcome, as a clinician resolving an urgent case would send it."""

from datetime import UTC, date, datetime, timedelta


def outcome(**changes) -> dict:
    """An outcome body: reached by phone now, low risk, a safety plan, a call in two days."""
    body = {
        "contact": {"made": True, "method": "phone", "at": datetime.now(UTC).isoformat()},
        "risk_level": "low",
        "plan": ["safety_plan", "follow_up_call"],
        "plan_note": "Safety plan reviewed; partner at home tonight.",
        "next_contact_on": (date.today() + timedelta(days=2)).isoformat(),
    }
    body.update(changes)
    return body


def raise_test_alert(patient, rule="suicidal_ideation", priority="urgent", reason=None, **times):
    """One alert raised as the pipeline raises it (filed into the patient's case)."""
    import uuid

    from api.pipeline.alerts import raise_alerts
    from surveys import RuleHit

    hit = RuleHit(f"test:{uuid.uuid4()}", rule, priority, reason or f"{rule} (test)")
    (alert,) = raise_alerts(patient, [hit], **times)
    return alert
