"""Wires the request boundary, the access policy, CSRF, the input guard and the headers."""

from flask import Flask, request
from flask_smorest import abort

from .auth.policy import install_policy
from .web import install_headers, install_request_boundary


def install_security(app: Flask) -> None:
    """Install every per-request safeguard; the order of the hooks is the order here."""
    install_policy(app)
    install_input_guard(app)
    install_request_boundary(app)
    install_headers(app)


def install_input_guard(app: Flask) -> None:
    """Refuse text PostgreSQL cannot store before any view sees it (a 422, not a 500).

    A NUL character or an unpaired UTF-16 surrogate (JSON allows both as escapes) passes
    the schemas but not the database driver; no real input contains either. The answer
    names the fields, in flask-smorest's shape: ``errors: {location: {field: [...]}}``.
    """

    @app.before_request
    def _refuse_unstorable_text():
        if request.routing_exception is not None:
            return  # Flask answers 404/405 itself
        errors = {}
        body = request.get_json(silent=True) if request.is_json else None
        fields = _bad_fields(body if isinstance(body, dict) else {"_schema": body})
        if fields:
            errors["json"] = fields
        fields = _bad_fields({k: request.args.getlist(k) for k in request.args})
        if fields:
            errors["query"] = fields
        if _unstorable(request.path):
            errors["path"] = {"_schema": [MESSAGE]}
        if errors:
            abort(422, message="The request holds characters that cannot be stored.", errors=errors)


MESSAGE = "No NUL characters or unpaired surrogates."


def _bad_fields(values: dict) -> dict:
    return {str(k): [MESSAGE] for k, v in values.items() if _unstorable(k) or _unstorable(v)}


def _unstorable(value) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False
