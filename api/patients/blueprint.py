"""The patients blueprint, shared by the route modules of this package."""

from flask_smorest import Blueprint

blp = Blueprint(
    "patients", __name__, url_prefix="/api/v1/patients", description="The clinic's patients."
)
