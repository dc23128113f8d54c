"""Instrument definitions, as JSON for the app or as FHIR Questionnaires."""

import json

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

import surveys
from surveys import fhir

from ..auth.policy import policy
from ..checkins.schemas import LANGUAGE
from ..jsonbody import gzipped_if_accepted

blp = Blueprint(
    "instruments",
    __name__,
    url_prefix="/api/v1/instruments",
    description="Questionnaire definitions.",
)

FHIR_JSON = "application/fhir+json"


class InstrumentSummarySchema(Schema):
    code = fields.String()
    version = fields.String()
    title = fields.String()


class InstrumentListSchema(Schema):
    items = fields.List(fields.Nested(InstrumentSummarySchema))


class FormatQuerySchema(Schema):
    format = fields.String(load_default=None, metadata={"description": "json (default) or fhir"})
    language = fields.String(
        load_default=surveys.DEFAULT_LANGUAGE,
        validate=LANGUAGE,
        metadata={
            "description": "The language to ask it in (en, es). An instrument with no verified "
            "translation in it is answered in English: its `language` says which one."
        },
    )


@blp.route("")
class Instruments(MethodView):
    @policy("signed_in")
    @blp.response(200, InstrumentListSchema)
    def get(self):
        """Every instrument Waypoint can ask."""
        return {"items": list(surveys.all_definitions().values())}


@blp.route("/<string:code>")
class Instrument(MethodView):
    @policy("signed_in")
    @blp.arguments(FormatQuerySchema, location="query")
    @blp.response(200, description="The definition, or a FHIR R4 Questionnaire.")
    @blp.alt_response(404, description="No such instrument.")
    @blp.alt_response(422, description="Not a language Waypoint speaks.")
    def get(self, query, code):
        """One instrument's definition: what the app renders and scores against."""
        try:
            definition = surveys.translated(surveys.get_definition(code), query["language"])
        except surveys.UnknownInstrument:
            abort(404, message="No such instrument.")
        wants_fhir = query["format"] == "fhir" or (
            request.accept_mimetypes.best_match(["application/json", FHIR_JSON]) == FHIR_JSON
        )
        if query["format"] not in (None, "json", "fhir"):
            abort(400, message="format must be json or fhir.", errors={"format": ["Unknown."]})
        if wants_fhir:
            return current_app.response_class(
                json.dumps(fhir.questionnaire(definition)), mimetype=FHIR_JSON
            )
        return gzipped_if_accepted(current_app.json.response(definition.data))
