"""The route walker's machinery: every (rule, method) of an app, how to fill and call it.

Kept apart from the test so that the rules read as a table: what each policy lets in,
who owns the object a path parameter names, and the few routes that need a real body.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from api.auth.policy import view_policy
from api.models.base import utcnow
from tests.support.cases import outcome

TEST_PASSWORD = "correct horse battery staple"  # tests/conftest.py's, for every staff member
EVERYONE = frozenset(
    {
        "anonymous",
        "patient_a1",
        "patient_a2",
        "clinician_a",
        "admin_a",
        "clinician_b",
        "admin_b",
    }
)
PATIENTS = frozenset({"patient_a1", "patient_a2"})
STAFF = frozenset({"clinician_a", "admin_a", "clinician_b", "admin_b"})
CLINIC_A_STAFF = frozenset({"clinician_a", "admin_a"})
#: Who gets past each policy (everyone else: 401 when anonymous, 403 otherwise).
ALLOWED = {
    "public": EVERYONE,
    "signed_in": EVERYONE - {"anonymous"},
    "patient": PATIENTS,
    "staff": STAFF,
    "admin": frozenset({"admin_a", "admin_b"}),
}
#: Callers allowed to see patient A1's data; any other caller must never see it.
A1_INSIDERS = frozenset({"patient_a1", "clinician_a", "admin_a"})

#: Path parameter -> (value naming one of A1's / clinic A's objects, who owns it).
#: A route whose parameters name an object answers 404 to an allowed caller who is not an
#: owner. A new parameter name must be added here: the walker refuses to guess.
PARAMS = {
    "patient_id": lambda w: (w.a1.id, CLINIC_A_STAFF),
    "alert_id": lambda w: (w.alert_a1, CLINIC_A_STAFF),
    "case_id": lambda w: (w.case_a1, CLINIC_A_STAFF),
    "course_id": lambda w: (w.course_a1, CLINIC_A_STAFF),
    "dose_id": lambda w: (w.dose_a1, frozenset({"patient_a1"})),
    "session_id": lambda w: (w.treatment_session_a1, CLINIC_A_STAFF),
    "checkin_id": lambda w: (w.checkin_a1, CLINIC_A_STAFF | {"patient_a1"}),
    "staff_id": lambda w: (w.clinician_a.id, CLINIC_A_STAFF),
    "auth_session_id": lambda w: (w.auth_session_a1, frozenset({"patient_a1"})),
    "flag_id": lambda w: (w.risk_flag_a1, CLINIC_A_STAFF),
    "trial_id": lambda w: (w.intake_trial_a1, CLINIC_A_STAFF),
    "record_id": lambda w: (w.rems_record_a1, CLINIC_A_STAFF),
    "channel_id": lambda w: (w.channel_a, CLINIC_A_STAFF),
    # Not owned: the same for everyone.
    "code": lambda w: ("phq9", EVERYONE),
    "token": lambda w: ("an-invite-token-nobody-has", EVERYONE),
    "language": lambda w: ("es", EVERYONE),
    "subpath": lambda w: ("patients", EVERYONE),
    "filename": lambda w: ("js/api.js", EVERYONE),
}


@dataclass
class Special:
    """What a route needs beyond the generic call: a body, a query, other answers."""

    body: object = None  # callable(world, call) -> dict
    query: dict = field(default_factory=dict)
    #: caller -> expected status where it is not the generic one.
    status: dict = field(default_factory=dict)


def _home_dose(w, call):
    at = utcnow() - timedelta(minutes=1)
    return {
        "id": str(uuid.uuid4()),
        "checked_at": at.isoformat(),
        "systolic": 120,
        "diastolic": 80,
        "heart_rate": 70,
        "monitor_present": True,
        "new_symptoms": False,
        "dosed_at": None,
    }


def _checkin(w, call):
    return {
        "id": str(uuid.uuid4()),
        "instrument": "gad7",
        "answers": {f"gad7_{n}": 1 for n in range(1, 8)},
        "completed_at": (utcnow() - timedelta(minutes=2)).isoformat(),
    }


def _signal(w, call):
    return {
        "id": str(uuid.uuid4()),
        "instrument": "phq9",
        "answers": {"phq9_9": 1},
        "answered_at": (utcnow() - timedelta(minutes=2)).isoformat(),
    }


def _fresh_invite_token(w, call):
    response = call("clinician_a", "POST", f"/api/v1/patients/{w.a2.id}/invite")
    assert response.status_code == 201, response.json
    return {"token": response.json["invite_url"].rsplit("/", 1)[1]}


def _live_invite_url(w, call):
    """A live invite link of the route's patient (a1, who has an email address and a mobile)."""
    response = call("clinician_a", "POST", f"/api/v1/patients/{w.a1.id}/invite")
    assert response.status_code == 201, response.json
    return {"invite_url": response.json["invite_url"]}


def _staff_invite_token(w, call):
    """A live staff invite's token, as the worker would make it for the email."""
    from api.staff.operations import issue_token, pending_invites

    email = f"invitee-{uuid.uuid4().hex[:8]}@example.org"
    response = call(
        "admin_a",
        "POST",
        "/api/v1/staff/invites",
        {"email": email, "name": "New", "role": "clinician"},
    )
    assert response.status_code == 201, response.json
    invite = pending_invites([response.json["id"]])[response.json["id"]]
    token, _ = issue_token(invite.id)
    return {"token": token}


def _push(w, call):
    return {
        "endpoint": f"https://push.example.net/{uuid.uuid4().hex}",
        "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4Yf", "auth": "tBHItJI5svbpez7KI4CCXg"},
    }


_ADMINS_ENROLLED = {"admin_a": 409, "admin_b": 409}

SPECIAL = {
    ("POST", "/api/v1/auth/login"): Special(
        body=lambda w, call: {"email": w.clinician_a.email, "password": TEST_PASSWORD}
    ),
    ("POST", "/api/v1/auth/redeem"): Special(body=_fresh_invite_token),
    ("POST", "/api/v1/checkins"): Special(body=_checkin),
    ("POST", "/api/v1/checkins/partial"): Special(body=_signal),
    ("POST", "/api/v1/me/push-subscription"): Special(body=_push),
    ("POST", "/api/v1/staff/me/push-subscription"): Special(body=_push),
    ("POST", "/api/v1/patients"): Special(body=lambda w, call: {"display_name": "New Person"}),
    ("POST", "/api/v1/cases/{case_id}/resolve"): Special(
        body=lambda w, call: {"outcome": outcome()}
    ),
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): Special(
        body=lambda w, call: {"outcome": outcome()}
    ),
    ("PUT", "/api/v1/patients/{patient_id}/courses/{course_id}/plan"): Special(
        body=lambda w, call: {"template": "iv_series"}
    ),
    ("PUT", "/api/v1/patients/{patient_id}/home-dosing"): Special(
        body=lambda w, call: {"form": "oral", "dose_mg": 200, "doses_prescribed": 6}
    ),
    # A2 has no home-dosing plan: a check of theirs is refused (409 no_plan).
    ("POST", "/api/v1/me/home-doses"): Special(body=_home_dose, status={"patient_a2": 409}),
    # The post-dose check is answered by a post-session check-in; A1's is a PHQ-9: 422.
    ("POST", "/api/v1/me/home-doses/{dose_id}/post-check"): Special(
        body=lambda w, call: {"checkin_id": w.checkin_a1}, status={"patient_a1": 422}
    ),
    ("POST", "/api/v1/me/home-doses/{dose_id}/unsafe"): Special(
        body=lambda w, call: {"answered_at": (utcnow() - timedelta(minutes=1)).isoformat()}
    ),
    ("POST", "/api/v1/cases/{case_id}/contacts"): Special(
        body=lambda w, call: {"method": "phone", "result": "tried"}
    ),
    ("POST", "/api/v1/patients/{patient_id}/invite/email"): Special(body=_live_invite_url),
    ("POST", "/api/v1/patients/{patient_id}/invite/sms"): Special(body=_live_invite_url),
    ("POST", "/api/v1/patients/{patient_id}/sessions"): Special(
        body=lambda w, call: {
            "administered_at": (utcnow() - timedelta(hours=1)).isoformat(),
            "modality": "intranasal",
            "drug": "esketamine",
            "dose_mg": 56,
            "devices": 2,
        }
    ),
    ("POST", "/api/v1/patients/{patient_id}/courses"): Special(
        body=lambda w, call: {
            "label": "Planned induction",
            "planned_start": (utcnow() + timedelta(days=3)).isoformat(),
        },
        # A1's intake has an open contraindication (the override's subject): planning waits.
        status={"clinician_a": 409, "admin_a": 409},
    ),
    ("POST", "/api/v1/rems/records/{record_id}/submitted"): Special(
        body=lambda w, call: {"reference": "FAX-1"}
    ),
    ("GET", "/api/v1/patients/{patient_id}/trend"): Special(query={"instrument": "phq9"}),
    ("PATCH", "/api/v1/patients/{patient_id}/intake/screen"): Special(
        body=lambda w, call: {"answers": {"liver": {"answer": "no"}}}
    ),
    ("POST", "/api/v1/patients/{patient_id}/intake/trials"): Special(
        body=lambda w, call: {
            "drug": "Venlafaxine",
            "duration_weeks": 10,
            "adequate": True,
            "outcome": "partial",
        }
    ),
    ("PATCH", "/api/v1/patients/{patient_id}/intake/trials/{trial_id}"): Special(
        body=lambda w, call: {"duration_weeks": 12}
    ),
    # A1's pregnancy item is answered unknown (tests/security/conftest.py's world).
    ("POST", "/api/v1/patients/{patient_id}/intake/overrides"): Special(
        body=lambda w, call: {
            "item": "pregnancy",
            "reason": "Negative test today; on contraception.",
        }
    ),
    ("PATCH", "/api/v1/patients/{patient_id}"): Special(
        body=lambda w, call: {"display_name": "Renamed Person"}
    ),
    ("PATCH", "/api/v1/patients/{patient_id}/sessions/{session_id}"): Special(
        body=lambda w, call: {"notes": "Edited note"}
    ),
    ("POST", "/api/v1/account/totp"): Special(
        body=lambda w, call: {"current_password": TEST_PASSWORD}, status=_ADMINS_ENROLLED
    ),
    # Nobody has started an enrolment: 409 for clinicians, and admins are enrolled already.
    ("POST", "/api/v1/account/totp/confirm"): Special(
        body=lambda w, call: {"code": "123456", "current_password": TEST_PASSWORD},
        status={name: 409 for name in STAFF},
    ),
    ("POST", "/api/v1/account/password"): Special(
        body=lambda w, call: {
            "current_password": TEST_PASSWORD,
            "new_password": "a much longer passphrase 2",
        }
    ),
    ("POST", "/api/v1/staff/invite/preview"): Special(body=_staff_invite_token),
    ("POST", "/api/v1/staff/invite/accept"): Special(
        body=lambda w, call: {
            **_staff_invite_token(w, call),
            "password": "a brand new passphrase 7",
        }
    ),
    # clinician_a set up the account long ago: there is no invite to send again.
    ("POST", "/api/v1/staff/{staff_id}/invite"): Special(status={"admin_a": 409}),
    ("PATCH", "/api/v1/me/reminders"): Special(body=lambda w, call: {"channels": []}),
    # The walker's token is no reminder's: nothing to stop, for anyone.
    ("POST", "/api/v1/reminders/stop/{token}"): Special(status={n: 404 for n in EVERYONE}),
    ("POST", "/api/v1/clinic/channels"): Special(
        body=lambda w, call: {"label": "Pager", "url": "opsgenie://apikey0123456789"}
    ),
    ("POST", "/api/v1/admin/patients/{patient_id}/erase"): Special(
        body=lambda w, call: {"confirm_ref": w.a1.ref}
    ),
}

#: Routes of the patient, staff and admin policies that may answer 2xx without an audit
#: row, and why. Every other one must leave one (RELIABILITY.md promise 3).
NOT_AUDITED = {
    ("GET", "/api/v1/clinic/settings"): "clinic configuration, no patient data",
    ("GET", "/api/v1/clinic/staff"): "the staff list, no patient data",
    ("GET", "/api/v1/clinic/channels"): "clinic configuration (URLs masked), no patient data",
    ("GET", "/api/v1/staff/me/push-subscription"): "one's own push endpoint",
}

_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass
class Route:
    rule: str
    endpoint: str
    method: str
    policy: str | None

    @property
    def openapi_path(self) -> str:
        return _PARAM.sub(r"{\1}", self.rule)

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.rule)

    def url(self, values: dict) -> str:
        return _PARAM.sub(lambda m: str(values[m.group(1)]), self.rule)


def all_routes(app) -> list[Route]:
    """Every (rule, method) the app answers, with its declared policy (None if undeclared)."""
    routes = []
    with app.app_context():
        for rule in app.url_map.iter_rules():
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                declared, _ = view_policy(rule.endpoint, method)
                routes.append(Route(rule.rule, rule.endpoint, method, declared))
    return routes


def example(schema: dict, spec: dict):
    """A small valid-looking value for an OpenAPI schema: required properties only."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return example(spec["components"]["schemas"][name], spec)
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props[name], spec) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date-time":
        return utcnow().isoformat()
    if fmt == "email":
        return "someone@example.org"
    return "x" * max(schema.get("minLength", 1), 1)


def request_parts(route: Route, spec: dict, world, call) -> tuple[dict | None, dict]:
    """The JSON body and query string to send: the route's Special, else from the spec."""
    special = SPECIAL.get((route.method, route.openapi_path), Special())
    operation = spec["paths"].get(route.openapi_path, {}).get(route.method.lower(), {})
    body = None
    if special.body is not None:
        body = special.body(world, call)
    elif "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body = example(schema, spec)
    query = dict(special.query)
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter.get("required"):
            query.setdefault(parameter["name"], example(parameter["schema"], spec))
    return body, query
