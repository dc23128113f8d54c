"""The notice of an account change reaches the account's email (#14 finding 6).

It names no patient and nothing clinical: what changed, when, and what to do if it was not
the owner. Sent by the worker over real SMTP, after the web request committed.
"""

from datetime import UTC, datetime

from api.account.notices import notice_email
from api.pipeline.routing import SEND_ACCOUNT_NOTICE as NOTICE_TASK
from tests.support.worker import https_client, wait_for

PASSWORD = "correct horse battery staple"


def test_the_notice_says_what_changed_when_and_what_to_do(run_task, smtp, team):
    at = datetime(2026, 3, 4, 14, 5, tzinfo=UTC).isoformat()
    assert run_task(NOTICE_TASK, team.clinician.id, "password_changed", at) == "sent"
    (message,) = smtp.to(team.clinician.email)
    assert "password" in message["subject"].lower()
    body = message["body"]
    assert "password" in body and "2026-03-04 14:05 UTC" in body
    assert "was not you" in body and "https://waypoint.test/clinic/" in body
    # Nothing about patients or the clinic's work.
    assert "Worker Patient" not in body and team.patient.ref not in body


def test_every_kind_of_change_has_words_and_no_other_is_sent(run_task, smtp, team):
    subject, text = notice_email("two_step_enrolled", datetime.now(UTC).isoformat(), "https://x")
    assert "two-step" in subject.lower() and "two-step" in text.lower()
    assert run_task(NOTICE_TASK, team.clinician.id, "no_such_change", "2026-01-01") == "unknown"
    assert run_task(NOTICE_TASK, 10**9, "password_changed", "2026-01-01") == "no_account"
    assert smtp.messages == []


def test_a_password_change_reaches_the_owner_through_a_real_worker(
    committed_team, app_on_broker, fresh_redis, start_worker, smtp
):
    web = app_on_broker(fresh_redis.url)
    client = https_client(web)
    staff = committed_team.clinician
    signed_in = client.post("/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.json
    changed = client.post(
        "/api/v1/account/password",
        json={"current_password": PASSWORD, "new_password": "another long passphrase"},
        headers={"X-CSRF-Token": signed_in.json["csrf_token"]},
    )
    assert changed.status_code == 200, changed.json
    start_worker(fresh_redis.url)
    (message,) = wait_for(lambda: smtp.to(staff.email), what="the account notice")
    assert "password" in message["subject"].lower()
