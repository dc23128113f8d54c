"""The panel: the clinic's patients by who needs attention, and search."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import policy, require_principal
from .operations import panel_page
from .schemas import (
    PanelArgsSchema,
    PanelPageSchema,
    PanelSearchSchema,
)

blp = Blueprint("panel", __name__, url_prefix="/api/v1/patients", description="The clinic's panel.")


def _page(args: dict, q: str | None = None) -> dict:
    principal = require_principal()
    page = panel_page(principal.clinic_id, args, q=q)
    record(
        "patient.list",
        object_type="patient",
        count=len(page["items"]),
        sort=args.get("sort"),
        search=q is not None,
    )
    return page


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
