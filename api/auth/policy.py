"""The one enforcement point: every view declares who may call it.

``@policy("patient")`` (or "staff", "admin", "signed_in", "public") marks a view.
A before-request hook reads the mark and refuses the call before the view runs:
401 when nobody is signed in, 403 for the wrong role. A view without a mark is
refused (fail closed), and the route-walking test refuses to pass with one.
Object-level checks (whose patient is this?) are the scoping helpers below.

Staff who must use a second factor but have not enrolled one yet (see
``Principal.mfa_enrolment_required``) get a session that reaches only the views
marked ``before_mfa=True``: enrolment itself, the session, sign-out.
"""

import hmac
import logging
import secrets

from flask import Flask, current_app, request, session
from flask_smorest import abort

from ..audit import record
from ..extensions import db
from ..models import Patient, StaffUser
from .principal import Principal, current_principal

log = logging.getLogger("waypoint.auth")

POLICIES = ("public", "signed_in", "patient", "staff", "admin")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Endpoints registered by extensions, which we cannot decorate.
EXTENSION_POLICIES = {"api-docs.openapi_json": "public"}


def policy(name: str, *, csrf: bool = True, before_mfa: bool = False):
    """Declare who may call the decorated view; ``csrf=False`` for login and redeem.

    ``before_mfa=True`` lets staff who still have to enrol their second factor in.
    """
    if name not in POLICIES:
        raise ValueError(f"unknown policy {name!r}")

    def mark(view):
        view.waypoint_policy = name
        view.waypoint_csrf = csrf
        view.waypoint_before_mfa = before_mfa
        return view

    return mark


def _view(endpoint: str, method: str):
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, method.lower(), None)
        if view is None and method == "HEAD":
            view = getattr(view_class, "get", None)
    return view


def view_policy(endpoint: str, method: str) -> tuple[str | None, bool]:
    """The (policy, csrf) declared for an endpoint and method; (None, True) if undeclared."""
    if endpoint in EXTENSION_POLICIES:
        return EXTENSION_POLICIES[endpoint], True
    view = _view(endpoint, method)
    return getattr(view, "waypoint_policy", None), getattr(view, "waypoint_csrf", True)


def reachable_before_mfa(endpoint: str, method: str) -> bool:
    """True if staff who have not enrolled a required second factor may call this view."""
    return getattr(_view(endpoint, method), "waypoint_before_mfa", False)


def install_policy(app: Flask) -> None:
    """Register the before-request hook that enforces the declared policies and CSRF."""

    @app.before_request
    def _enforce():
        endpoint = request.endpoint
        if endpoint is None or request.routing_exception is not None:
            return None  # Flask answers 404/405 itself
        if request.method == "OPTIONS" and request.url_rule.provide_automatic_options:
            return None  # Flask answers with the Allow header itself; no view runs
        declared, csrf = view_policy(endpoint, request.method)
        if declared is None:
            log.error("view %s has no declared policy; refused", endpoint)
            abort(403, message="This endpoint is not available.")
        if declared == "public":
            return None
        principal = current_principal()
        if principal is None:
            abort(401, message="Please sign in.")
        if not _allowed(declared, principal):
            record("authz.denied", outcome="denied", endpoint=endpoint)
            abort(403, message="You do not have access to this.")
        if principal.mfa_enrolment_required and not reachable_before_mfa(endpoint, request.method):
            record("authz.denied", outcome="denied", endpoint=endpoint, reason="mfa_enrolment")
            abort(
                403,
                message="Set up two-step sign-in before you continue.",
                reason="mfa_enrolment_required",
            )
        if csrf and request.method not in SAFE_METHODS:
            sent = request.headers.get("X-CSRF-Token", "")
            expected = session.get("csrf_token", "")
            if not expected or not _same_token(sent, expected):
                record("csrf.refused", outcome="denied", endpoint=endpoint)
                abort(403, message="Missing or invalid CSRF token; fetch /api/v1/auth/csrf.")
        return None


def _same_token(sent: str, expected: str) -> bool:
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500),
    # and a header may carry any bytes (werkzeug decodes them as latin-1).
    return hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _allowed(declared: str, principal: Principal) -> bool:
    if declared == "signed_in":
        return True
    if declared == "patient":
        return principal.kind == "patient"
    if declared == "staff":
        return principal.kind == "staff"
    return principal.kind == "staff" and principal.role == "admin"


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return session["csrf_token"]


def require_principal() -> Principal:
    """The caller; the policy hook has already refused anonymous callers."""
    principal = current_principal()
    if principal is None:  # only reachable if a view was mis-declared as public
        abort(401, message="Please sign in.")
    return principal


def current_patient() -> Patient:
    """The signed-in patient: the only patient a patient's request may touch."""
    principal = require_principal()
    if principal.patient is None:
        abort(403, message="You do not have access to this.")
    return principal.patient


def clinic_patient_or_404(patient_id) -> Patient:
    """A patient of the caller's clinic; 404 (and an audit row) for anyone else's."""
    principal = require_principal()
    patient = None
    if principal.staff is not None:
        patient = db.session.scalar(
            db.select(Patient).where(
                Patient.id == patient_id, Patient.clinic_id == principal.clinic_id
            )
        )
    if patient is None:
        record("patient.read", object_type="patient", object_id=patient_id, outcome="denied")
        abort(404, message="No such patient.")
    return patient


def scoped(query, model):
    """Restrict a select of ``model`` to the caller's clinic (staff) or own rows (patient)."""
    principal = require_principal()
    if principal.patient is not None:
        return query.where(model.patient_id == principal.patient.id)
    return query.where(model.clinic_id == principal.clinic_id)


def clinic_staff_or_404(staff_id: int) -> StaffUser:
    """A staff member of the admin's clinic; 404 (and an audit row) for anyone else."""
    principal = require_principal()
    staff = db.session.scalar(
        db.select(StaffUser).where(
            StaffUser.id == staff_id, StaffUser.clinic_id == principal.clinic_id
        )
    )
    if staff is None:
        record("staff.read", object_type="staff", object_id=staff_id, outcome="denied")
        abort(404, message="No such staff member.")
    return staff
