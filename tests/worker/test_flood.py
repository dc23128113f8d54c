"""Issue #14 finding 1, with a real worker: while patient A floods item-9 check-ins, patient
B of the same clinic and patient C of another clinic still get their urgent alert into the
inbox's first page and their first email out within the urgent target; A's flood is one
open alert and one round of sends.

The urgent target (docs/reliability.md, promise 7): p99 <= 500 ms from the POST to the first
send on this machine, measured by ``make bench``; this test allows 10 s, which a send queued
behind the flood (hundreds of sends and evaluations on ``urgent``, as before the fix) misses.
"""

import threading
import time

import sqlalchemy as sa

from api.models import Alert, Checkin
from tests.support.answers import checkin_body, phq9
from tests.support.worker import build_team, https_client, wait_for

FLOOD = 300
FLOODERS = 3
#: The test's bound on the urgent target; generous for a shared 2-core machine.
URGENT_BOUND = 10.0


def post(client, csrf, answers):
    response = client.post(
        "/api/v1/checkins", json=checkin_body(answers), headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def emails_about(smtp, address, ref):
    return [m for m in smtp.to(address) if ref in m["subject"]]


def fresh_count(session, *where):
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(Alert).where(*where))


def test_a_flood_of_item9_answers_delays_nobody_elses_urgent_alert(
    committed_team, committed_db, live, smtp, webhooks, patient_client, login
):
    from api.patients.operations import enrol_patient

    clinic = committed_team.clinic
    b = enrol_patient(clinic, display_name="Second Patient", care_team=[committed_team.clinician])
    other = build_team(committed_db)  # another clinic, no webhook
    committed_db.commit()
    a, c = committed_team.patient, other.patient
    a_client, a_csrf = live.client, live.csrf
    b_client, b_csrf = patient_client(b, live.web)
    c_client, c_csrf = patient_client(c, live.web)
    staff = https_client(live.web)
    login(staff, committed_team.clinician)
    live.start_worker()

    flood_ids, flood_errors = [], []
    started = threading.Barrier(FLOODERS + 1)

    def flood(count):
        try:
            for n in range(count):
                flood_ids.append(post(a_client, a_csrf, phq9(q9=1 + n % 3)))
                if n == count // 3:
                    started.wait(60)
        except Exception as exc:  # surfaced by the main thread's assertions
            flood_errors.append(exc)
            started.abort()

    flood_began = time.monotonic()
    # A's phone and a script at once: faster than one worker can keep up with when every
    # answer means an alert, its sends and an urgent evaluation.
    flooders = [
        threading.Thread(target=flood, args=(FLOOD // FLOODERS,), daemon=True)
        for _ in range(FLOODERS)
    ]
    for thread in flooders:
        thread.start()
    started.wait(120)

    # B and C answer item 9 while A's flood is in full swing.
    timings = {}
    for name, client, csrf in (("B", b_client, b_csrf), ("C", c_client, c_csrf)):
        began = time.monotonic()
        post(client, csrf, phq9(q9=2))
        timings[name] = began
    # The clinic's inbox as its screen reads it: cases, one per patient's episode.
    page = staff.get("/api/v1/cases?status=open").json
    b_case = [i for i in page["items"] if i["patient"]["id"] == str(b.id)]
    assert b_case, "B's urgent case is not on the clinic's first page"
    assert page["open"]["urgent"] == 2 and page["total"] == 2  # A's episode and B's case

    arrivals = {}
    for name, address, ref in (
        ("B", committed_team.clinician.email, b.ref),
        ("C", other.clinician.email, c.ref),
    ):
        wait_for(
            lambda a=address, r=ref: emails_about(smtp, a, r),
            timeout=URGENT_BOUND + 5,
            interval=0.02,
            what=f"{name}'s first email",
        )
        arrivals[name] = time.monotonic() - timings[name]
    assert max(arrivals.values()) < URGENT_BOUND, arrivals

    for thread in flooders:
        thread.join(180)
    assert not flood_errors, flood_errors
    flood_seconds = time.monotonic() - flood_began
    assert len(flood_ids) == FLOOD and flood_seconds < 180

    # A's flood: every check-in stored, one open alert with every answer on it, one round.
    committed_db.rollback()
    stored = committed_db.scalar(
        sa.select(sa.func.count()).select_from(Checkin).where(Checkin.patient_id == a.id)
    )
    assert stored == FLOOD
    [episode] = committed_db.scalars(sa.select(Alert).where(Alert.patient_id == a.id)).all()
    assert episode.status == "open" and episode.repeats == FLOOD - 1
    time.sleep(2)  # any straggling send of the flood would arrive by now
    assert len(emails_about(smtp, committed_team.clinician.email, a.ref)) == 1
    with webhooks.lock:
        hooks_about_a = [h for h in webhooks.received if a.ref.encode() in h["body"]]
    assert len(hooks_about_a) == 1
    print(f"flood of {FLOOD} in {flood_seconds:.1f}s; first email after POST: {arrivals}")
