"""One's own account: two-step sign-in, password, and the devices signed in."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.policy import csrf_token, policy, require_principal
from ..auth.principal import end_session, start_session
from ..auth.throttle import mark_wrong_password, reauth_limits
from ..errors import DomainError
from ..http_errors import status_of
from .notices import queue_notice
from .operations import (
    change_password,
    confirm_totp_enrolment,
    live_sessions,
    revoke_own_session,
    start_totp_enrolment,
)
from .schemas import (
    OwnSessionListSchema,
    PasswordChangedSchema,
    PasswordInSchema,
    TotpConfirmedSchema,
    TotpConfirmInSchema,
    TotpStartInSchema,
    TotpStartSchema,
)

blp = Blueprint("account", __name__, url_prefix="/api/v1/account", description="One's own account.")


def _refused(refused: DomainError, action: str) -> None:
    """Audit a refused account change (the error itself is answered at the boundary)."""
    if refused.reason == "wrong_password":
        mark_wrong_password()  # a guess: it counts against the sign-in budgets
    reason = refused.reason or next(iter(refused.errors), None) or str(status_of(refused))
    record(action, outcome="failure", reason=reason)


@blp.route("/totp")
class TotpEnrolment(MethodView):
    @policy("staff", before_mfa=True)
    @reauth_limits
    @blp.arguments(TotpStartInSchema)
    @blp.response(201, TotpStartSchema)
    @blp.alt_response(409, description="Two-step sign-in is already set up.")
    @blp.alt_response(422, description="The current password is not right.")
    @blp.alt_response(429, description="Too many wrong passwords; see Retry-After.")
    def post(self, given):
        """Start two-step sign-in: a new secret for the authenticator app.

        Asks for the current password; wrong ones count as failed sign-ins.
        """
        staff = require_principal().staff
        try:
            body = start_totp_enrolment(staff, given["current_password"])
        except DomainError as refused:
            _refused(refused, "mfa.enrol_start")
            raise
        record("mfa.enrol_start", object_type="staff", object_id=staff.id)
        return body


@blp.route("/totp/confirm")
class TotpConfirm(MethodView):
    @policy("staff", before_mfa=True)
    @reauth_limits
    @blp.arguments(TotpConfirmInSchema)
    @blp.response(200, TotpConfirmedSchema)
    @blp.alt_response(409, description="Not started, or already set up.")
    @blp.alt_response(422, description="The code or the current password is not right.")
    @blp.alt_response(429, description="Too many wrong passwords; see Retry-After.")
    def post(self, body):
        """Finish set-up with a code from the app; returns recovery codes, shown only once.

        Asks for the current password again, and tells the account's email once done. The
        session is replaced by a new one (a new cookie and CSRF token): the rights of the
        session changed, so its token does too.
        """
        staff = require_principal().staff
        try:
            codes = confirm_totp_enrolment(staff, body["code"], body["current_password"])
        except DomainError as refused:
            _refused(refused, "mfa.enrol")
            raise
        end_session("mfa_enrolled")
        start_session(staff=staff)
        record("mfa.enrol", object_type="staff", object_id=staff.id)
        queue_notice(staff, "two_step_enrolled")
        return {"recovery_codes": codes, "csrf_token": csrf_token()}


@blp.route("/password")
class Password(MethodView):
    @policy("staff")
    @reauth_limits
    @blp.arguments(PasswordInSchema)
    @blp.response(200, PasswordChangedSchema)
    @blp.alt_response(422, description="Wrong current password, or a weak new one.")
    @blp.alt_response(429, description="Too many wrong passwords; see Retry-After.")
    def post(self, body):
        """Change the password; every other device is signed out and the account's email told.

        Wrong current passwords count as failed sign-ins.
        """
        principal = require_principal()
        try:
            ended = change_password(principal, body["current_password"], body["new_password"])
        except DomainError as refused:
            _refused(refused, "auth.password_change")
            raise
        record(
            "auth.password_change",
            object_type="staff",
            object_id=principal.staff.id,
            sessions_ended=ended,
        )
        queue_notice(principal.staff, "password_changed")
        return {"sessions_ended": ended}


@blp.route("/sessions")
class OwnSessions(MethodView):
    @policy("signed_in")
    @blp.response(200, OwnSessionListSchema)
    def get(self):
        """The devices signed in to this account."""
        principal = require_principal()
        rows = live_sessions(principal)
        record("session.list", count=len(rows))
        current = principal.auth_session.id
        return {"items": [_session_body(row, current) for row in rows]}


@blp.route("/sessions/<int:auth_session_id>")
class OwnSession(MethodView):
    @policy("signed_in")
    @blp.response(204)
    @blp.alt_response(404, description="No such session of this account.")
    def delete(self, auth_session_id):
        """Sign one device out (this one included)."""
        principal = require_principal()
        row = revoke_own_session(principal, auth_session_id)
        if row is None:
            record(
                "session.revoke",
                object_type="auth_session",
                object_id=auth_session_id,
                outcome="denied",
            )
            abort(404, message="No such session.")
        record("session.revoke", object_type="auth_session", object_id=row.id)


def _session_body(row, current_id: int) -> dict:
    return {
        "id": row.id,
        "created_at": row.created_at,
        "last_seen_at": row.last_seen_at,
        "expires_at": row.expires_at,
        "user_agent": row.user_agent,
        "current": row.id == current_id,
    }
