"""The outcomes report against a fixture computed by hand (issue #18 item 3).

Four courses of one clinic (days relative to now; S = the first session):

- A, IV: PHQ-9 20 on day -70, S = -64; 12 on -40 and 9 on -30 (4-week window, days S+21 to
  S+35 = -43 to -29: last 9, a response, not a remission); 4 on -10 (8-week window -15 to -1:
  response and remission). Baseline pre-treatment (6 days before S).
- B, intranasal: 8 on -50, S = -49; 3 on -20. Baseline 8: not measurable (not above 9).
- C, IV: S = -64, no check-in before it; 18 on -63 (baseline after the first session); 16 on
  -35 (4-week window: no response); nothing in the 8-week window (counts as neither).
- D, IV: 15 on -31, S = -30; 10 on -5. Its 4-week window closes on day +5: not yet counted.
  Latest 10 is above 7.5: no response.

By hand, PHQ-9, all routes, all baselines: 4 courses; not measurable 1 of 4; response at the
latest check-in 1 of 3 (A; C and D not), remission 1 of 3 (A); followed up at 4 weeks 2 of 2
(A, C), response 1 of 2, remission 0 of 2; at 8 weeks followed up 1 of 2, response 1 of 2,
remission 1 of 2. Another clinic's responder counts only in its own report.
"""

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from api.models import AuditEvent
from api.models.base import utcnow


def table_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return rows, {(r["measure"], r["instrument"], r["modality"], r["baseline"]): r for r in rows}


def counts(table, instrument, modality, baseline):
    """{measure: (numerator, denominator, rate)} of one block of the report."""
    return {
        measure: (r["numerator"], r["denominator"], r["rate"])
        for (measure, i, m, b), r in table.items()
        if (i, m, b) == (instrument, modality, baseline)
    }


def test_outcomes_report_matches_the_hand_computed_fixture(
    staff_client, create_patient, add_checkin, add_session, db_session, other_clinic
):
    client, _, staff = staff_client
    now = utcnow()

    def day(n):
        return now + timedelta(days=n)

    a = create_patient(staff.clinic)
    add_checkin(a, 20, day(-70))
    add_session(a, day(-64))
    for total, n in ((12, -40), (9, -30), (4, -10)):
        add_checkin(a, total, day(n))
    b = create_patient(staff.clinic)
    add_checkin(b, 8, day(-50))
    add_session(b, day(-49), modality="intranasal", dose_mg=56)
    add_checkin(b, 3, day(-20))
    c = create_patient(staff.clinic)
    add_session(c, day(-64))
    add_checkin(c, 18, day(-63))
    add_checkin(c, 16, day(-35))
    d = create_patient(staff.clinic)
    add_checkin(d, 15, day(-31))
    add_session(d, day(-30))
    add_checkin(d, 10, day(-5))
    stranger = create_patient(other_clinic["clinic"])
    add_checkin(stranger, 20, day(-70))
    add_session(stranger, day(-64))
    add_checkin(stranger, 2, day(-30))

    rows, table = table_of(client.get("/api/v1/reports/outcomes.csv"))
    assert counts(table, "phq9", "all", "all") == {
        "courses": ("4", "", ""),
        "not_measurable": ("1", "4", "0.250"),
        "response": ("1", "3", "0.333"),
        "remission": ("1", "3", "0.333"),
        "followed_up_4w": ("2", "2", "1.000"),
        "response_4w": ("1", "2", "0.500"),
        "remission_4w": ("0", "2", "0.000"),
        "followed_up_8w": ("1", "2", "0.500"),
        "response_8w": ("1", "2", "0.500"),
        "remission_8w": ("1", "2", "0.500"),
    }
    # Split by the baseline's kind: A, B, D before the first session; C after it.
    pre = counts(table, "phq9", "all", "pre_treatment")
    assert pre["courses"] == ("3", "", "")
    assert pre["response"] == ("1", "2", "0.500") and pre["response_4w"] == ("1", "1", "1.000")
    after = counts(table, "phq9", "all", "after_first_session")
    assert after["courses"] == ("1", "", "") and after["not_measurable"] == ("0", "1", "0.000")
    assert after["followed_up_4w"] == ("1", "1", "1.000") and after["response_8w"] == (
        "0",
        "1",
        "0.000",
    )
    # By route: B is the only intranasal course, and it is not measurable.
    nasal = counts(table, "phq9", "intranasal", "all")
    assert nasal["not_measurable"] == ("1", "1", "1.000")
    assert nasal["response"] == ("0", "0", "") and nasal["response_4w"] == ("0", "0", "")
    assert counts(table, "phq9", "iv", "all")["response_8w"] == ("1", "2", "0.500")
    # Every row says what it counts and over which window.
    window = table[("response_4w", "phq9", "all", "all")]
    assert window["window_days"] == "21-35"
    assert "above 9" in window["definition"] and "50 %" in window["definition"]
    assert table[("remission_8w", "phq9", "all", "all")]["window_days"] == "49-63"
    assert "below 5" in table[("remission", "phq9", "all", "all")]["definition"]
    assert "HEDIS" in table[("response", "phq9", "all", "all")]["definition"]
    # No GAD-7 was answered: four courses, nothing to count.
    assert counts(table, "gad7", "all", "all")["response"] == ("0", "0", "")
    # Aggregates only: no patient id or ref anywhere.
    text = str(rows)
    assert not any(str(p.id) in text or p.ref in text for p in (a, b, c, d))
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action == "report.outcomes", AuditEvent.clinic_id == staff.clinic_id
            )
        )
        == 1
    )
    _, theirs = table_of(other_clinic["client"].get("/api/v1/reports/outcomes.csv"))
    assert counts(theirs, "phq9", "all", "all")["courses"] == ("1", "", "")
    assert counts(theirs, "phq9", "all", "all")["response_4w"] == ("1", "1", "1.000")
