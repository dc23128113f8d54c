"""Per-request safeguards: the access policy and CSRF, the input guard, the security headers."""

import json

from flask import Flask, request
from flask_smorest import abort

from .auth.policy import install_policy

#: The deepest JSON any Waypoint body needs is 3 levels (settings -> resources -> one
#: resource); far deeper input is refused before anything walks it, so that no parser,
#: schema, encoder or audit step recurses on an attacker's structure.
MAX_JSON_DEPTH = 32
MESSAGE = "No NUL characters or unpaired surrogates."


def install_security(app: Flask) -> None:
    """The access policy, then the input guard, before every view (in this order)."""
    install_policy(app)
    install_input_guard(app)


def install_input_guard(app: Flask) -> None:
    """Refuse input the app cannot safely walk or store before any view sees it (4xx, not 5xx).

    A JSON body that does not parse or nests deeper than ``MAX_JSON_DEPTH`` is a 400 (the
    parser's own recursion would otherwise be a 500), and so is one that names a key twice
    in one object: parsers keep the last, so ``"phq9_9": 1, "phq9_9": 0`` stored a 0 and
    raised no alert, while anything reading the body otherwise would see the 1. A NUL
    character or an unpaired UTF-16 surrogate (JSON allows both as escapes) passes the
    schemas but not the database driver; no real input contains either: a 422 naming the
    fields (``api.http_errors`` flattens them to ``{field: [...]}`` like every error).
    """

    @app.before_request
    def _refuse_unstorable_text():
        if request.routing_exception is not None:
            return  # Flask answers 404/405 itself
        errors = {}
        body = _json_body()
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


def _json_body():
    """The parsed JSON body (None when there is none), or a 400 if it is not usable JSON."""
    data = request.get_data(cache=True)
    if not request.is_json or not data.strip():
        return None
    try:
        body = json.loads(data, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        abort(
            400,
            message="The body gives a key twice.",
            errors={"json": {exc.key: ["Given more than once; send each key once."]}},
        )
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        body = _REFUSED
    if body is _REFUSED or _deeper_than(body, MAX_JSON_DEPTH):
        abort(
            400,
            message="The body is not valid JSON.",
            errors={
                "json": {"_schema": [f"Send valid JSON nested at most {MAX_JSON_DEPTH} deep."]}
            },
        )
    return body


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key[:64]


def _unique_keys(pairs: list) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


_REFUSED = object()


def _deeper_than(value, limit: int) -> bool:
    """True if containers nest more than ``limit`` levels (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _strings(value):
    """Every string in a JSON value, keys included, walked without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _bad_fields(values: dict) -> dict:
    return {str(k): [MESSAGE] for k, v in values.items() if _unstorable(k) or _unstorable(v)}


def _unstorable(value) -> bool:
    return any(_bad_text(text) for text in _strings(value))


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def apply_headers(app: Flask, response) -> None:
    """Security headers on every response; no-store on every API response (the boundary
    calls it last, so a response it replaced gets them too)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if request.path.startswith("/api/") or request.path.startswith("/join/"):
        response.headers["Cache-Control"] = "no-store"
