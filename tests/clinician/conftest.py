"""Fixtures for the clinician views: check-ins and sessions written through the ORM, signed-in
staff clients."""

import uuid
from datetime import timedelta

import pytest

import surveys
from tests.support.answers import answers_for
from tests.support.live import CHROMIUM, CHROMIUM_ARGS, serving


@pytest.fixture
def add_checkin(db_session):
    """Store a scored check-in as the check-in API would (ORM insert, same scoring)."""
    from api.checkins.operations import scored_checkin
    from api.pipeline.summary import refresh

    def add(patient, total, at, instrument="phq9", item9=0):
        definition = surveys.get_definition(instrument)
        answers = answers_for(instrument, total, item9)
        row = scored_checkin(
            patient, definition, answers, surveys.score(definition, answers), completed_at=at
        )
        db_session.add(row)
        refresh(patient.id)  # as the evaluation would
        return row

    return add


@pytest.fixture
def add_session(db_session):
    """Record a treatment session (and its course) directly."""
    from api.models import TreatmentCourse, TreatmentSession
    from api.pipeline.summary import refresh

    def add(patient, at, course=None, modality="iv", dose_mg=35.0, label="Induction", drug=None):
        if course is None:
            course = TreatmentCourse(patient_id=patient.id, label=label, started_at=at)
            db_session.add(course)
            db_session.flush()
        row = TreatmentSession(
            patient_id=patient.id,
            course_id=course.id,
            administered_at=at,
            modality=modality,
            drug=drug,
            dose_mg=dose_mg,
        )
        db_session.add(row)
        refresh(patient.id)  # as recording a session does
        return row

    return add


@pytest.fixture
def add_alert(db_session):
    """An alert row as the worker would insert it (a safety rule's is a red flag)."""
    from api.models import Alert
    from api.models.base import utcnow
    from surveys.rules import is_red_flag

    def add(patient, priority="urgent", rule="suicidal_ideation", status="open", ago=None):
        at = utcnow() - (ago or timedelta(0))
        row = Alert(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            dedupe_key=f"test:{uuid.uuid4()}",
            rule=rule,
            priority=priority,
            reason="test alert",
            status=status,
            created_at=at,
            red_flag=is_red_flag(rule),
        )
        db_session.add(row)
        db_session.flush()
        return row

    return add


@pytest.fixture
def staff_client(client, login, create_clinician):
    """(client, csrf, staff) of a clinician signed in on the default client."""
    staff = create_clinician()
    return client, login(client, staff), staff


@pytest.fixture
def other_clinic(make_client, login, create_clinician, create_patient, create_clinic):
    """A second clinic with a patient, and a signed-in clinician client of it."""
    clinic = create_clinic()
    staff = create_clinician(clinic=clinic)
    client = make_client()
    csrf = login(client, staff)
    return {"clinic": clinic, "staff": staff, "client": client, "csrf": csrf}


# --- browser ---------------------------------------------------------------------------
# tests/browser/conftest.py's fixtures are not visible from this folder, and Playwright's
# sync API allows one driver per thread: a second one on the main thread would fail whenever
# both folders run in one session. So the clinic's browser tests drive Chromium from a
# thread of their own, on a live server of their own, both built on tests/support/live.py.


class BrowserThread:
    """One Chromium owned by one thread; ``run(fn)`` calls ``fn(browser)`` in that thread."""

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clinic-browser")
        self.pool.submit(self._start).result(timeout=60)

    def _start(self):
        from playwright.sync_api import sync_playwright

        self.driver = sync_playwright().start()
        self.browser = self.driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def run(self, fn, timeout=90):
        return self.pool.submit(fn, self.browser).result(timeout=timeout)

    def close(self):
        def stop():
            self.browser.close()
            self.driver.stop()

        self.pool.submit(stop).result(timeout=30)
        self.pool.shutdown()


@pytest.fixture(scope="session")
def clinic_browser():
    """Chromium in its own thread, for the whole run."""
    thread = BrowserThread()
    yield thread
    thread.close()


@pytest.fixture(scope="session")
def clinic_server(app, database_url, redis_url):
    """The app's URL over plain HTTP on a free 127.0.0.1 port, on this run's database."""
    with serving(database_url, redis_url, SECRET_KEY="clinic-browser-test-secret") as server:
        yield server.url
