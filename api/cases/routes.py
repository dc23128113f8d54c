"""The clinic's cases: list, detail with one timeline, acknowledge, the call log, resolve."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE

from ..audit import record
from ..auth.policy import policy, require_principal
from ..extensions import db
from ..models import Case
from .inbox import case_detail, cases_page
from .operations import acknowledge_case, lock_case, log_contact, resolve_case
from .schemas import (
    CaseAcknowledgeSchema,
    CaseDetailSchema,
    CaseListSchema,
    CaseQuerySchema,
    CaseResolveSchema,
    ContactInSchema,
)

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases.")


@blp.route("")
class Cases(MethodView):
    @policy("staff")
    @blp.arguments(CaseQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, CaseListSchema)
    @blp.alt_response(400, description="The cursor was not issued for this list.")
    def get(self, query):
        """The clinic's cases, most pressing first, then longest waiting, a page at a time,
        each with every alert inside (most pressing first) and its call log."""
        principal = require_principal()
        page = cases_page(principal.clinic_id, query)
        filters = {k: str(v) for k, v in query.items() if v and k not in ("cursor", "limit")}
        record("case.list", count=len(page["items"]), paged=bool(query.get("cursor")), **filters)
        return page


@blp.route("/<uuid:case_id>")
class CaseDetail(MethodView):
    @policy("staff")
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """One case with its alerts, calls, one timeline and every notification delivery."""
        case = _case_or_404(case_id)
        record("case.read", object_type="case", object_id=case.id)
        return case_detail(case)


@blp.route("/<uuid:case_id>/acknowledge")
class CaseAcknowledge(MethodView):
    @policy("staff")
    @blp.arguments(CaseAcknowledgeSchema)
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(409, description="Resolved, already acknowledged, or changed since seen.")
    def post(self, body, case_id):
        """Acknowledge the case: every open alert in it (their escalation stops)."""
        principal = require_principal()
        case = _case_or_404(case_id, lock=True)
        acknowledge_case(case, principal.staff, body["note"], body["seen_alerts"])
        record("case.acknowledge", object_type="case", object_id=case.id)
        return case_detail(case)


@blp.route("/<uuid:case_id>/contacts")
class CaseContacts(MethodView):
    @policy("staff")
    @blp.arguments(ContactInSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, body, case_id):
        """Log a contact with the patient (reached, tried, left a message): the call log,
        and the panel's "last contact"."""
        principal = require_principal()
        case = _case_or_404(case_id, lock=True)
        log_contact(case, principal.staff, body)
        record("case.contact", object_type="case", object_id=case.id, result=body["result"])
        return case_detail(case)


@blp.route("/<uuid:case_id>/resolve")
class CaseResolve(MethodView):
    @policy("staff")
    @blp.arguments(CaseResolveSchema)
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(409, description="The case is resolved already.")
    @blp.alt_response(422, description="An urgent or imminent case needs its outcome.")
    def post(self, body, case_id):
        """Resolve the case and every alert in it. An urgent or imminent case needs the
        outcome: contact made (how, when), risk level, plan, next contact date."""
        principal = require_principal()
        case = _case_or_404(case_id, lock=True)
        resolve_case(case, principal.staff, body["note"], body["outcome"], body["seen_alerts"])
        record("case.resolve", object_type="case", object_id=case.id)
        return case_detail(case)


def _case_or_404(case_id, lock: bool = False) -> Case:
    principal = require_principal()
    if lock:
        case = lock_case(case_id, principal.clinic_id)
    else:
        case = db.session.scalar(
            db.select(Case).where(Case.id == case_id, Case.clinic_id == principal.clinic_id)
        )
    if case is None:
        record("case.read", object_type="case", object_id=case_id, outcome="denied")
        abort(404, message="No such case.")
    return case
