"""The panel: the clinic's patients by who needs attention, and search."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy, require_principal
from ..jsonbody import json_response
from .flags import dismiss_relapse, flags_of, lock_relapse, relapse_dict
from .operations import panel_page
from .schemas import (
    DismissFlagSchema,
    PanelArgsSchema,
    PanelPageSchema,
    PanelSearchSchema,
    RiskFlagListSchema,
    RiskFlagSchema,
)

blp = Blueprint("panel", __name__, url_prefix="/api/v1/patients", description="The clinic's panel.")


def _page(args: dict, q: str | None = None):
    """The page, written directly (api/jsonbody.py: the document PanelPageSchema dumps)."""
    principal = require_principal()
    page = panel_page(principal.clinic_id, args, q=q)
    record(
        "patient.list",
        object_type="patient",
        count=len(page["items"]),
        sort=args.get("sort"),
        search=q is not None,
    )
    return json_response(page)


@blp.route("")
class Panel(MethodView):
    @policy("staff")
    @blp.arguments(PanelArgsSchema, location="query")
    @blp.response(200, PanelPageSchema)
    def get(self, args):
        """The panel: the clinic's patients, by risk (default), name or last check-in."""
        return _page(args)


@blp.route("/search")
class PatientSearch(MethodView):
    @policy("staff")
    @blp.arguments(PanelSearchSchema)
    @blp.response(200, PanelPageSchema)
    def post(self, body):
        """The panel filtered by part of a name or ref (POST: names never go in a URL)."""
        q = body.pop("q")
        return _page(body, q=q)


@blp.route("/<uuid:patient_id>/risk-flags")
class PatientRiskFlags(MethodView):
    @policy("staff")
    @blp.response(200, RiskFlagListSchema)
    def get(self, patient_id):
        """The patient's risk flags: positive safety screens still shown, relapses under review."""
        patient = clinic_patient_or_404(patient_id)
        items = flags_of(patient.clinic_id, [patient.id])[patient.id]
        record("risk_flag.list", object_type="patient", object_id=patient.id, count=len(items))
        return {"items": items}


@blp.route("/<uuid:patient_id>/risk-flags/<int:flag_id>/dismiss")
class RiskFlagDismiss(MethodView):
    @policy("staff")
    @blp.arguments(DismissFlagSchema)
    @blp.response(200, RiskFlagSchema)
    @blp.alt_response(404, description="No such flag of this patient.")
    @blp.alt_response(409, description="The flag was dismissed already.")
    def post(self, body, patient_id, flag_id):
        """Dismiss a worsening against the lowest score after review, with an optional note."""
        patient = clinic_patient_or_404(patient_id)
        flag = dismiss_relapse(
            lock_relapse(patient, flag_id), require_principal().staff, body["note"]
        )
        record(
            "risk_flag.dismiss",
            object_type="risk_flag",
            object_id=flag.id,
            patient_id=str(patient.id),
            kind=flag.kind,
        )
        return relapse_dict(flag)
