"""Helpers of the worker tests: the webhook secret, waiting, an HTTPS test client, a care team."""

import contextvars
import socket
import time
import uuid
from dataclasses import dataclass

import pyotp

WEBHOOK_SECRET = "test-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.1, what="condition"):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def https_client(flask_app):
    """A test client over HTTPS whose every request runs in a context of its own."""
    from flask.testing import FlaskClient

    class Isolated(FlaskClient):
        def open(self, *args, **kwargs):
            return contextvars.Context().run(super().open, *args, **kwargs)

    flask_app.test_client_class = Isolated
    client = flask_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_HOST"] = "localhost"
    return client


@dataclass
class Team:
    clinic: object
    clinician: object
    on_call: object
    admin: object
    patient: object


def build_team(session, webhook_url=None):
    """A clinic with a care-team clinician, an on-call clinician, an admin and a patient."""
    from api.auth.passwords import hash_password
    from api.models import Clinic, StaffUser
    from api.patients.operations import enrol_patient

    tag = uuid.uuid4().hex[:8]
    clinic = Clinic(
        name=f"Worker clinic {tag}",
        webhook_url=webhook_url,
        webhook_secret=WEBHOOK_SECRET if webhook_url else None,
    )
    session.add(clinic)
    session.flush()
    password = hash_password("correct horse battery staple")

    def staff(name, role="clinician", **fields):
        member = StaffUser(
            clinic_id=clinic.id,
            email=f"{name}-{tag}@example.org",
            name=name.title(),
            role=role,
            password_hash=password,
            **fields,
        )
        session.add(member)
        return member

    clinician = staff("carer")
    on_call = staff("oncall", on_call=True)
    # Admins must use TOTP (the login fixture answers with a fresh code).
    admin = staff("admin", role="admin", totp_secret=pyotp.random_base32(), totp_enabled=True)
    session.flush()
    patient = enrol_patient(clinic, display_name="Worker Patient", care_team=[clinician])
    return Team(clinic, clinician, on_call, admin, patient)
