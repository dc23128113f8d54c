"""The patient's own data: profile and check-ins."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

import surveys

from ..audit import record
from ..auth.policy import current_patient, policy
from ..checkins.operations import checkin_body
from ..checkins.schemas import CheckinListSchema
from ..extensions import db
from ..models import Checkin
from .operations import open_dues
from .schemas import LanguageSchema, MePatchSchema, MeSchema

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The patient's own data.")


HISTORY_LIMIT = 200


@blp.route("")
class Me(MethodView):
    @policy("patient")
    @blp.response(200, MeSchema)
    def get(self):
        """Own profile, the clinic's crisis resources and the check-ins due next."""
        patient = current_patient()
        record("patient.read", object_type="patient", object_id=patient.id, view="me")
        return {
            "id": patient.id,
            "display_name": patient.display_name,
            "timezone": patient.timezone,
            "language": patient.language,
            "clinic": patient.clinic,
            "crisis_resources": patient.clinic.effective_crisis_resources(),
            "next_due": open_dues(patient, limit=5),
            "instruments": list(surveys.all_definitions()),
            "vapid_public_key": current_app.config["VAPID_PUBLIC_KEY"] or None,
        }


@blp.route("/language")
class MyLanguage(MethodView):
    @policy("patient")
    @blp.arguments(MePatchSchema)
    @blp.response(200, LanguageSchema)
    @blp.alt_response(422, description="Not a language Waypoint speaks (nothing is changed).")
    def put(self, body):
        """Keep the app's language on the patient's record: reminders and the server's words
        to the patient follow it."""
        patient = current_patient()
        if patient.language != body["language"]:
            patient.language = body["language"]
            record("patient.language", object_type="patient", object_id=patient.id)
        return {"language": patient.language}


@blp.route("/checkins")
class MyCheckins(MethodView):
    @policy("patient")
    @blp.response(200, CheckinListSchema)
    def get(self):
        """Own check-ins, newest first."""
        patient = current_patient()
        rows = db.session.scalars(
            db.select(Checkin)
            .where(Checkin.patient_id == patient.id)
            .order_by(Checkin.completed_at.desc())
            .limit(HISTORY_LIMIT)
        ).all()
        record("checkin.list", object_type="patient", object_id=patient.id, count=len(rows))
        return {"items": [checkin_body(row, patient) for row in rows]}
