"""One JSON error body for every 4xx and 5xx, and the one mapping from domain errors to it.

The body is flask-smorest's ``{code, status, message, errors}`` plus ``reason`` where a client
must branch: ``errors`` is always ``{field: [messages]}`` at one depth. webargs nests its
validation errors by location (``{"json": {"answers": {"phq9_9": [...]}}}``); they are
flattened here to dotted field paths (``{"answers.phq9_9": [...]}``) so that a client reads
every refusal the same way, whichever layer made it.
"""

import logging

import marshmallow as ma
from flask import g, jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, UnprocessableEntity
from werkzeug.http import HTTP_STATUS_CODES

from . import errors

log = logging.getLogger("waypoint.web")

#: The HTTP status of each kind of domain error (the most specific class wins).
STATUS = {
    errors.Invalid: 422,
    errors.Malformed: 400,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.Throttled: 429,
}

#: webargs' locations: the top-level keys of its nested validation errors.
LOCATIONS = {"json", "query", "path", "headers", "cookies", "form", "files", "view_args"}


class ErrorSchema(ma.Schema):
    """Every error body (documentation only: bodies are built by ``error_body``)."""

    code = ma.fields.Integer(metadata={"description": "The HTTP status code."})
    status = ma.fields.String(metadata={"description": "The HTTP status name."})
    message = ma.fields.String(metadata={"description": "What went wrong, for people."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Messages by field (dotted paths for nested fields)."},
    )
    reason = ma.fields.String(
        metadata={
            "description": "A stable code where a client must branch, e.g. mfa_enrolment_required."
        }
    )


def flatten(errors_in) -> dict[str, list[str]]:
    """``{field: [messages]}`` at one depth from webargs' or marshmallow's nested errors."""
    flat: dict[str, list[str]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                key = str(key)
                walk(inner, key if not path else f"{path}.{key}")
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, dict | list | tuple):
                    walk(item, path)
                else:
                    flat.setdefault(path or "_schema", []).append(str(item))
        elif value is not None:
            flat.setdefault(path or "_schema", []).append(str(value))

    if isinstance(errors_in, dict):
        for key, value in errors_in.items():
            # A location is not a field: {"json": {"email": [...]}} is the email's error.
            walk(value, "" if key in LOCATIONS else str(key))
    else:
        walk(errors_in, "")
    return flat


def error_body(status: int, message: str | None, errors_in=None, reason: str | None = None):
    """The JSON error body for ``status``."""
    body = {
        "code": status,
        "status": HTTP_STATUS_CODES.get(status, "Error"),
        "message": message or HTTP_STATUS_CODES.get(status, "Error"),
    }
    if errors_in:
        body["errors"] = flatten(errors_in)
    if reason:
        body["reason"] = reason
    return body


def status_of(error: errors.DomainError) -> int:
    """The HTTP status of a domain error."""
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def domain_error_response(error: errors.DomainError):
    """The response to a domain error that reached the web boundary."""
    status = status_of(error)
    response = jsonify(error_body(status, error.message, error.errors, error.reason))
    response.status_code = status
    if isinstance(error, errors.Throttled):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


#: The words of a refused body in place of HTTP's own ("The request was well-formed but was
#: unable to be followed due to semantic errors"), which a clinician or patient reads beside
#: the fields it is about.
VALIDATION_MESSAGE = "Some of what was sent cannot be used: each field says why."


class WaypointApi(Api):
    """flask-smorest's Api answering every HTTP error with Waypoint's one body."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        payload, status, headers = super().handle_http_exception(error)
        message = payload.get("message") or error.description
        if status == 422 and payload.get("errors") and message == UnprocessableEntity.description:
            message = VALIDATION_MESSAGE
        body = error_body(
            status,
            message,
            payload.get("errors"),
            (getattr(error, "data", None) or {}).get("reason"),
        )
        if status == 405 and getattr(error, "valid_methods", None):
            headers = {**headers, "Allow": ", ".join(sorted(error.valid_methods))}
        if status >= 500:
            log.error("request failed", extra={"request_id": g.get("request_id")})
        return body, status, headers
