"""A clinic's staff accounts: invites by email, roles, deactivation (admins of that clinic).

The invitee's side (look at an invite, accept it with a password) is public: the invite's
token is the credential, and it is limited like a patient's invite (api/auth/throttle.py).
"""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.devices import remember_device
from ..auth.operations import token_fingerprint
from ..auth.policy import clinic_staff_or_404, policy, require_principal
from ..auth.principal import start_session
from ..auth.routes import session_body
from ..auth.schemas import SessionSchema
from ..auth.throttle import redeem_limits
from ..boundary import after_commit
from ..errors import DomainError, Invalid
from ..extensions import db
from ..models import Clinic, StaffUser
from ..models.base import utcnow
from ..pipeline.routing import SEND_STAFF_INVITE
from ..queue import publish
from .operations import (
    accept_invite,
    change_role,
    clinic_staff,
    deactivate,
    find_invite,
    invite_staff,
    new_invite,
    pending_invites,
    reactivate,
)
from .schemas import (
    AcceptInSchema,
    DeactivatedSchema,
    InviteInSchema,
    InvitePreviewSchema,
    InviteTokenInSchema,
    RoleInSchema,
    StaffMemberSchema,
    StaffMembersSchema,
)

blp = Blueprint(
    "staff", __name__, url_prefix="/api/v1/staff", description="A clinic's staff accounts."
)
INVITE_QUEUE = "default"
NOT_VALID = (
    "This invite link has already been used, was replaced by a newer one, or has expired. "
    "Ask your clinic's administrator to send a new one."
)


def _queue_invite_email(invite_id: int) -> None:
    """Once this request has committed, have the worker make the link and email it."""
    app = current_app._get_current_object()
    after_commit(lambda: publish(app, [(SEND_STAFF_INVITE, [invite_id], INVITE_QUEUE)]))


def _member_body(member: StaffUser, invites: dict) -> dict:
    invite = invites.get(member.id) if member.invite_pending else None
    return {
        "id": member.id,
        "name": member.name,
        "email": member.email,
        "role": member.role,
        "status": member.status,
        "on_call": member.on_call,
        "totp_enabled": member.totp_enabled,
        "invite": None
        if invite is None
        else {
            "created_at": invite.created_at,
            "expires_at": invite.expires_at,
            "sent_at": invite.sent_at,
            "expired": invite.expires_at <= utcnow(),
        },
    }


def _one(member: StaffUser) -> dict:
    return _member_body(member, pending_invites([member.id]))


def _refused(action: str, member: StaffUser, refused: DomainError) -> None:
    record(
        action, object_type="staff", object_id=member.id, outcome="failure", reason=refused.reason
    )


@blp.route("")
class StaffList(MethodView):
    @policy("admin")
    @blp.response(200, StaffMembersSchema)
    def get(self):
        """The clinic's staff with role and status (active, invited, deactivated)."""
        members = clinic_staff(require_principal().clinic_id)
        invites = pending_invites(m.id for m in members)
        record("staff.list", count=len(members))
        return {"items": [_member_body(m, invites) for m in members]}


@blp.route("/invites")
class StaffInvites(MethodView):
    @policy("admin")
    @blp.arguments(InviteInSchema)
    @blp.response(201, StaffMemberSchema)
    @blp.alt_response(409, description="The address already has an account (reason email_taken).")
    def post(self, body):
        """Invite someone by email: they choose their password, then set up two-step sign-in.

        The email (sent by the worker once this has committed) holds a link that works once,
        until ``STAFF_INVITE_HOURS`` have passed. Inviting a pending address again replaces
        its invite, name and role.
        """
        admin = require_principal().staff
        try:
            member = invite_staff(admin, body["email"], body["name"], body["role"])
        except DomainError as refused:
            record("staff.invite", object_type="staff", outcome="failure", reason=refused.reason)
            raise
        invite = pending_invites([member.id])[member.id]
        record("staff.invite", object_type="staff", object_id=member.id, role=member.role)
        _queue_invite_email(invite.id)
        return _member_body(member, {member.id: invite})


@blp.route("/<int:staff_id>/invite")
class StaffReinvite(MethodView):
    @policy("admin")
    @blp.response(200, StaffMemberSchema)
    @blp.alt_response(404, description="No such staff member in this clinic.")
    @blp.alt_response(409, description="The account is set up already (reason already_joined).")
    def post(self, staff_id):
        """Send the invite again: a new link, and the earlier one stops working."""
        member = clinic_staff_or_404(staff_id)
        try:
            invite = new_invite(member, require_principal().staff)
        except DomainError as refused:
            _refused("staff.invite", member, refused)
            raise
        record("staff.invite", object_type="staff", object_id=member.id, again=True)
        _queue_invite_email(invite.id)
        return _member_body(member, {member.id: invite})


@blp.route("/<int:staff_id>")
class StaffMember(MethodView):
    @policy("admin")
    @blp.arguments(RoleInSchema)
    @blp.response(200, StaffMemberSchema)
    @blp.alt_response(404, description="No such staff member in this clinic.")
    @blp.alt_response(409, description="The clinic's last active admin (reason last_admin).")
    def patch(self, body, staff_id):
        """Change a staff member's role; the clinic always keeps one active admin."""
        member = clinic_staff_or_404(staff_id)
        before = member.role
        try:
            changed = change_role(member, body["role"])
        except DomainError as refused:
            _refused("staff.role", member, refused)
            raise
        changes = {"role": member.role, "was": before} if changed else {"unchanged": True}
        record("staff.role", object_type="staff", object_id=member.id, **changes)
        return _one(member)


@blp.route("/<int:staff_id>/deactivate")
class StaffDeactivate(MethodView):
    @policy("admin")
    @blp.response(200, DeactivatedSchema)
    @blp.alt_response(404, description="No such staff member in this clinic.")
    @blp.alt_response(409, description="The clinic's last active admin (reason last_admin).")
    def post(self, staff_id):
        """Deactivate an account: every session of it ends now, and it cannot sign in.

        For an account not set up yet, this cancels its invite.
        """
        member = clinic_staff_or_404(staff_id)
        try:
            ended = deactivate(member)
        except DomainError as refused:
            _refused("staff.deactivate", member, refused)
            raise
        record("staff.deactivate", object_type="staff", object_id=member.id, sessions_ended=ended)
        return {**_one(member), "sessions_ended": ended}


@blp.route("/<int:staff_id>/reactivate")
class StaffReactivate(MethodView):
    @policy("admin")
    @blp.response(200, StaffMemberSchema)
    @blp.alt_response(404, description="No such staff member in this clinic.")
    @blp.alt_response(409, description="Not set up yet: send the invite again (not_joined).")
    def post(self, staff_id):
        """Let a deactivated staff member sign in again with their own password."""
        member = clinic_staff_or_404(staff_id)
        try:
            reactivate(member)
        except DomainError as refused:
            _refused("staff.reactivate", member, refused)
            raise
        record("staff.reactivate", object_type="staff", object_id=member.id)
        return _one(member)


@blp.route("/invite/preview")
class InvitePreview(MethodView):
    @policy("public", csrf=False)
    @redeem_limits
    @blp.arguments(InviteTokenInSchema)
    @blp.response(200, InvitePreviewSchema)
    @blp.alt_response(422, description="The invite is not valid (used, replaced or expired).")
    @blp.alt_response(429, description="Too many failed attempts; see Retry-After.")
    def post(self, body):
        """Who an invite is for, to greet the invitee; it does not spend the invite."""
        invite = find_invite(body["token"])
        if invite is None:
            record("staff.invite.view", outcome="failure", token=token_fingerprint(body["token"]))
            raise Invalid(NOT_VALID, {"token": [NOT_VALID]}, reason="invite_not_valid")
        member = invite.staff
        clinic = db.session.get(Clinic, member.clinic_id)
        record(
            "staff.invite.view",
            object_type="staff",
            object_id=member.id,
            clinic_id=member.clinic_id,
        )
        return {
            "name": member.name,
            "email": member.email,
            "role": member.role,
            "clinic": clinic.name,
            "expires_at": invite.expires_at,
        }


@blp.route("/invite/accept")
class InviteAccept(MethodView):
    @policy("public", csrf=False)
    @redeem_limits
    @blp.arguments(AcceptInSchema)
    @blp.response(200, SessionSchema)
    @blp.alt_response(
        422,
        description="A refused password (the invite stays usable), or an invite that is not valid.",
    )
    @blp.alt_response(429, description="Too many failed attempts; see Retry-After.")
    def post(self, body):
        """Accept an invite with one's own password; signs in on this device.

        The invite works once. Two-step set-up comes next (``mfa_enrolment_required`` says
        whether the clinic lets the account do anything else first).
        """
        try:
            member = accept_invite(body["token"], body["password"])
        except DomainError as refused:
            record("staff.invite.accept", outcome="failure", reason=refused.reason)
            raise
        if member is None:
            record("staff.invite.accept", outcome="failure", token=token_fingerprint(body["token"]))
            raise Invalid(NOT_VALID, {"token": [NOT_VALID]}, reason="invite_not_valid")
        start_session(staff=member)
        remember_device(member)
        record("staff.invite.accept", object_type="staff", object_id=member.id)
        return session_body()
