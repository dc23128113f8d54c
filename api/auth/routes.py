"""Sign-in, sign-out, invite redemption and the CSRF token."""

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from ..audit import record
from ..errors import Unauthenticated
from .devices import remember_device
from .operations import (
    LoginRefused,
    MfaRequired,
    authenticate_staff,
    consume_invite,
    token_fingerprint,
)
from .policy import csrf_token, policy
from .principal import current_principal, end_session, start_session
from .schemas import CsrfSchema, LoginSchema, RedeemSchema, SessionSchema
from .throttle import login_limits, redeem_limits

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Authentication.")


def session_body() -> dict:
    """What the front end needs to know about the current session."""
    principal = current_principal()
    if principal is None:
        return {
            "signed_in": False,
            "kind": None,
            "staff": None,
            "patient_id": None,
            "language": None,
            "mfa_enrolment_required": False,
            "csrf_token": csrf_token(),
        }
    return {
        "signed_in": True,
        "kind": principal.kind,
        "staff": principal.staff,
        "patient_id": principal.patient.id if principal.patient else None,
        # The patient's language as the clinic or the app chose it (None: not chosen yet).
        "language": principal.patient.language if principal.patient else None,
        "mfa_enrolment_required": principal.mfa_enrolment_required,
        "csrf_token": csrf_token(),
    }


@blp.route("/csrf")
class Csrf(MethodView):
    @policy("public")
    @blp.response(200, CsrfSchema)
    def get(self):
        """The CSRF token to send back as X-CSRF-Token on state-changing requests."""
        return {"csrf_token": csrf_token()}


@blp.route("/session")
class CurrentSession(MethodView):
    @policy("public")
    @blp.response(200, SessionSchema)
    def get(self):
        """Who is signed in on this device, if anyone."""
        return session_body()


@blp.route("/login")
class Login(MethodView):
    @policy("public", csrf=False)
    @login_limits
    @blp.arguments(LoginSchema)
    @blp.response(200, SessionSchema)
    @blp.alt_response(401, description="Wrong email, password or code.")
    @blp.alt_response(429, description="Too many failed attempts; see Retry-After.")
    def post(self, body):
        """Staff sign-in with email, password and (when enrolled) a TOTP code."""
        try:
            staff = authenticate_staff(body["email"], body["password"], body["totp"])
        except MfaRequired as needed:
            # The password was right: worth a row of its own (a second factor now stands).
            record(
                "auth.login",
                outcome="failure",
                object_type="staff",
                object_id=needed.staff.id,
                clinic_id=needed.staff.clinic_id,
                reason="totp_required",
            )
            raise Unauthenticated(
                "Enter the code from your authenticator app.",
                {"totp": ["A code is required for this account."]},
                reason="totp_required",
            ) from None
        except LoginRefused as refused:
            record(
                "auth.login",
                outcome="failure",
                object_type="staff",
                object_id=refused.staff.id if refused.staff else None,
                clinic_id=refused.staff.clinic_id if refused.staff else None,
                reason=refused.reason,
            )
            raise Unauthenticated("Email or password is not right.") from None
        start_session(staff=staff)
        remember_device(staff)
        record("auth.login", object_type="staff", object_id=staff.id)
        return session_body()


@blp.route("/logout")
class Logout(MethodView):
    @policy("signed_in", before_mfa=True)
    @blp.response(204)
    def post(self):
        """End this device's session on the server."""
        record("auth.logout")
        end_session()


@blp.route("/redeem")
class Redeem(MethodView):
    @policy("public", csrf=False)
    @redeem_limits
    @blp.arguments(RedeemSchema)
    @blp.response(200, SessionSchema)
    @blp.alt_response(400, description="The invite is not valid (used, replaced or expired).")
    @blp.alt_response(429, description="Too many failed attempts; see Retry-After.")
    def post(self, body):
        """Turn a one-time invite into a patient session on this device."""
        patient = consume_invite(body["token"])
        if patient is None:
            record("auth.redeem", outcome="failure", token=token_fingerprint(body["token"]))
            abort(
                400,
                # The patient reads it on the invite page: in their browser's language.
                message=_(
                    "This invite link has already been used or has expired. "
                    "Please ask your care team for a new one."
                ),
            )
        start_session(patient=patient)
        record("auth.redeem", object_type="patient", object_id=patient.id)
        return session_body()
