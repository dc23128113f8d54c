"""One JSON error shape for every 4xx and 5xx: flask-smorest's {code, status, message, errors}."""

import logging

from flask import g
from flask_smorest import Api

log = logging.getLogger("waypoint.web")


class WaypointApi(Api):
    """flask-smorest's Api whose errors always carry a human-readable message."""

    def handle_http_exception(self, error):
        payload, status, headers = super().handle_http_exception(error)
        payload.setdefault("message", error.description)
        # The exception's own headers (a 405's Allow, a 429's Retry-After), body type aside.
        headers = {**dict(error.get_headers()), **dict(headers or {})}
        headers.pop("Content-Type", None)
        if status >= 500:
            log.error("request failed", extra={"request_id": g.get("request_id")})
        return payload, status, headers
