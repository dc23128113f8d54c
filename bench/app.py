"""The benchmark's own app: Waypoint plus the floor endpoints, which production never has.

The floors are what the same stack (gunicorn, Flask, the session and policy hooks, the
request boundary's commit, PostgreSQL) does at best: a signed-in patient's POST that
inserts one row and returns, and a signed-in clinician's GET that reads one row. Each
Waypoint figure is printed beside its floor measured in the same run.

gunicorn runs ``bench.app:create_bench_app()``.
"""

import uuid

import sqlalchemy as sa
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.app import create_app
from api.auth.policy import current_patient, policy, require_principal
from api.extensions import api, db
from api.models import Patient
from api.models.base import UTCDateTime, utcnow

#: A table of the benchmark database only (created by bench.run, not by the migrations).
floor_metadata = sa.MetaData()
FLOOR_TABLE = sa.Table(
    "bench_floor",
    floor_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)

floor_blp = Blueprint(
    "bench_floor", __name__, url_prefix="/bench/floor", description="Benchmark floors."
)


class FloorOutSchema(Schema):
    id = fields.UUID(required=True)


@floor_blp.route("")
class Floor(MethodView):
    @policy("patient")
    @floor_blp.response(201, FloorOutSchema)
    def post(self):
        """Insert the posted JSON as one row and return its id: nothing else."""
        patient = current_patient()
        row_id = uuid.uuid4()
        db.session.execute(
            FLOOR_TABLE.insert().values(
                id=row_id,
                patient_id=patient.id,
                body=request.get_json(silent=True) or {},
                received_at=utcnow(),
            )
        )
        return {"id": row_id}

    @policy("staff")
    @floor_blp.response(200, FloorOutSchema)
    def get(self):
        """Read one patient id of the clinician's clinic: the floor of a signed-in GET."""
        clinic_id = require_principal().clinic_id
        patient_id = db.session.scalar(
            sa.select(Patient.id).where(Patient.clinic_id == clinic_id).limit(1)
        )
        return {"id": patient_id or uuid.UUID(int=0)}


def create_bench_app():
    """Waypoint's app with the floor blueprint registered (benchmarks only)."""
    app = create_app()
    api.register_blueprint(floor_blp)
    return app
